/** Owner side: decrypts vectors (in practice only the aggregate) with the secret key. */
import { W3aiError } from '@w3ai/protocol'
import type { Decryptor } from 'node-seal/implementation/decryptor'
import { readVector } from './binary.js'
import { checkedSecretKey, checkVector, loadCheckedCiphertext, loadCiphertext, type SealKit } from './kit.js'
import type { CkksSecretKey, CkksVector } from './wire.js'

export class CkksDecryptor {
  readonly keyId: string
  private readonly kit: SealKit
  private decryptor: Decryptor | undefined
  private readonly coefficients: Float64Array
  // A serialized ciphertext (NTT form, this context's header) whose parts are overwritten with decryptions.
  private scratch: Uint8Array | undefined

  /** Use `CkksContext.decryptor`. */
  constructor(kit: SealKit, secretKey: CkksSecretKey) {
    const { keyId, bytes } = checkedSecretKey(kit, secretKey)
    const key = kit.seal.SecretKey()
    try {
      key.loadArray(kit.context, bytes)
      this.decryptor = kit.seal.Decryptor(kit.context, key)
    } catch (e) {
      throw new W3aiError('FL_CKKS_MALFORMED', `The secret key is not a valid SEAL secret key (${(e as Error).message}).`)
    } finally {
      key.delete()
    }
    this.kit = kit
    this.keyId = keyId
    this.coefficients = new Float64Array(kit.valuesPerCiphertext)
  }

  /**
   * Decrypts a vector encrypted under this key, in its JSON or binary form; one under another key
   * is FL_CKKS_WRONG_KEY.
   */
  decrypt(vector: unknown): Float64Array {
    const decryptor = this.decryptor
    if (decryptor === undefined) throw new Error('this decryptor is closed')
    const { seal } = this.kit
    const binary = vector instanceof Uint8Array ? readVector(this.kit, vector) : undefined
    const json = binary === undefined ? checkVector(this.kit, vector) : undefined
    const { keyId, length } = binary ?? (json as CkksVector)
    if (keyId !== this.keyId) throw new W3aiError('FL_CKKS_WRONG_KEY', 'The vector is encrypted under another key than this secret key.', { keyId, expected: this.keyId })
    const count = binary?.count ?? (json as CkksVector).ciphertexts.length
    const { valuesPerCiphertext, polynomialOffset, polynomialBytes } = this.kit
    const out = new Float64Array(length)
    const cipher = seal.CipherText()
    const plain = seal.PlainText()
    try {
      // Two ciphertexts at a time: their decryptions (NTT form) go back to coefficient form as the
      // two parts of one ciphertext, since SEAL transforms only whole ciphertexts.
      for (let c = 0; c < count; c += 2) {
        const pair = Math.min(2, count - c)
        for (let p = 0; p < pair; p++) {
          const what = `Ciphertext ${c + p}`
          const details = { ciphertext: c + p }
          if (binary !== undefined) loadCheckedCiphertext(this.kit, binary.ciphertext(c + p, what, details), cipher, what, details)
          else loadCiphertext(this.kit, json?.ciphertexts[c + p], cipher, what, details)
          decryptor.decrypt(cipher, plain)
          const scratch = (this.scratch ??= cipher.saveArray(seal.ComprModeType.none))
          const decrypted = plain.saveArray(seal.ComprModeType.none)
          scratch.set(decrypted.subarray(decrypted.byteLength - polynomialBytes), polynomialOffset + p * polynomialBytes)
        }
        const scratch = this.scratch as Uint8Array
        // Alone, it gets the constant 1 as a second part: SEAL refuses a ciphertext whose second part is empty.
        if (pair === 1) scratch.fill(0, polynomialOffset + polynomialBytes).fill(1, polynomialOffset + polynomialBytes, polynomialOffset + polynomialBytes + 1)
        cipher.loadArray(this.kit.context, scratch)
        this.kit.evaluator.cipherTransformFromNtt(cipher, cipher)
        const message = cipher.saveArray(seal.ComprModeType.none)
        for (let p = 0; p < pair; p++) {
          const start = (c + p) * valuesPerCiphertext
          this.kit.residues.read(message, polynomialOffset + p * polynomialBytes, this.coefficients)
          this.kit.embedding.decode(this.coefficients, this.kit.scale, out, start, Math.min(valuesPerCiphertext, length - start))
        }
      }
    } finally {
      cipher.delete()
      plain.delete()
    }
    return out
  }

  close(): void {
    this.decryptor?.delete()
    this.decryptor = undefined
    this.scratch?.fill(0)
  }
}
