/**
 * A running sum of encrypted vectors kept inside SEAL: an aggregator adds vectors as they arrive
 * and serializes the sum once, instead of parsing and re-serializing a total for every vector.
 */
import { W3aiError } from '@w3ai/protocol'
import type { CipherText } from 'node-seal/implementation/cipher-text'
import { toBase64Url } from '../encoding.js'
import { checkVector, loadCiphertext, type SealKit } from './kit.js'
import { malformed, type CkksVector } from './wire.js'

export interface SumOptions {
  /** The key every vector must be under (the job's); default: the first vector's. */
  keyId?: string
}

/** How an added vector is named in errors: `label` in messages, `details` in error details. */
export interface VectorLabel {
  label: string
  details: Record<string, unknown>
}

export class CkksAccumulator {
  private readonly kit: SealKit
  private total: CipherText[] = []
  // Ciphertexts of the vector being added; swapped with `total` once all of them are summed.
  private spare: CipherText[] = []
  private keyId: string | undefined
  private length: number | undefined
  private added = 0
  private closed = false

  /** Use `CkksContext.accumulator`. */
  constructor(kit: SealKit, options: SumOptions = {}) {
    this.kit = kit
    this.keyId = options.keyId
  }

  /** Vectors added so far. */
  get count(): number {
    return this.added
  }

  /**
   * Adds one vector as received from anyone: FL_CKKS_WRONG_KEY, FL_CKKS_LENGTH_MISMATCH or
   * FL_CKKS_MALFORMED refuse it and leave the sum as it was.
   */
  add(vector: unknown, name: VectorLabel = { label: 'The vector', details: {} }): void {
    if (this.closed) throw new Error('this accumulator is closed')
    const { kit } = this
    const { label, details } = name
    const v: CkksVector = checkVector(kit, vector, details)
    if (this.keyId !== undefined && v.keyId !== this.keyId) {
      throw new W3aiError('FL_CKKS_WRONG_KEY', `${label} is under another key than this sum's.`, { ...details, keyId: v.keyId, expected: this.keyId })
    }
    if (this.length !== undefined && v.length !== this.length) {
      throw new W3aiError('FL_CKKS_LENGTH_MISMATCH', `${label} holds ${v.length} values, the sum ${this.length}.`, { ...details, length: v.length, expected: this.length })
    }
    while (this.spare.length < v.ciphertexts.length) this.spare.push(kit.seal.CipherText())
    const where = label.charAt(0).toLowerCase() + label.slice(1)
    v.ciphertexts.forEach((text, c) => loadCiphertext(kit, text, this.spare[c] as CipherText, `Ciphertext ${c} of ${where}`, { ...details, ciphertext: c }))
    if (this.added > 0) {
      this.spare.forEach((next, c) => {
        try {
          kit.evaluator.add(this.total[c] as CipherText, next, next)
        } catch (e) {
          throw malformed(`Ciphertext ${c} of ${where} cannot be added (${(e as Error).message}).`, { ...details, ciphertext: c })
        }
      })
    }
    ;[this.total, this.spare] = [this.spare, this.total]
    this.keyId ??= v.keyId
    this.length ??= v.length
    this.added++
  }

  /** The sum so far, serialized. */
  result(): CkksVector {
    if (this.closed) throw new Error('this accumulator is closed')
    if (this.added === 0 || this.keyId === undefined || this.length === undefined) throw malformed('There are no encrypted vectors to add.')
    const none = this.kit.seal.ComprModeType.none
    return { keyId: this.keyId, length: this.length, ciphertexts: this.total.map((c) => toBase64Url(c.saveArray(none))) }
  }

  /** Frees the WASM objects; idempotent. */
  close(): void {
    for (const c of [...this.total, ...this.spare]) c.delete()
    this.total = []
    this.spare = []
    this.closed = true
  }
}
