/**
 * One round of a central training in plaintext, as Flower's server runs it: the strategy samples
 * clients among those online, each trains from the global parameters on its own data, the
 * strategy aggregates the replies that came back in time (the rest are dropouts), and the new
 * parameters are evaluated on the held-out dataset's nodes. Also: the initial parameters, built by
 * one client from the seeded model spec (the hub never runs TF.js).
 */
import { checkReply, EPSILON_METRIC, type EvaluateReply, type Metrics, type Parameters, type Strategy, type TrainReply } from '@w3ai/federated'
import { W3aiError, type FlRound } from '@w3ai/protocol'
import { seededRandom } from '@w3ai/util'
import type { FlClient, ResolvedConfig } from './config.js'
import type { WorkExchange } from './exchange.js'
import type { NewWork, WorkResult, WorkStore } from './work-store.js'

/** What a round needs of its training and the hub. */
export interface RoundContext {
  trainingId: string
  clients: readonly FlClient[]
  evaluators: readonly FlClient[]
  config: ResolvedConfig
  strategy: Strategy
  exchange: WorkExchange
  work: WorkStore
  /** The ids among these nodes that are online now. */
  online: (nodeIds: readonly string[]) => Promise<Set<string>>
  signal: AbortSignal
}

/** A finished round: its record, and the new global parameters (undefined: unchanged). */
export interface RoundOutcome {
  record: FlRound
  parameters: Parameters | undefined
}

/** Codes a client reports when the spec or data cannot work anywhere: retrying on another client is pointless. */
const PERMANENT = new Set(['COMPUTE_BAD_SPEC', 'COMPUTE_SHAPE_MISMATCH', 'COMPUTE_BAD_DATASET', 'COMPUTE_EXPORT_UNSUPPORTED'])
const WAIT_FOR_CLIENTS_MS = 1000

/** The clients whose nodes are online now. */
export async function availableClients(ctx: RoundContext, clients: readonly FlClient[]): Promise<FlClient[]> {
  const online = await ctx.online([...new Set(clients.map((c) => c.nodeId))])
  return clients.filter((c) => online.has(c.nodeId))
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

/** The random source of a round: the same seed and round give the same sample. */
export const roundRandom = (seed: number, round: number): (() => number) => seededRandom((seed * 1_000_003 + round * 7919) >>> 0)

export const errorOf = (err: unknown): { code: string; message: string } =>
  err instanceof W3aiError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String((err as Error)?.message ?? err).slice(0, 2000) }

/** Round metrics as stored: finite numbers only, under their phase (train_…, eval_…). */
function prefixed(prefix: string, metrics: Metrics): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [k, v] of Object.entries(metrics)) if (Number.isFinite(v)) out[`${prefix}${k}`.slice(0, 64)] = v
  return out
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null)

/** Builds a round record; accuracy and loss come from evaluation when there was one, else from training. */
export function roundRecord(round: number, startedAt: Date, fields: { participants: number; dropouts: number; train?: Metrics; evaluation?: Metrics; error?: { code: string; message: string } }): FlRound {
  const train = fields.train ?? {}
  const evaluation = fields.evaluation ?? {}
  const accuracy = finite(evaluation.accuracy) ?? finite(train.accuracy)
  const loss = finite(evaluation.loss) ?? finite(train.loss)
  return {
    round,
    status: fields.error === undefined ? 'completed' : 'failed',
    participants: fields.participants,
    dropouts: fields.dropouts,
    accuracy,
    loss,
    // Under dp the strategy reports the privacy spent so far with every aggregate.
    ...(finite(train[EPSILON_METRIC]) === null ? {} : { epsilon: train[EPSILON_METRIC] as number }),
    metrics: { ...prefixed('train_', train), ...prefixed('eval_', evaluation) },
    ...(fields.error === undefined ? {} : { error: fields.error }),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  }
}

/**
 * Asks the strategy for this round's clients among those online, waiting (up to the round
 * timeout) for enough of them; FL_NOT_ENOUGH_CLIENTS when they never come.
 */
export async function sampleTrainClients(ctx: RoundContext, round: number, parameters: Parameters, deadline: number): Promise<ReturnType<Strategy['configureTrain']>> {
  for (;;) {
    const pool = await availableClients(ctx, ctx.clients)
    try {
      return ctx.strategy.configureTrain(round, parameters, { ids: pool.map((c) => c.id) }, roundRandom(ctx.config.seed, round))
    } catch (err) {
      if (!(err instanceof W3aiError) || err.code !== 'FL_NOT_ENOUGH_CLIENTS' || Date.now() + WAIT_FOR_CLIENTS_MS > deadline || ctx.signal.aborted) throw err
    }
    await sleep(WAIT_FOR_CLIENTS_MS, ctx.signal)
  }
}

/**
 * sampleTrainClients for a round that records its own failure: the instructions, or the error
 * the round is recorded with. Only a spent privacy budget is thrown, as it ends the training.
 */
export async function sampleOrFail(ctx: RoundContext, round: number, parameters: Parameters, deadline: number): Promise<{ instructions: ReturnType<Strategy['configureTrain']> } | { error: { code: string; message: string } }> {
  try {
    return { instructions: await sampleTrainClients(ctx, round, parameters, deadline) }
  } catch (err) {
    if (err instanceof W3aiError && err.code === 'FL_PRIVACY_BUDGET_SPENT') throw err
    return { error: errorOf(err) }
  }
}

export function workFor(ctx: RoundContext, client: FlClient, round: number, kind: NewWork['kind'], deadline: Date, config: NewWork['config'], paramsDigest?: string): NewWork {
  return { trainingId: ctx.trainingId, round, kind, clientId: client.id, nodeId: client.nodeId, dataset: client.dataset, config, deadline, ...(paramsDigest === undefined ? {} : { paramsDigest }) }
}

/** Replies that came back usable; the others (failed, late, malformed) are dropouts. */
export function usableTrainReplies(current: Parameters, results: readonly WorkResult[]): TrainReply[] {
  const replies: TrainReply[] = []
  for (const r of results) {
    if (r.status !== 'done' || r.parameters === undefined || r.reply === null) continue
    const reply: TrainReply = { clientId: r.clientId, parameters: r.parameters, numExamples: r.reply.numExamples ?? 0, metrics: { ...(r.reply.metrics ?? {}), ...(r.reply.loss === undefined ? {} : { loss: r.reply.loss }) } }
    try {
      checkReply(current, reply)
      replies.push(reply)
    } catch {
      // A malformed update is left out of the round, like a client that did not answer.
    }
  }
  return replies
}

/** One central round in plaintext. Never throws for client trouble: the round is recorded as failed. */
export async function centralRound(ctx: RoundContext, round: number, current: Parameters): Promise<RoundOutcome> {
  const startedAt = new Date()
  const deadline = startedAt.getTime() + ctx.config.roundTimeoutMs
  const sampled = await sampleOrFail(ctx, round, current, deadline)
  if ('error' in sampled) return { record: roundRecord(round, startedAt, { participants: 0, dropouts: 0, error: sampled.error }), parameters: undefined }
  const { instructions } = sampled
  const byId = new Map(ctx.clients.map((c) => [c.id, c]))
  const digests = new Map<Parameters, string>()
  const items: NewWork[] = []
  for (const ins of instructions) {
    const client = byId.get(ins.clientId)
    if (client === undefined) continue
    let digest = digests.get(ins.parameters)
    if (digest === undefined) {
      digest = await ctx.work.putParameters(ctx.trainingId, ins.parameters)
      digests.set(ins.parameters, digest)
    }
    items.push(workFor(ctx, client, round, 'train', new Date(deadline), ins.config, digest))
  }
  const results = await ctx.exchange.send(items, true, ctx.signal)
  const replies = usableTrainReplies(current, results)
  const dropouts = items.length - replies.length
  if (replies.length === 0) {
    return { record: roundRecord(round, startedAt, { participants: 0, dropouts, error: { code: 'FL_NOT_ENOUGH_CLIENTS', message: `None of the ${items.length} clients asked sent a usable update in time.` } }), parameters: undefined }
  }
  const aggregate = ctx.strategy.aggregateTrain(round, current, replies, dropouts)
  if (aggregate.parameters === undefined) {
    return { record: roundRecord(round, startedAt, { participants: replies.length, dropouts, train: aggregate.metrics, error: { code: 'FL_NOT_ENOUGH_CLIENTS', message: `The strategy kept the old parameters: ${replies.length} usable updates, ${dropouts} dropouts.` } }), parameters: undefined }
  }
  const evaluation = await evaluate(ctx, round, aggregate.parameters)
  return { record: roundRecord(round, startedAt, { participants: replies.length, dropouts, train: aggregate.metrics, ...(evaluation === undefined ? {} : { evaluation }) }), parameters: aggregate.parameters }
}

/** Evaluates parameters on the held-out dataset's online nodes; undefined without an evaluation dataset or answers. */
export async function evaluate(ctx: RoundContext, round: number, parameters: Parameters): Promise<Metrics | undefined> {
  if (ctx.evaluators.length === 0) return undefined
  const evaluators = await availableClients(ctx, ctx.evaluators)
  if (evaluators.length === 0) return undefined
  const digest = await ctx.work.putParameters(ctx.trainingId, parameters)
  const deadline = new Date(Date.now() + ctx.config.roundTimeoutMs)
  const results = await ctx.exchange.send(evaluators.map((c) => workFor(ctx, c, round, 'evaluate', deadline, { round }, digest)), false, ctx.signal)
  const replies: EvaluateReply[] = results
    .filter((r) => r.status === 'done' && r.reply !== null && typeof r.reply.loss === 'number')
    .map((r) => ({ clientId: r.clientId, loss: r.reply?.loss as number, numExamples: r.reply?.numExamples ?? 0, metrics: r.reply?.metrics ?? {} }))
  if (replies.length === 0) return undefined
  return ctx.strategy.aggregateEvaluate(round, replies, results.length - replies.length)
}

/**
 * The initial parameters: one online client builds the model from the seeded spec and sends its
 * weights. Tries the clients in turn; a spec or data error every client would hit fails at once.
 */
export async function initialParameters(ctx: RoundContext): Promise<Parameters> {
  const giveUpAt = Date.now() + 3 * ctx.config.roundTimeoutMs
  const tried = new Set<string>()
  let last: { code: string; message: string } | undefined
  while (!ctx.signal.aborted && Date.now() < giveUpAt) {
    const next = (await availableClients(ctx, ctx.clients)).find((c) => !tried.has(c.id))
    if (next === undefined) {
      if (tried.size > 0 && tried.size >= ctx.clients.length) tried.clear()
      await sleep(WAIT_FOR_CLIENTS_MS, ctx.signal)
      continue
    }
    tried.add(next.id)
    const deadline = new Date(Math.min(giveUpAt, Date.now() + ctx.config.roundTimeoutMs))
    const [result] = await ctx.exchange.send([workFor(ctx, next, 0, 'init', deadline, { round: 0 })], true, ctx.signal)
    if (result?.status === 'done' && result.parameters !== undefined && result.parameters.length > 0) return result.parameters
    const error = result?.reply?.error
    if (error !== undefined && PERMANENT.has(error.code)) throw new W3aiError(error.code as W3aiError['code'], error.message)
    last = error ?? { code: 'FL_NOT_ENOUGH_CLIENTS', message: `Client ${next.id} did not answer in time.` }
  }
  if (ctx.signal.aborted) throw new W3aiError('FL_INVALID_STATE', 'The training was stopped before it started.')
  throw new W3aiError('FL_NOT_ENOUGH_CLIENTS', `No client could build the initial model${last === undefined ? '' : ` (last: ${last.code}: ${last.message})`}.`)
}
