/**
 * Client side: encrypts vectors under the job owner's public key. It holds no secret key, so a
 * client cannot decrypt anything, its own ciphertexts included.
 *
 * Ciphertexts go out whole, 16 bytes per value (one 60-bit prime: two polynomials of N 8-byte
 * coefficients for N values, two per complex slot, see embedding.ts). SEAL's seeded form halves
 * symmetric-key ciphertexts, whose second polynomial is uniform and can be regenerated from a
 * seed; a public-key ciphertext's second polynomial is u·pk + e, which no seed reproduces, so that
 * compression does not apply here (and zstd gains nothing on uniform residues).
 */
import { W3aiError } from '@w3ai/protocol'
import type { CipherText } from 'node-seal/implementation/cipher-text'
import type { Encryptor } from 'node-seal/implementation/encryptor'
import { toBase64Url } from '../encoding.js'
import { VECTOR_HEADER_BYTES, vectorBytes, writeVectorHeader } from './binary.js'
import { checkedPublicKey, ciphertextCount, type SealKit } from './kit.js'
import { NTT_FLAG_OFFSET, type CkksPublicKey, type CkksVector } from './wire.js'

/** A copy of ciphertext bytes marked as in coefficient form (a template for encoded chunks). */
function coefficientForm(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy[NTT_FLAG_OFFSET] = 0
  return copy
}

export class CkksEncryptor {
  /** Id of the public key every vector from here is encrypted under. */
  readonly keyId: string
  private readonly kit: SealKit
  private encryptor: Encryptor | undefined
  // Reused by every encryption: one encoded chunk, one ciphertext, and the serialized
  // coefficient-form ciphertext two encoded chunks go through on their way to NTT form.
  private readonly coefficients: Float64Array
  private readonly cipher: CipherText
  private message: Uint8Array | undefined
  // Zero encryptions made ahead by `prepare`, serialized; each is used once, then dropped.
  private readonly pool: Uint8Array[] = []

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
    this.coefficients = new Float64Array(kit.valuesPerCiphertext)
    this.cipher = kit.seal.CipherText()
  }

  /**
   * Encrypts `values` into ceil(length / N) ciphertexts (N values each). Every value must be
   * finite and at most `capacity` in magnitude (FL_CKKS_OUT_OF_RANGE); so must every sum of them.
   */
  encrypt(values: Float64Array | Float32Array | readonly number[]): CkksVector {
    this.check(values)
    const ciphertexts: string[] = []
    this.each(values, (bytes) => ciphertexts.push(toBase64Url(bytes)))
    return { keyId: this.keyId, length: values.length, ciphertexts }
  }

  /**
   * The same, in the binary form (see binary.ts): what `CkksAccumulator.add` and
   * `CkksDecryptor.decrypt` also take: three quarters the size of the JSON form, and read with no
   * text decoding. The vector starts `headroom` bytes into the result, which leaves room for a
   * caller's own header without copying the ciphertexts again.
   */
  encryptBytes(values: Float64Array | Float32Array | readonly number[], headroom = 0): Uint8Array {
    const { kit } = this
    this.check(values)
    const out = new Uint8Array(headroom + vectorBytes(kit, values.length))
    this.each(values, (bytes, c) => out.set(bytes, headroom + VECTOR_HEADER_BYTES + c * kit.ciphertextBytes))
    writeVectorHeader(kit, out.subarray(headroom), this.keyId, values.length)
    return out
  }

  /**
   * Encrypts zero for `ciphertexts` future ciphertexts now (about 1 ms each), so that encrypting
   * later costs only encoding and additions: a client calls it while it waits between rounds,
   * off the round's critical path. Encrypting then gives the very ciphertexts it would otherwise
   * (fresh randomness each, used once); the prepared zeros are as sensitive as the values they
   * will hide, since anyone who holds one can subtract it.
   */
  prepare(ciphertexts: number): void {
    for (let i = 0; i < ciphertexts; i++) this.pool.push(this.zero())
  }

  /** Ciphertexts `prepare` has made ready and no encryption has used yet. */
  get prepared(): number {
    return this.pool.length
  }

  /** Ciphertexts a vector of `length` values takes. */
  ciphertextsFor(length: number): number {
    return ciphertextCount(this.kit, length)
  }

  /** A fresh encryption of zero at the parameters' scale, in NTT form, serialized. */
  private zero(): Uint8Array {
    const encryptor = this.encryptor
    if (encryptor === undefined) throw new Error('this encryptor is closed')
    const { kit, cipher } = this
    encryptor.encryptZero(cipher)
    cipher.setScale(kit.scale)
    const bytes = cipher.saveArray(kit.seal.ComprModeType.none)
    if (bytes.byteLength !== kit.ciphertextBytes) throw new Error(`SEAL saved a ciphertext of ${bytes.byteLength} bytes, not ${kit.ciphertextBytes}`)
    return bytes
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

  /**
   * Encrypts checked `values` chunk by chunk, handing each ciphertext's bytes to `take`. SEAL
   * encrypts zero under the public key (all of the randomness; made ahead if `prepare` was
   * called). Chunks are encoded here and brought to NTT form by SEAL two at a time, as the two
   * parts of one ciphertext (SEAL transforms only whole ciphertexts, and refuses one whose second
   * part is empty); each is added to its zero's first part: what SEAL's encrypt would give.
   */
  private each(values: Float64Array | Float32Array | readonly number[], take: (bytes: Uint8Array, c: number) => void): void {
    const { kit, coefficients, cipher } = this
    const { seal, context, evaluator, embedding, residues, scale, valuesPerCiphertext, polynomialOffset, polynomialBytes } = kit
    const none = seal.ComprModeType.none
    const length = values.length
    const count = ciphertextCount(kit, length)
    for (let c = 0; c < count; c += 2) {
      const pair = Math.min(2, count - c)
      const zeros: Uint8Array[] = []
      for (let p = 0; p < pair; p++) zeros.push(this.pool.shift() ?? this.zero())
      const message = (this.message ??= coefficientForm(zeros[0] as Uint8Array))
      for (let p = 0; p < 2; p++) {
        const start = (c + p) * valuesPerCiphertext
        if (p < pair) {
          embedding.encode(values, start, Math.min(length, start + valuesPerCiphertext), scale, coefficients)
        } else {
          coefficients.fill(0)
          coefficients[0] = 1
        }
        residues.write(message, polynomialOffset + p * polynomialBytes, coefficients)
      }
      cipher.loadArray(context, message)
      evaluator.cipherTransformToNtt(cipher, cipher)
      const encoded = cipher.saveArray(none)
      zeros.forEach((bytes, p) => {
        residues.addResidues(bytes, polynomialOffset, encoded, polynomialOffset + p * polynomialBytes)
        take(bytes, c + p)
      })
    }
  }

  /** Frees the WASM objects; the encryptor cannot be used after. */
  close(): void {
    if (this.encryptor === undefined) return
    this.encryptor.delete()
    this.cipher.delete()
    this.encryptor = undefined
    // The prepared zeros would unmask future ciphertexts, the template holds the last values.
    for (const zero of this.pool) zero.fill(0)
    this.pool.length = 0
    this.message?.fill(0)
  }
}
