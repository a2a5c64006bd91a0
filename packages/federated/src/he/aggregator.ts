/** Aggregator side of a CKKS round: adds encrypted updates. It takes no key and can read nothing. */
import { checkParams, sameParams, sharedCkksContext, type CkksAccumulator, type CkksParams } from '@w3ai/crypto/ckks'
import { W3aiError } from '@w3ai/protocol'
import { readUpdate, updateHeaderBytes, writeUpdateHeader } from './envelope.js'
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

  /**
   * Adds one update as received from anyone, in its JSON form (an EncryptedUpdate) or its binary
   * form (a Uint8Array from `encryptUpdateBytes` or `resultBytes`).
   */
  async add(update: unknown): Promise<void> {
    const index = this.seen++
    const details = { update: index }
    const u = update instanceof Uint8Array ? readUpdate(update, details) : checkUpdate(update, details)
    const first = (this.first ??= { params: checkParams(this.options.params ?? u.params), lengths: [...u.lengths] })
    if (!sameParams(u.params, first.params)) throw new W3aiError('FL_CKKS_PARAMS_MISMATCH', `Encrypted update ${index} uses other CKKS parameters than the job.`, details)
    if (u.lengths.join(',') !== first.lengths.join(',')) {
      throw new W3aiError('FL_CKKS_LENGTH_MISMATCH', `Encrypted update ${index} has another model shape than the first.`, { ...details, lengths: u.lengths, expected: first.lengths })
    }
    this.accumulator ??= sharedCkksContext(first.params).then((context) => context.accumulator({ keyId: this.options.keyId }))
    ;(await this.accumulator).add(u.vector, { label: `Encrypted update ${index}`, details })
    this.clients += u.clients
  }

  /** Adds one update in its binary form (the fast path: what `encryptUpdateBytes` returns). */
  async addBytes(update: Uint8Array): Promise<void> {
    await this.add(update)
  }

  /** The sum of every update added, as one encrypted update. */
  async result(): Promise<EncryptedUpdate> {
    const { params, lengths, accumulator } = await this.done()
    return { params, lengths, clients: this.clients, vector: accumulator.result() }
  }

  /** The same sum in the binary form, which `decryptMean` and `add` also take. */
  async resultBytes(): Promise<Uint8Array> {
    const { params, lengths, accumulator } = await this.done()
    const header = updateHeaderBytes(params, lengths)
    const bytes = accumulator.resultBytes(header)
    writeUpdateHeader(bytes, params, lengths, this.clients)
    return bytes
  }

  private async done(): Promise<{ params: CkksParams; lengths: number[]; accumulator: CkksAccumulator }> {
    if (this.first === undefined || this.accumulator === undefined) throw new W3aiError('FL_CKKS_MALFORMED', 'There are no encrypted updates to add.')
    return { ...this.first, accumulator: await this.accumulator }
  }

  /** Frees the running sum's WASM memory. */
  async close(): Promise<void> {
    ;(await this.accumulator?.catch(() => undefined))?.close()
    this.accumulator = undefined
  }
}

/** Sums encrypted updates (JSON or binary) into one (an EncryptedAggregation for updates already at hand). */
export async function addEncrypted(updates: readonly unknown[], options: AddOptions = {}): Promise<EncryptedUpdate> {
  const aggregation = new EncryptedAggregation(options)
  try {
    for (const update of updates) await aggregation.add(update)
    return await aggregation.result()
  } finally {
    await aggregation.close()
  }
}
