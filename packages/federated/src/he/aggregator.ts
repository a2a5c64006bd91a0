/** Aggregator side of a CKKS round: adds encrypted updates. It takes no key and can read nothing. */
import { sameParams, sharedCkksContext } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import { checkUpdate, type EncryptedUpdate } from './messages.js'

export interface AddOptions {
  /** The job's key id: an update under any other key is FL_CKKS_WRONG_KEY. Default: the first update's. */
  keyId?: string
}

/**
 * Sums encrypted updates (client updates or earlier sums) into one. All must share parameters
 * (FL_CKKS_PARAMS_MISMATCH), key (FL_CKKS_WRONG_KEY) and model shape (FL_CKKS_LENGTH_MISMATCH).
 */
export async function addEncrypted(updates: readonly unknown[], options: AddOptions = {}): Promise<EncryptedUpdate> {
  if (updates.length === 0) throw new W3aiError('FL_CKKS_MALFORMED', 'There are no encrypted updates to add.')
  const checked = updates.map((u, i) => checkUpdate(u, { update: i }))
  const first = checked[0] as EncryptedUpdate
  const context = await sharedCkksContext(first.params)
  const shape = first.lengths.join(',')
  checked.forEach((u, i) => {
    if (!sameParams(u.params, context.params)) {
      throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `Encrypted update ${i} uses other CKKS parameters than update 0.`, { update: i })
    }
    if (u.lengths.join(',') !== shape) {
      throw new W3aiError('FL_CKKS_LENGTH_MISMATCH', `Encrypted update ${i} has another model shape than update 0.`, { update: i, lengths: u.lengths, expected: first.lengths })
    }
  })
  const vector = context.sum(
    checked.map((u) => u.vector),
    options,
  )
  return { params: context.params, lengths: first.lengths, clients: checked.reduce((n, u) => n + u.clients, 0), vector }
}
