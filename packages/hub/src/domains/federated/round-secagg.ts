/**
 * One central round under SecAgg+: clients train and keep their updates; the hub then runs the
 * SecAgg+ server workflow (four stages of messages through node work) and learns only the
 * example-weighted mean of the updates that made it to the end, which the strategy turns into the
 * new global parameters (`linear.fromMean`). Clients that miss a stage drop out; below the
 * threshold the round fails cleanly (recorded, parameters unchanged) and the next round starts
 * with fresh keys.
 *
 * The round authenticates: each client signs its round keys with its node's identity, and a client
 * id (`<nodeId>/<dataset>`) belongs to the node it names, so clients check that the keys this hub
 * relays are their neighbours' own and a hub cannot stand in for a real node.
 */
import { randomBytes } from 'node:crypto'
import { SECAGG_STAGES, SecAggServer, weightedMetrics, type Metrics, type Parameters } from '@w3ai/federated'
import type { FlClient } from './config.js'
import { errorOf, evaluate, roundRecord, sampleOrFail, workFor, type RoundContext, type RoundOutcome } from './round.js'
import type { NewWork } from './work-store.js'

/** Work config that tells a client to keep its update for secure aggregation instead of sending it. */
export const SECURE_KEY = 'secure'

export async function secaggRound(ctx: RoundContext, round: number, current: Parameters): Promise<RoundOutcome> {
  const startedAt = new Date()
  const deadline = startedAt.getTime() + ctx.config.roundTimeoutMs
  const asked = await sampleOrFail(ctx, round, current, deadline)
  if ('error' in asked) return { record: roundRecord(round, startedAt, { participants: 0, dropouts: 0, error: asked.error }), parameters: undefined }
  const { instructions } = asked
  const byId = new Map(ctx.clients.map((c) => [c.id, c]))
  const sampled = instructions.map((i) => byId.get(i.clientId)).filter((c): c is FlClient => c !== undefined)
  const digest = await ctx.work.putParameters(ctx.trainingId, current)
  const trainItems = instructions.flatMap((ins) => {
    const client = byId.get(ins.clientId)
    return client === undefined ? [] : [workFor(ctx, client, round, 'train', new Date(deadline), { ...ins.config, [SECURE_KEY]: 'secagg+' }, digest)]
  })
  const trained = (await ctx.exchange.send(trainItems, false, ctx.signal)).filter((r) => r.status === 'done' && (r.reply?.numExamples ?? 0) > 0)
  const failed = (error: { code: string; message: string }, participants = 0, train?: Metrics): RoundOutcome => ({
    record: roundRecord(round, startedAt, { participants, dropouts: sampled.length - participants, ...(train === undefined ? {} : { train }), error }),
    parameters: undefined,
  })
  if (trained.length < 2) return failed({ code: 'FL_SECAGG_BELOW_THRESHOLD', message: `${trained.length} of ${sampled.length} clients trained; secure aggregation needs at least two.` })

  const server = new SecAggServer({
    roundId: `${ctx.trainingId}/${round}/${randomBytes(6).toString('hex')}`,
    clients: trained.map((r) => r.clientId),
    tensorSizes: current.map((t) => t.length),
    authenticate: true,
  })
  for (const stage of SECAGG_STAGES) {
    if (ctx.signal.aborted) return failed({ code: 'FL_INVALID_STATE', message: 'The round was abandoned.' })
    const stageDeadline = new Date(Date.now() + ctx.config.roundTimeoutMs)
    const items: NewWork[] = Object.entries(server.requests()).flatMap(([id, request]) => {
      const client = byId.get(id)
      return client === undefined ? [] : [{ ...workFor(ctx, client, round, 'secagg', stageDeadline, { round, stage }), message: request }]
    })
    for (const r of await ctx.exchange.send(items, false, ctx.signal)) {
      // A node speaks only for the client its work was for, not for another node's.
      if (r.status !== 'done' || (r.reply?.message as { clientId?: unknown } | undefined)?.clientId !== r.clientId) continue
      try {
        server.receive(r.reply?.message)
      } catch {
        // A refused message (wrong stage, malformed, replayed) leaves its client out, like silence.
      }
    }
    try {
      server.advance()
    } catch (err) {
      return failed(errorOf(err))
    }
  }
  const result = server.result()
  const survivors = new Set(result.clients)
  const train = weightedMetrics(trained.filter((r) => survivors.has(r.clientId)).map((r) => ({ numExamples: r.reply?.numExamples ?? 0, metrics: { ...(r.reply?.metrics ?? {}), ...(r.reply?.loss === undefined ? {} : { loss: r.reply.loss }) } })))
  const linear = ctx.strategy.linear
  if (linear === undefined) return failed({ code: 'FL_SECURE_NEEDS_LINEAR', message: `Strategy ${ctx.strategy.name} cannot use a securely aggregated mean.` })
  const aggregate = linear.fromMean(round, current, result.mean, result.totalExamples, result.clients.length)
  const metrics = { ...train, ...aggregate.metrics }
  if (aggregate.parameters === undefined) return failed({ code: 'FL_NOT_ENOUGH_CLIENTS', message: 'The strategy kept the old parameters.' }, result.clients.length, metrics)
  const evaluation = await evaluate(ctx, round, aggregate.parameters)
  return {
    record: roundRecord(round, startedAt, { participants: result.clients.length, dropouts: sampled.length - result.clients.length, train: metrics, ...(evaluation === undefined ? {} : { evaluation }) }),
    parameters: aggregate.parameters,
  }
}
