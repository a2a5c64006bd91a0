/** Client side of a CKKS round: encrypt the trained parameters under the job owner's public key. */
import { sharedCkksContext, type CkksPublicKey } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { EXTRA_SLOTS, packedLength, type EncryptedUpdate } from './messages.js'

/**
 * Encrypts `parameters` pre-weighted by `numExamples`, with the count in its own slot. The client
 * needs only the public key, and cannot decrypt what it sends.
 */
export async function encryptUpdate(publicKey: CkksPublicKey, parameters: Parameters, numExamples: number): Promise<EncryptedUpdate> {
  if (!Number.isSafeInteger(numExamples) || numExamples < 1) {
    throw new W3aiError('FL_CKKS_OUT_OF_RANGE', `numExamples must be a positive integer (got ${numExamples}).`, { numExamples })
  }
  const lengths = parameters.map((p) => p.length)
  const packed = new Float64Array(packedLength(lengths))
  let offset = 0
  for (const tensor of parameters) {
    for (let i = 0; i < tensor.length; i++) packed[offset + i] = numExamples * (tensor[i] as number)
    offset += tensor.length
  }
  packed[offset] = numExamples
  packed[offset + EXTRA_SLOTS - 1] = 1
  const context = await sharedCkksContext(publicKey.params)
  const encryptor = context.encryptor(publicKey)
  try {
    return { params: context.params, lengths, clients: 1, vector: encryptor.encrypt(packed) }
  } finally {
    encryptor.close()
  }
}
