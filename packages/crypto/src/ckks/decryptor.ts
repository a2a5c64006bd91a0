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
  }

  /**
   * Decrypts a vector encrypted under this key, in its JSON or binary form; one under another key
   * is FL_CKKS_WRONG_KEY.
   */
  decrypt(vector: unknown): Float64Array {
    const decryptor = this.decryptor
    if (decryptor === undefined) throw new Error('this decryptor is closed')
    const { seal, encoder, slots } = this.kit
    const binary = vector instanceof Uint8Array ? readVector(this.kit, vector) : undefined
    const json = binary === undefined ? checkVector(this.kit, vector) : undefined
    const { keyId, length } = binary ?? (json as CkksVector)
    if (keyId !== this.keyId) throw new W3aiError('FL_CKKS_WRONG_KEY', 'The vector is encrypted under another key than this secret key.', { keyId, expected: this.keyId })
    const count = binary?.count ?? (json as CkksVector).ciphertexts.length
    const out = new Float64Array(length)
    const cipher = seal.CipherText()
    const plain = seal.PlainText()
    try {
      for (let c = 0; c < count; c++) {
        const what = `Ciphertext ${c}`
        const details = { ciphertext: c }
        if (binary !== undefined) loadCheckedCiphertext(this.kit, binary.ciphertext(c, what, details), cipher, what, details)
        else loadCiphertext(this.kit, json?.ciphertexts[c], cipher, what, details)
        decryptor.decrypt(cipher, plain)
        const values = encoder.decode(plain)
        const start = c * slots
        out.set(values.subarray(0, Math.min(slots, length - start)), start)
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
  }
}
