/** Client side of a CKKS round: encrypt the trained parameters under the job owner's public key. */
import { sharedCkksContext, type CkksEncryptor, type CkksParams, type CkksPublicKey } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { updateHeaderBytes, writeUpdateHeader } from './envelope.js'
import { EXTRA_SLOTS, packedLength, type EncryptedUpdate } from './messages.js'

/** Ciphertexts `prepare` makes between two turns of the event loop (about 1 ms each). */
const PREPARE_SLICE = 4

/** The parameters pre-weighted by `numExamples`, then the count, then a 1 (see messages.ts). */
function pack(parameters: Parameters, numExamples: number): Float64Array {
  if (!Number.isSafeInteger(numExamples) || numExamples < 1) {
    throw new W3aiError('FL_CKKS_OUT_OF_RANGE', `numExamples must be a positive integer (got ${numExamples}).`, { numExamples })
  }
  const packed = new Float64Array(packedLength(parameters.map((p) => p.length)))
  let offset = 0
  for (const tensor of parameters) {
    for (let i = 0; i < tensor.length; i++) packed[offset + i] = numExamples * (tensor[i] as number)
    offset += tensor.length
  }
  packed[offset] = numExamples
  packed[offset + EXTRA_SLOTS - 1] = 1
  return packed
}

/**
 * A client's encryptor for one training (one public key), kept from round to round. Encrypting an
 * update is mostly SEAL encrypting zeros (about 1 ms per 4096 values); `prepare` does that ahead,
 * in the wait between sending one update and training the next, so that the round itself only
 * encodes and adds. Without `prepare`, encrypting does all of it.
 */
export class UpdateEncryptor {
  private readonly params: CkksParams
  private encryptor: CkksEncryptor | undefined

  private constructor(params: CkksParams, encryptor: CkksEncryptor) {
    this.params = params
    this.encryptor = encryptor
  }

  /** An encryptor under the job owner's `publicKey` (checked: FL_CKKS_* codes); close it when the training ends. */
  static async create(publicKey: CkksPublicKey): Promise<UpdateEncryptor> {
    const context = await sharedCkksContext(publicKey.params)
    return new UpdateEncryptor(context.params, context.encryptor(publicKey))
  }

  private get open(): CkksEncryptor {
    if (this.encryptor === undefined) throw new Error('this update encryptor is closed')
    return this.encryptor
  }

  /** Id of the key updates from here are under. */
  get keyId(): string {
    return this.open.keyId
  }

  /**
   * Makes ready the encryption randomness for the next update of a model with `parameterCount`
   * values (a few ms of work at a time, yielding to the event loop in between); calling it again
   * before that update is encrypted adds nothing. The prepared randomness is as sensitive as the
   * update it will hide: it stays in this process and is used once.
   */
  async prepare(parameterCount: number): Promise<void> {
    const needed = this.open.ciphertextsFor(parameterCount + EXTRA_SLOTS)
    while (this.encryptor !== undefined && this.encryptor.prepared < needed) {
      this.encryptor.prepare(Math.min(PREPARE_SLICE, needed - this.encryptor.prepared))
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** True when the next update of `parameterCount` values needs no encryption of its own. */
  isPrepared(parameterCount: number): boolean {
    return this.open.prepared >= this.open.ciphertextsFor(parameterCount + EXTRA_SLOTS)
  }

  /**
   * Encrypts `parameters` pre-weighted by `numExamples`, with the count in its own slot. The client
   * needs only the public key, and cannot decrypt what it sends.
   */
  encrypt(parameters: Parameters, numExamples: number): EncryptedUpdate {
    const packed = pack(parameters, numExamples)
    return { params: this.params, lengths: parameters.map((p) => p.length), clients: 1, vector: this.open.encrypt(packed) }
  }

  /**
   * The same update in its binary form (envelope.ts), for `EncryptedAggregation.addBytes`: 3/4 the
   * bytes of the JSON form and no text to encode or parse on either side.
   */
  encryptBytes(parameters: Parameters, numExamples: number): Uint8Array {
    const packed = pack(parameters, numExamples)
    const lengths = parameters.map((p) => p.length)
    const header = updateHeaderBytes(this.params, lengths)
    const bytes = this.open.encryptBytes(packed, header)
    writeUpdateHeader(bytes, this.params, lengths, 1)
    return bytes
  }

  /** Frees the WASM objects and wipes any prepared randomness; idempotent. */
  close(): void {
    this.encryptor?.close()
    this.encryptor = undefined
  }
}

async function once<T>(publicKey: CkksPublicKey, use: (encryptor: UpdateEncryptor) => T): Promise<T> {
  const encryptor = await UpdateEncryptor.create(publicKey)
  try {
    return use(encryptor)
  } finally {
    encryptor.close()
  }
}

/** One update encrypted with a throwaway UpdateEncryptor (nothing prepared): see `UpdateEncryptor.encrypt`. */
export async function encryptUpdate(publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<EncryptedUpdate> {
  return once(publicKey, (encryptor) => encryptor.encrypt(parameters, numExamples))
}

/** The same in the binary form: see `UpdateEncryptor.encryptBytes`. */
export async function encryptUpdateBytes(publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<Uint8Array> {
  return once(publicKey, (encryptor) => encryptor.encryptBytes(parameters, numExamples))
}
