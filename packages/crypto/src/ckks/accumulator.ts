/**
 * A running sum of encrypted vectors kept inside SEAL: an aggregator adds vectors as they arrive
 * and serializes the sum once, instead of parsing and re-serializing a total for every vector.
 */
import { W3aiError } from '@w3ai/protocol'
import type { CipherText } from 'node-seal/implementation/cipher-text'
import { toBase64Url } from '../encoding.js'
import { readVector, VECTOR_HEADER_BYTES, vectorBytes, writeVectorHeader } from './binary.js'
import { checkVector, loadCheckedCiphertext, loadCiphertext, type SealKit } from './kit.js'
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
   * Adds one vector as received from anyone, in its JSON form (a CkksVector) or its binary form
   * (a Uint8Array from `CkksEncryptor.encryptBytes` or `resultBytes`): FL_CKKS_WRONG_KEY,
   * FL_CKKS_LENGTH_MISMATCH or FL_CKKS_MALFORMED refuse it and leave the sum as it was.
   */
  add(vector: unknown, name: VectorLabel = { label: 'The vector', details: {} }): void {
    if (this.closed) throw new Error('this accumulator is closed')
    const { kit } = this
    const { label, details } = name
    const where = label.charAt(0).toLowerCase() + label.slice(1)
    const what = (c: number): string => `Ciphertext ${c} of ${where}`
    const at = (c: number): Record<string, unknown> => ({ ...details, ciphertext: c })
    if (vector instanceof Uint8Array) {
      const v = readVector(kit, vector, details)
      this.check(v.keyId, v.length, name)
      this.addLoaded(v.count, (c, target) => loadCheckedCiphertext(kit, v.ciphertext(c, what(c), at(c)), target, what(c), at(c)), where, details)
      this.accept(v.keyId, v.length)
    } else {
      const v: CkksVector = checkVector(kit, vector, details)
      this.check(v.keyId, v.length, name)
      this.addLoaded(v.ciphertexts.length, (c, target) => loadCiphertext(kit, v.ciphertexts[c], target, what(c), at(c)), where, details)
      this.accept(v.keyId, v.length)
    }
  }

  private check(keyId: string, length: number, { label, details }: VectorLabel): void {
    if (this.keyId !== undefined && keyId !== this.keyId) {
      throw new W3aiError('FL_CKKS_WRONG_KEY', `${label} is under another key than this sum's.`, { ...details, keyId, expected: this.keyId })
    }
    if (this.length !== undefined && length !== this.length) {
      throw new W3aiError('FL_CKKS_LENGTH_MISMATCH', `${label} holds ${length} values, the sum ${this.length}.`, { ...details, length, expected: this.length })
    }
  }

  /** Loads every ciphertext into `spare` (any failure leaves `total` untouched), then adds `total` into it and swaps. */
  private addLoaded(count: number, load: (c: number, target: CipherText) => void, where: string, details: Record<string, unknown>): void {
    const { kit } = this
    while (this.spare.length < count) this.spare.push(kit.seal.CipherText())
    for (let c = 0; c < count; c++) load(c, this.spare[c] as CipherText)
    if (this.added > 0) {
      for (let c = 0; c < count; c++) {
        const next = this.spare[c] as CipherText
        try {
          kit.evaluator.add(this.total[c] as CipherText, next, next)
        } catch (e) {
          throw malformed(`Ciphertext ${c} of ${where} cannot be added (${(e as Error).message}).`, { ...details, ciphertext: c })
        }
      }
    }
    ;[this.total, this.spare] = [this.spare, this.total]
  }

  private accept(keyId: string, length: number): void {
    this.keyId ??= keyId
    this.length ??= length
    this.added++
  }

  /** The sum so far, serialized. */
  result(): CkksVector {
    const { keyId, length } = this.done()
    const none = this.kit.seal.ComprModeType.none
    return { keyId, length, ciphertexts: this.total.map((c) => toBase64Url(c.saveArray(none))) }
  }

  /** The sum so far in the binary form, starting `headroom` bytes into the result (see `CkksEncryptor.encryptBytes`). */
  resultBytes(headroom = 0): Uint8Array {
    const { keyId, length } = this.done()
    const { kit } = this
    const none = kit.seal.ComprModeType.none
    const out = new Uint8Array(headroom + vectorBytes(kit, length))
    this.total.forEach((c, i) => out.set(c.saveArray(none), headroom + VECTOR_HEADER_BYTES + i * kit.ciphertextBytes))
    writeVectorHeader(kit, out.subarray(headroom), keyId, length)
    return out
  }

  private done(): { keyId: string; length: number } {
    if (this.closed) throw new Error('this accumulator is closed')
    if (this.added === 0 || this.keyId === undefined || this.length === undefined) throw malformed('There are no encrypted vectors to add.')
    return { keyId: this.keyId, length: this.length }
  }

  /** Frees the WASM objects; idempotent. */
  close(): void {
    for (const c of [...this.total, ...this.spare]) c.delete()
    this.total = []
    this.spare = []
    this.closed = true
  }
}
