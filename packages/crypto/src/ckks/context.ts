/**
 * A CKKS parameter set ready to use: key generation (job owner), encryptors (clients), decryptors
 * (owner) and the sum of encrypted vectors (aggregator: public parameters and ciphertexts only).
 */
import { toBase64Url } from '../encoding.js'
import { CkksAccumulator, type SumOptions } from './accumulator.js'
import { CkksDecryptor } from './decryptor.js'
import { CkksEncryptor } from './encryptor.js'
import { closeKit, openKit, type SealKit } from './kit.js'
import { checkParams, DEFAULT_CKKS_PARAMS, paramsFingerprint, type CkksParams } from './params.js'
import { keyIdOf, type CkksKeyPair, type CkksPublicKey, type CkksSecretKey, type CkksVector } from './wire.js'

export class CkksContext {
  private kit: SealKit | undefined

  private constructor(kit: SealKit) {
    this.kit = kit
  }

  /** Loads SEAL (once per process) and builds a context; FL_CKKS_BAD_PARAMS for bad parameters. */
  static async create(params: CkksParams = DEFAULT_CKKS_PARAMS): Promise<CkksContext> {
    return new CkksContext(await openKit(params))
  }

  private get open(): SealKit {
    if (this.kit === undefined) throw new Error('this CKKS context is closed')
    return this.kit
  }

  get params(): CkksParams {
    return this.open.params
  }

  /** Complex slots per ciphertext; each carries two values. */
  get slots(): number {
    return this.open.slots
  }

  /** Values per ciphertext (twice the slots). */
  get valuesPerCiphertext(): number {
    return this.open.valuesPerCiphertext
  }

  /** Largest magnitude any value may reach, summed over every vector added into it. */
  get capacity(): number {
    return this.open.capacity
  }

  /** A fresh key pair for the job owner (SEAL draws the randomness from the platform's CSPRNG). */
  generateKeys(): CkksKeyPair {
    const { seal, context, params } = this.open
    const generator = seal.KeyGenerator(context)
    const publicKey = generator.createPublicKey()
    const secretKey = generator.secretKey()
    try {
      const pk = publicKey.saveArray(seal.ComprModeType.none)
      const keyId = keyIdOf(params, pk)
      return {
        publicKey: { kind: 'ckks-public-key', params, keyId, key: toBase64Url(pk) },
        secretKey: { kind: 'ckks-secret-key', params, keyId, key: toBase64Url(secretKey.saveArray(seal.ComprModeType.none)) },
      }
    } finally {
      publicKey.delete()
      secretKey.delete()
      generator.delete()
    }
  }

  /** An encryptor under `publicKey`; close it when done. */
  encryptor(publicKey: CkksPublicKey): CkksEncryptor {
    return new CkksEncryptor(this.open, publicKey)
  }

  /** A decryptor with `secretKey`; close it when done. */
  decryptor(secretKey: CkksSecretKey): CkksDecryptor {
    return new CkksDecryptor(this.open, secretKey)
  }

  /** A running sum for vectors that arrive one by one; close it when done. */
  accumulator(options: SumOptions = {}): CkksAccumulator {
    return new CkksAccumulator(this.open, options)
  }

  /**
   * Adds encrypted vectors slot by slot. Needs no key: all vectors must carry the same key id
   * (FL_CKKS_WRONG_KEY) and length (FL_CKKS_LENGTH_MISMATCH); a malformed one is FL_CKKS_MALFORMED
   * with details naming it.
   */
  sum(vectors: readonly unknown[], options: SumOptions = {}): CkksVector {
    const accumulator = this.accumulator(options)
    try {
      vectors.forEach((v, i) => accumulator.add(v, { label: `Vector ${i}`, details: { vector: i } }))
      return accumulator.result()
    } finally {
      accumulator.close()
    }
  }

  /** Frees the WASM objects; idempotent. */
  close(): void {
    if (this.kit !== undefined) closeKit(this.kit)
    this.kit = undefined
  }
}

const shared = new Map<string, Promise<CkksContext>>()

/**
 * One context per parameter set, shared by the process (building one takes tens of ms); never
 * close it. For code that handles keys and vectors one at a time (the federated protocol).
 */
export async function sharedCkksContext(params: CkksParams = DEFAULT_CKKS_PARAMS): Promise<CkksContext> {
  const clean = checkParams(params)
  const key = paramsFingerprint(clean)
  let context = shared.get(key)
  if (context === undefined) {
    context = CkksContext.create(clean)
    shared.set(key, context)
    context.catch(() => shared.delete(key))
  }
  return context
}
