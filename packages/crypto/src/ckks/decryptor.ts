/** Owner side: decrypts vectors (in practice only the aggregate) with the secret key. */
import { W3aiError } from '@w3ai/protocol'
import type { CipherText } from 'node-seal/implementation/cipher-text'
import type { Decryptor } from 'node-seal/implementation/decryptor'
import type { PlainText } from 'node-seal/implementation/plain-text'
import { readVector } from './binary.js'
import { checkedSecretKey, checkVector, loadCheckedCiphertext, loadCiphertext, type SealKit } from './kit.js'
import type { CkksSecretKey, CkksVector } from './wire.js'

export class CkksDecryptor {
  readonly keyId: string
  private readonly kit: SealKit
  private decryptor: Decryptor | undefined
  private readonly coefficients: Float64Array

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
    const out = new Float64Array(length)
    const cipher = seal.CipherText()
    const plain = seal.PlainText()
    const spare = seal.CipherText()
    try {
      for (let c = 0; c < count; c++) {
        const what = `Ciphertext ${c}`
        const details = { ciphertext: c }
        if (binary !== undefined) loadCheckedCiphertext(this.kit, binary.ciphertext(c, what, details), cipher, what, details)
        else loadCiphertext(this.kit, json?.ciphertexts[c], cipher, what, details)
        const start = c * this.kit.valuesPerCiphertext
        this.decryptOne(cipher, plain, spare, out, start, Math.min(this.kit.valuesPerCiphertext, length - start))
      }
    } finally {
      cipher.delete()
      plain.delete()
      spare.delete()
    }
    return out
  }

  /**
   * Decrypts one coefficient-form ciphertext into `out[start..start+count)`. SEAL decrypts in NTT
   * form and its decoder reads only real parts, so the plaintext goes back to coefficient form
   * through a ciphertext (the plaintext as its first polynomial, the original second one, which
   * keeps SEAL from refusing a ciphertext with an empty second part) and is decoded here.
   */
  private decryptOne(cipher: CipherText, plain: PlainText, spare: CipherText, out: Float64Array, start: number, count: number): void {
    const { seal, context, evaluator, embedding, residues, scale, polynomialOffset } = this.kit
    const { coefficients } = this
    const none = seal.ComprModeType.none
    evaluator.cipherTransformToNtt(cipher, cipher)
    ;(this.decryptor as Decryptor).decrypt(cipher, plain)
    const bytes = cipher.saveArray(none)
    const plainBytes = plain.saveArray(none)
    const polynomial = bytes.byteLength - polynomialOffset
    bytes.set(plainBytes.subarray(plainBytes.byteLength - polynomial / 2), polynomialOffset)
    spare.loadArray(context, bytes)
    evaluator.cipherTransformFromNtt(spare, spare)
    const message = spare.saveArray(none)
    residues.read(message, polynomialOffset, coefficients)
    embedding.decode(coefficients, scale, out, start, count)
  }

  close(): void {
    this.decryptor?.delete()
    this.decryptor = undefined
  }
}
