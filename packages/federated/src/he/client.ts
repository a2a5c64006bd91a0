/** Client side of a CKKS round: encrypt the trained parameters under the job owner's public key. */
import { sharedCkksContext, type CkksEncryptor, type CkksParams, type CkksPublicKey } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { updateHeaderBytes, writeUpdateHeader } from './envelope.js'
import { EXTRA_SLOTS, packedLength, type EncryptedUpdate } from './messages.js'

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

async function withEncryptor<T>(publicKey: CkksPublicKey, use: (encryptor: CkksEncryptor, params: CkksParams) => T): Promise<T> {
  const context = await sharedCkksContext(publicKey.params)
  const encryptor = context.encryptor(publicKey)
  try {
    return use(encryptor, context.params)
  } finally {
    encryptor.close()
  }
}

/**
 * Encrypts `parameters` pre-weighted by `numExamples`, with the count in its own slot. The client
 * needs only the public key, and cannot decrypt what it sends.
 */
export async function encryptUpdate(publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<EncryptedUpdate> {
  const packed = pack(parameters, numExamples)
  const lengths = parameters.map((p) => p.length)
  return withEncryptor(publicKey, (encryptor, params) => ({ params, lengths, clients: 1, vector: encryptor.encrypt(packed) }))
}

/**
 * The same update in its binary form (envelope.ts), for `EncryptedAggregation.addBytes`: 3/4 the
 * bytes of the JSON form and no text to encode or parse on either side.
 */
export async function encryptUpdateBytes(publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<Uint8Array> {
  const packed = pack(parameters, numExamples)
  const lengths = parameters.map((p) => p.length)
  return withEncryptor(publicKey, (encryptor, params) => {
    const header = updateHeaderBytes(params, lengths)
    const bytes = encryptor.encryptBytes(packed, header)
    writeUpdateHeader(bytes, params, lengths, 1)
    return bytes
  })
}
