/** Job owner side of a CKKS round: the key pair, and decrypting the aggregate into the weighted mean. */
import { DEFAULT_CKKS_PARAMS, sameParams, sharedCkksContext, type CkksKeyPair, type CkksParams, type CkksSecretKey } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import { readUpdate } from './envelope.js'
import { checkUpdate, EXTRA_SLOTS, type DecryptedMean } from './messages.js'

/** Counts decrypt to integers plus CKKS noise (about 1e-4 for thousands of clients); noise from a wrong key is uniform over the whole range. */
const COUNT_TOLERANCE = 0.05

/** The owner's key pair for a training; publish `publicKey`, keep `secretKey`. */
export async function generateJobKeys(params: CkksParams = DEFAULT_CKKS_PARAMS): Promise<CkksKeyPair> {
  return (await sharedCkksContext(params)).generateKeys()
}

/**
 * Decrypts a sum of encrypted updates into the example-weighted mean of the clients' parameters.
 * The client-count slot must decrypt to the count the aggregate claims, and the example count to
 * a positive integer; otherwise (a wrong key, a sum past the capacity) FL_CKKS_DECRYPT_FAILED.
 * Takes the aggregate in its JSON or binary form (`EncryptedAggregation.result` or `resultBytes`).
 */
export async function decryptMean(secretKey: CkksSecretKey, aggregate: unknown): Promise<DecryptedMean> {
  const { params, lengths, clients, vector } = aggregate instanceof Uint8Array ? readUpdate(aggregate) : checkUpdate(aggregate)
  const context = await sharedCkksContext(secretKey.params)
  if (!sameParams(params, context.params)) {
    throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', 'The aggregate uses other CKKS parameters than this secret key.', { aggregate: params, key: context.params })
  }
  const decryptor = context.decryptor(secretKey)
  let values: Float64Array
  try {
    values = decryptor.decrypt(vector)
  } finally {
    decryptor.close()
  }
  const weightAt = values.length - EXTRA_SLOTS
  const weight = values[weightAt] as number
  const count = values[weightAt + 1] as number
  const totalExamples = Math.round(weight)
  if (!(Math.abs(count - clients) <= COUNT_TOLERANCE && Math.abs(weight - totalExamples) <= COUNT_TOLERANCE && totalExamples >= 1)) {
    throw new W3aiError('FL_CKKS_DECRYPT_FAILED', undefined, { clients, decryptedClients: count, decryptedExamples: weight })
  }
  const mean: Float32Array[] = []
  let offset = 0
  for (const length of lengths) {
    const tensor = new Float32Array(length)
    for (let i = 0; i < length; i++) tensor[i] = (values[offset + i] as number) / totalExamples
    mean.push(tensor)
    offset += length
  }
  return { mean, totalExamples, clients }
}
