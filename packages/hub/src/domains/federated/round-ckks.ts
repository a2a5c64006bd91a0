/**
 * One central round under CKKS: clients encrypt their trained parameters (pre-weighted by their
 * example counts) under the owner's public key; the hub adds the ciphertexts with no key and
 * leaves the sum for the owner. The owner's client decrypts the weighted mean, applies the
 * strategy, seals the next global parameters with a model key only the training's nodes hold
 * (wrapped to each node's x25519 key) and posts them; the hub relays them, unread, to the next
 * round's clients and to the evaluation nodes. Only the first round starts from plaintext
 * parameters: the seeded initial model, which anyone can rebuild from the config.
 */
import { weightedMetrics, type Parameters } from '@w3ai/federated'
import { EncryptedAggregation, type EncryptedUpdate } from '@w3ai/federated/he'
import type { FlConfig, FlSealedParameters } from '@w3ai/protocol'
import type { FlClient } from './config.js'
import type { OwnerRoundStore } from './owner-store.js'
import { roundRecord, sampleOrFail, sleep, workFor, type RoundContext, type RoundOutcome } from './round.js'
import type { TrainingStore } from './store.js'
import type { NewWork } from './work-store.js'

/** The current global parameters under ckks: sealed by the owner after round `round`'s aggregate. */
export interface CkksState {
  sealed?: FlSealedParameters
  round?: number
}

export interface CkksComponents {
  owner: OwnerRoundStore
  trainings: TrainingStore
  /** The round's aggregate waits for the owner (an fl.updated event tells its client). */
  awaiting: (round: number) => void
  /** How long a round waits for the owner's global parameters before it fails. */
  ownerTimeoutMs: number
}

const OWNER_POLL_MS = 250

/** What a node needs to open the sealed global parameters: them, their round, and the model key wrapped to it. */
function sealedFor(state: CkksState, keys: Record<string, unknown>, client: FlClient): Record<string, unknown> | undefined {
  if (state.sealed === undefined) return {}
  const modelKey = keys[client.nodeId]
  return modelKey === undefined ? undefined : { sealed: state.sealed, sealedRound: state.round, modelKey }
}

export async function ckksRound(ctx: RoundContext, c: CkksComponents, round: number, initial: Parameters, state: CkksState, publicKey: NonNullable<FlConfig['ckksPublicKey']>): Promise<RoundOutcome & { state: CkksState }> {
  const startedAt = new Date()
  const deadline = startedAt.getTime() + ctx.config.roundTimeoutMs
  const failed = (error: { code: string; message: string }, participants = 0, dropouts = 0): RoundOutcome & { state: CkksState } => ({
    record: roundRecord(round, startedAt, { participants, dropouts, error }),
    parameters: undefined,
    state,
  })
  const sampled = await sampleOrFail(ctx, round, initial, deadline)
  if ('error' in sampled) return failed(sampled.error)
  const { instructions } = sampled
  const byId = new Map(ctx.clients.map((cl) => [cl.id, cl]))
  const keys = await c.trainings.modelKeys(ctx.trainingId)
  const digest = state.sealed === undefined ? await ctx.work.putParameters(ctx.trainingId, initial) : undefined
  const items: NewWork[] = []
  for (const ins of instructions) {
    const client = byId.get(ins.clientId)
    const sealed = client === undefined ? undefined : sealedFor(state, keys, client)
    // A node the owner did not wrap the model key to cannot start from the sealed model: a dropout.
    if (client === undefined || sealed === undefined) continue
    items.push({ ...workFor(ctx, client, round, 'train', new Date(deadline), { ...ins.config, secure: 'ckks' }, digest), message: { publicKey, ...sealed } })
  }
  const results = await ctx.exchange.send(items, false, ctx.signal)
  const sum = new EncryptedAggregation({ keyId: publicKey.keyId, params: publicKey.params })
  const counted: Array<{ numExamples: number; metrics: Record<string, number> }> = []
  try {
    for (const r of results) {
      if (r.status !== 'done' || r.reply?.message === undefined) continue
      try {
        await sum.add(r.reply.message)
        counted.push({ numExamples: r.reply.numExamples ?? 0, metrics: { ...(r.reply.metrics ?? {}), ...(r.reply.loss === undefined ? {} : { loss: r.reply.loss }) } })
      } catch {
        // Under another key, of another shape, malformed: left out, like a client that did not answer.
      }
    }
    if (sum.count === 0) return failed({ code: 'FL_NOT_ENOUGH_CLIENTS', message: `None of the ${instructions.length} clients asked sent a usable encrypted update in time.` }, 0, instructions.length)
    const aggregate: EncryptedUpdate = await sum.result()
    const train = weightedMetrics(counted)
    await c.owner.putAggregate(ctx.trainingId, { round, aggregate, participants: sum.count, dropouts: instructions.length - sum.count, metrics: Object.fromEntries(Object.entries(train).filter(([, v]) => Number.isFinite(v))) })
  } finally {
    await sum.close()
  }
  c.awaiting(round)
  const participants = counted.length
  const dropouts = instructions.length - participants
  const giveUpAt = Date.now() + c.ownerTimeoutMs
  let global = await c.owner.global(ctx.trainingId, round)
  while (global === undefined && !ctx.signal.aborted && Date.now() < giveUpAt) {
    await sleep(OWNER_POLL_MS, ctx.signal)
    global = await c.owner.global(ctx.trainingId, round)
  }
  if (global === undefined) return failed({ code: 'FL_INVALID_STATE', message: `The owner did not publish the parameters of round ${round} within ${Math.round(c.ownerTimeoutMs / 1000)} s; the next round starts from the previous ones.` }, participants, dropouts)
  if (global.keys !== undefined) await c.trainings.addModelKeys(ctx.trainingId, Object.fromEntries(global.keys.map((k) => [k.nodeId, k.wrappedKey])))
  const next: CkksState = { sealed: global.sealed, round }
  const evaluation = await evaluateSealed(ctx, c, round, next)
  const train = weightedMetrics(counted)
  return { record: roundRecord(round, startedAt, { participants, dropouts, train, ...(evaluation === undefined ? {} : { evaluation }) }), parameters: undefined, state: next }
}

/** Evaluates the owner's sealed parameters on the held-out dataset's nodes (they open them with their model key). */
async function evaluateSealed(ctx: RoundContext, c: CkksComponents, round: number, state: CkksState): Promise<Record<string, number> | undefined> {
  if (ctx.evaluators.length === 0) return undefined
  const keys = await c.trainings.modelKeys(ctx.trainingId)
  const online = await ctx.online(ctx.evaluators.map((e) => e.nodeId))
  const deadline = new Date(Date.now() + ctx.config.roundTimeoutMs)
  const items = ctx.evaluators.flatMap((e) => {
    const sealed = sealedFor(state, keys, e)
    return online.has(e.nodeId) && sealed !== undefined ? [{ ...workFor(ctx, e, round, 'evaluate', deadline, { round, secure: 'ckks' }), message: sealed }] : []
  })
  if (items.length === 0) return undefined
  const results = await ctx.exchange.send(items, false, ctx.signal)
  const replies = results
    .filter((r) => r.status === 'done' && typeof r.reply?.loss === 'number')
    .map((r) => ({ clientId: r.clientId, loss: r.reply?.loss as number, numExamples: r.reply?.numExamples ?? 0, metrics: r.reply?.metrics ?? {} }))
  return replies.length === 0 ? undefined : ctx.strategy.aggregateEvaluate(round, replies, results.length - replies.length)
}
