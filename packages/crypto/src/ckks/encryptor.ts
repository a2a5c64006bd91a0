/**
 * Client side: encrypts vectors under the job owner's public key. It holds no secret key, so a
 * client cannot decrypt anything, its own ciphertexts included.
 *
 * Ciphertexts go out whole, 32 bytes per value (one 60-bit prime: two polynomials of N 8-byte
 * coefficients for N/2 values). SEAL's seeded form halves symmetric-key ciphertexts, whose second
 * polynomial is uniform and can be regenerated from a seed; a public-key ciphertext's second
 * polynomial is u·pk + e, which no seed reproduces, so that compression does not apply here (and
 * zstd gains nothing on uniform residues).
 */
import { W3aiError } from '@w3ai/protocol'
import type { Encryptor } from 'node-seal/implementation/encryptor'
import { toBase64Url } from '../encoding.js'
import { checkedPublicKey, ciphertextCount, type SealKit } from './kit.js'
import type { CkksPublicKey, CkksVector } from './wire.js'

export class CkksEncryptor {
  /** Id of the public key every vector from here is encrypted under. */
  readonly keyId: string
  private readonly kit: SealKit
  private encryptor: Encryptor | undefined

  /** Use `CkksContext.encryptor`. */
  constructor(kit: SealKit, publicKey: CkksPublicKey) {
    const { keyId, bytes } = checkedPublicKey(kit, publicKey)
    const key = kit.seal.PublicKey()
    try {
      key.loadArray(kit.context, bytes)
      // SEAL's Encryptor keeps its own copy of the key.
      this.encryptor = kit.seal.Encryptor(kit.context, key)
    } catch (e) {
      throw new W3aiError('FL_CKKS_MALFORMED', `The public key is not a valid SEAL public key (${(e as Error).message}).`)
    } finally {
      key.delete()
    }
    this.kit = kit
    this.keyId = keyId
  }

  /**
   * Encrypts `values` into ceil(length / slots) ciphertexts. Every value must be finite and at
   * most `capacity` in magnitude (FL_CKKS_OUT_OF_RANGE); so must every sum of them later.
   */
  encrypt(values: Float64Array | Float32Array | readonly number[]): CkksVector {
    const encryptor = this.encryptor
    if (encryptor === undefined) throw new Error('this encryptor is closed')
    const { seal, encoder, slots, scale, capacity } = this.kit
    const length = values.length
    if (length === 0) throw new W3aiError('FL_CKKS_OUT_OF_RANGE', 'There is nothing to encrypt (an empty vector).')
    for (let i = 0; i < length; i++) {
      const v = values[i] as number
      if (!(Math.abs(v) <= capacity)) {
        throw new W3aiError('FL_CKKS_OUT_OF_RANGE', `Value ${i} (${v}) is not a finite number of magnitude at most ${capacity}.`, { index: i, value: v, capacity })
      }
    }
    const chunk = new Float64Array(slots)
    const plain = seal.PlainText()
    const cipher = seal.CipherText()
    const ciphertexts: string[] = []
    try {
      for (let c = 0; c < ciphertextCount(this.kit, length); c++) {
        const start = c * slots
        const end = Math.min(length, start + slots)
        for (let i = start; i < end; i++) chunk[i - start] = values[i] as number
        chunk.fill(0, end - start)
        encoder.encode(chunk, scale, plain)
        encryptor.encrypt(plain, cipher)
        ciphertexts.push(toBase64Url(cipher.saveArray(seal.ComprModeType.none)))
      }
    } finally {
      plain.delete()
      cipher.delete()
    }
    return { keyId: this.keyId, length, ciphertexts }
  }

  /** Frees the WASM objects; the encryptor cannot be used after. */
  close(): void {
    this.encryptor?.delete()
    this.encryptor = undefined
  }
}
