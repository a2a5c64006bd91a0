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
import type { CipherText } from 'node-seal/implementation/cipher-text'
import type { Encryptor } from 'node-seal/implementation/encryptor'
import type { PlainText } from 'node-seal/implementation/plain-text'
import { toBase64Url } from '../encoding.js'
import { VECTOR_HEADER_BYTES, vectorBytes, writeVectorHeader } from './binary.js'
import { checkedPublicKey, ciphertextCount, type SealKit } from './kit.js'
import type { CkksPublicKey, CkksVector } from './wire.js'

export class CkksEncryptor {
  /** Id of the public key every vector from here is encrypted under. */
  readonly keyId: string
  private readonly kit: SealKit
  private encryptor: Encryptor | undefined
  // Reused by every encryption: one slot chunk, its encoding, its encryption.
  private readonly chunk: Float64Array
  private readonly plain: PlainText
  private readonly cipher: CipherText

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
    this.chunk = new Float64Array(kit.slots)
    this.plain = kit.seal.PlainText()
    this.cipher = kit.seal.CipherText()
  }

  /**
   * Encrypts `values` into ceil(length / slots) ciphertexts. Every value must be finite and at
   * most `capacity` in magnitude (FL_CKKS_OUT_OF_RANGE); so must every sum of them later.
   */
  encrypt(values: Float64Array | Float32Array | readonly number[]): CkksVector {
    const none = this.kit.seal.ComprModeType.none
    this.check(values)
    const ciphertexts: string[] = []
    this.each(values, (cipher) => ciphertexts.push(toBase64Url(cipher.saveArray(none))))
    return { keyId: this.keyId, length: values.length, ciphertexts }
  }

  /**
   * The same, in the binary form (see binary.ts): what `CkksAccumulator.add` and
   * `CkksDecryptor.decrypt` also take: three quarters the size of the JSON form, and read with no
   * text decoding. The vector starts `headroom` bytes into the result, which leaves room for a caller's
   * own header without copying the ciphertexts again.
   */
  encryptBytes(values: Float64Array | Float32Array | readonly number[], headroom = 0): Uint8Array {
    const { kit } = this
    const none = kit.seal.ComprModeType.none
    this.check(values)
    const out = new Uint8Array(headroom + vectorBytes(kit, values.length))
    this.each(values, (cipher, c) => {
      const bytes = cipher.saveArray(none)
      if (bytes.byteLength !== kit.ciphertextBytes) throw new Error(`SEAL saved a ciphertext of ${bytes.byteLength} bytes, not ${kit.ciphertextBytes}`)
      out.set(bytes, headroom + VECTOR_HEADER_BYTES + c * kit.ciphertextBytes)
    })
    writeVectorHeader(kit, out.subarray(headroom), this.keyId, values.length)
    return out
  }

  private check(values: Float64Array | Float32Array | readonly number[]): void {
    if (this.encryptor === undefined) throw new Error('this encryptor is closed')
    const { capacity } = this.kit
    const length = values.length
    if (length === 0) throw new W3aiError('FL_CKKS_OUT_OF_RANGE', 'There is nothing to encrypt (an empty vector).')
    for (let i = 0; i < length; i++) {
      const v = values[i] as number
      if (!(Math.abs(v) <= capacity)) {
        throw new W3aiError('FL_CKKS_OUT_OF_RANGE', `Value ${i} (${v}) is not a finite number of magnitude at most ${capacity}.`, { index: i, value: v, capacity })
      }
    }
  }

  /** Encrypts checked `values` chunk by chunk, handing each ciphertext to `take`. */
  private each(values: Float64Array | Float32Array | readonly number[], take: (cipher: CipherText, c: number) => void): void {
    const encryptor = this.encryptor as Encryptor
    const { encoder, slots, scale } = this.kit
    const { chunk, plain, cipher } = this
    const length = values.length
    for (let c = 0; c < ciphertextCount(this.kit, length); c++) {
      const start = c * slots
      const end = Math.min(length, start + slots)
      if (values instanceof Float64Array || values instanceof Float32Array) chunk.set(values.subarray(start, end))
      else for (let i = start; i < end; i++) chunk[i - start] = values[i] as number
      chunk.fill(0, end - start)
      encoder.encode(chunk, scale, plain)
      encryptor.encrypt(plain, cipher)
      take(cipher, c)
    }
  }

  /** Frees the WASM objects; the encryptor cannot be used after. */
  close(): void {
    if (this.encryptor === undefined) return
    this.encryptor.delete()
    this.plain.delete()
    this.cipher.delete()
    this.encryptor = undefined
  }
}
