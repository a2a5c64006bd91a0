/** Aggregator side of a CKKS round: adds encrypted updates. It takes no key and can read nothing. */
import { checkParams, sameParams, sharedCkksContext, type CkksAccumulator, type CkksParams } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import { checkUpdate, type EncryptedUpdate } from './messages.js'

export interface AddOptions {
  /** The job's key id: an update under any other key is FL_CKKS_WRONG_KEY. Default: the first update's. */
  keyId?: string
  /**
   * The job's parameters: an update naming others is FL_CKKS_PARAMS_MISMATCH before any SEAL
   * context is built for them (a server should pass them, so that clients cannot make it build
   * contexts at will). Default: the first update's.
   */
  params?: CkksParams
}

/**
 * A round's running sum: add updates (client updates or earlier sums) as they arrive, read the
 * sum once. All must share parameters (FL_CKKS_PARAMS_MISMATCH), key (FL_CKKS_WRONG_KEY) and model
 * shape (FL_CKKS_LENGTH_MISMATCH); a refused update leaves the sum as it was.
 */
export class EncryptedAggregation {
  private readonly options: AddOptions
  private first: Pick<EncryptedUpdate, 'params' | 'lengths'> | undefined
  private accumulator: Promise<CkksAccumulator> | undefined
  private clients = 0
  private seen = 0

  constructor(options: AddOptions = {}) {
    this.options = options
  }

  /** Client updates summed so far. */
  get count(): number {
    return this.clients
  }

  async add(update: unknown): Promise<void> {
    const index = this.seen++
    const details = { update: index }
    const u = checkUpdate(update, details)
    const first = (this.first ??= { params: checkParams(this.options.params ?? u.params), lengths: [...u.lengths] })
    if (!sameParams(u.params, first.params)) throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `Encrypted update ${index} uses other CKKS parameters than the job.`, details)
    if (u.lengths.join(',') !== first.lengths.join(',')) {
      throw new W3aiError('FL_CKKS_LENGTH_MISMATCH', `Encrypted update ${index} has another model shape than the first.`, { ...details, lengths: u.lengths, expected: first.lengths })
    }
    this.accumulator ??= sharedCkksContext(first.params).then((context) => context.accumulator({ keyId: this.options.keyId }))
    ;(await this.accumulator).add(u.vector, { label: `Encrypted update ${index}`, details })
    this.clients += u.clients
  }

  /** The sum of every update added, as one encrypted update. */
  async result(): Promise<EncryptedUpdate> {
    if (this.first === undefined || this.accumulator === undefined) throw new W3aiError('FL_CKKS_MALFORMED', 'There are no encrypted updates to add.')
    const params: CkksParams = this.first.params
    return { params, lengths: this.first.lengths, clients: this.clients, vector: (await this.accumulator).result() }
  }

  /** Frees the running sum's WASM memory. */
  async close(): Promise<void> {
    ;(await this.accumulator?.catch(() => undefined))?.close()
    this.accumulator = undefined
  }
}

/** Sums encrypted updates into one (an EncryptedAggregation for updates already at hand). */
export async function addEncrypted(updates: readonly unknown[], options: AddOptions = {}): Promise<EncryptedUpdate> {
  const aggregation = new EncryptedAggregation(options)
  try {
    for (const update of updates) await aggregation.add(update)
    return await aggregation.result()
  } finally {
    await aggregation.close()
  }
}
