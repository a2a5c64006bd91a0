/** Owner side: decrypts vectors (in practice only the aggregate) with the secret key. */
import { W3aiError } from '@w3ai/protocol'
import type { Decryptor } from 'node-seal/implementation/decryptor'
import { checkedSecretKey, checkVector, loadCiphertext, type SealKit } from './kit.js'
import type { CkksSecretKey } from './wire.js'

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

  /** Decrypts a vector encrypted under this key; one under another key is FL_CKKS_WRONG_KEY. */
  decrypt(vector: unknown): Float64Array {
    const decryptor = this.decryptor
    if (decryptor === undefined) throw new Error('this decryptor is closed')
    const { seal, encoder, slots } = this.kit
    const { keyId, length, ciphertexts } = checkVector(this.kit, vector)
    if (keyId !== this.keyId) throw new W3aiError('FL_CKKS_WRONG_KEY', 'The vector is encrypted under another key than this secret key.', { keyId, expected: this.keyId })
    const out = new Float64Array(length)
    const cipher = seal.CipherText()
    const plain = seal.PlainText()
    try {
      ciphertexts.forEach((text, c) => {
        loadCiphertext(this.kit, text, cipher, `Ciphertext ${c}`, { ciphertext: c })
        decryptor.decrypt(cipher, plain)
        const values = encoder.decode(plain)
        const start = c * slots
        out.set(values.subarray(0, Math.min(slots, length - start)), start)
      })
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
