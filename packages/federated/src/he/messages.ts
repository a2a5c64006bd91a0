/**
 * What travels in a CKKS round, and how a model is packed into one encrypted vector: every
 * tensor in order, each value pre-weighted by the client's example count, then the count itself,
 * then a 1 per client. The sum of those vectors holds the weighted sum, the total examples and the
 * number of clients added, all under the owner's key; the last slot lets the owner tell a real
 * decryption from noise (it must equal the client count the aggregator reports in plaintext).
 */
import { W3aiError } from '@w3ai/protocol'
import { checkParams, type CkksParams, type CkksVector } from '@w3ai/crypto/ckks'

/** A client's encrypted update, or a sum of them (JSON-serializable: ciphertexts are base64url). */
export interface EncryptedUpdate {
  /** The public CKKS parameters, so whoever adds updates needs nothing else. */
  params: CkksParams
  /** Length of each tensor of the model, in order. */
  lengths: number[]
  /** How many client updates this is the sum of (1 for a client's own). */
  clients: number
  vector: CkksVector
}

/** The owner's view of a decrypted aggregate: what `Strategy.linear.fromMean` takes. */
export interface DecryptedMean {
  mean: Float32Array[]
  totalExamples: number
  clients: number
}

/** Slots after the tensors: the example count, then the client count. */
export const EXTRA_SLOTS = 2

export function packedLength(lengths: readonly number[]): number {
  return lengths.reduce((a, b) => a + b, 0) + EXTRA_SLOTS
}

function malformed(message: string, details?: unknown): W3aiError {
  return new W3aiError('FL_CKKS_MALFORMED', message, details)
}

/** Checks an update's plaintext fields as received from anyone (its ciphertexts are checked when added). */
export function checkUpdate(update: unknown, details?: unknown): EncryptedUpdate {
  if (typeof update !== 'object' || update === null) throw malformed('An encrypted update must be an object { params, lengths, clients, vector }.', details)
  const { params, lengths, clients, vector } = update as Record<string, unknown>
  checkParams(params)
  if (!Array.isArray(lengths) || lengths.length === 0 || !lengths.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw malformed('An encrypted update needs the list of its tensor lengths.', details)
  }
  if (!Number.isSafeInteger(clients) || (clients as number) < 1) throw malformed('An encrypted update needs a positive client count.', details)
  if (typeof vector !== 'object' || vector === null || (vector as { length?: unknown }).length !== packedLength(lengths)) {
    throw malformed(`The encrypted vector must hold the tensors and ${EXTRA_SLOTS} counts (${packedLength(lengths)} values).`, details)
  }
  return update as EncryptedUpdate
}
