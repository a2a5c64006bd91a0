/**
 * Decentralized trainings: no aggregator. Every client (silo) keeps its own model; each round a
 * silo averages its model with its strong in-neighbours' (the topology's mixing plan: ring, star,
 * MST, or the multigraph of specs/multigraph.md with weak edges bringing the previous round's
 * model) and trains from that average on its data. The hub only relays models between neighbours
 * (it stores them and tells each silo which to fetch with which weight: the averaging happens on
 * the nodes) and, for reporting, evaluates the silos' mean model on the held-out dataset.
 */
import { mixingPlan, topologyFromDelays, weightedMetrics, type OverlayKind, type Parameters, type Topology } from '@w3ai/federated'
import { W3aiError, type FlConfig } from '@w3ai/protocol'
import type { FlClient } from './config.js'
import { errorOf, evaluate, roundRecord, workFor, type RoundContext, type RoundOutcome } from './round.js'
import type { NewWork } from './work-store.js'

export const FL_ARCHS = ['ring', 'multigraph', 'star', 'mst'] as const
/**
 * Local compute per round in the delay model when the config names none, ms: small, as for the
 * paper's models, so that distance (not compute) sets the multiplicities.
 */
export const DEFAULT_COMPUTE_MS = 10
export type FlArch = (typeof FL_ARCHS)[number]

/** The topology block of a decentralized config, checked. */
export interface TopologySettings {
  arch: FlArch
  /** For the multigraph: its overlay (default ring) and t_max (default 5). */
  overlay: OverlayKind
  tMax: number
  /** Local compute time per round in the delay model, ms (default DEFAULT_COMPUTE_MS). */
  computeMs: number
}

const bad = (message: string): W3aiError => new W3aiError('FL_BAD_CONFIG', `topology: ${message}`, { field: 'topology' })

/** Checks the topology block (FL_BAD_CONFIG naming the field). */
export function topologySettings(config: Pick<FlConfig, 'topology'>): TopologySettings {
  const t = (config.topology ?? {}) as Record<string, unknown>
  const unknown = Object.keys(t).filter((k) => !['arch', 'overlay', 'tMax', 'computeMs'].includes(k))
  if (unknown.length > 0) throw bad(`unknown field ${unknown[0]}; use arch, overlay, tMax, computeMs.`)
  const arch = t.arch ?? 'ring'
  if (!(FL_ARCHS as readonly unknown[]).includes(arch)) throw bad(`arch must be one of ${FL_ARCHS.join(', ')}, got ${JSON.stringify(arch)}.`)
  const overlay = t.overlay ?? 'ring'
  if (!['ring', 'star', 'mst'].includes(overlay as string)) throw bad(`overlay must be ring, star or mst, got ${JSON.stringify(overlay)}.`)
  const tMax = t.tMax ?? 5
  if (!(Number.isInteger(tMax) && (tMax as number) >= 1 && (tMax as number) <= 10)) throw bad(`tMax must be an integer 1..10, got ${JSON.stringify(tMax)}.`)
  const computeMs = t.computeMs ?? DEFAULT_COMPUTE_MS
  if (!(typeof computeMs === 'number' && computeMs >= 0 && computeMs <= 3_600_000)) throw bad(`computeMs must be a number 0..3600000, got ${JSON.stringify(computeMs)}.`)
  return { arch: arch as FlArch, overlay: overlay as OverlayKind, tMax: arch === 'multigraph' ? (tMax as number) : 1, computeMs }
}

/** Great-circle distance in km. */
function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const h = Math.sin(((b.lat - a.lat) * rad) / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(((b.lon - a.lon) * rad) / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * The silos' topology from their nodes' registered locations: d(i, j) = compute time + 4 ms +
 * 0.0085 ms/km (the latency model of specs/multigraph.md); silos on one node are 4 ms apart.
 */
export function siloTopology(clients: readonly FlClient[], locations: ReadonlyMap<string, { lat: number; lon: number }>, settings: TopologySettings): Topology {
  if (clients.length < 2) throw new W3aiError('FL_NOT_ENOUGH_CLIENTS', 'A decentralized training needs at least two clients.')
  const where = (c: FlClient): { lat: number; lon: number } => locations.get(c.nodeId) ?? { lat: 0, lon: 0 }
  const delays = clients.map((a, i) => clients.map((b, j) => (i === j ? 0 : settings.computeMs + 4 + 0.0085 * distanceKm(where(a), where(b)))))
  const overlay: OverlayKind = settings.arch === 'multigraph' ? settings.overlay : settings.arch
  return topologyFromDelays(clients.map((c) => c.id), delays, { overlay, computeMs: settings.computeMs, tMax: settings.tMax })
}

/** Each silo's models by content digest: the one it holds now and the one before. */
export type SiloModels = Record<string, { current: string; previous: string }>

/** Element-wise mean of several models (the silos' consensus, for evaluation and export only). */
function meanOf(models: readonly Parameters[]): Parameters {
  const first = models[0] as Parameters
  return first.map((t, k) => {
    const out = new Float32Array(t.length)
    for (const m of models) {
      const x = m[k] as Float32Array
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (x[i] as number) / models.length
    }
    return out
  })
}

/**
 * One decentralized round (`round` from 1; the plan of state round − 1): online silos fetch the
 * models their plan names through the hub, average them, train, and send their new model; silos
 * that do not answer keep theirs. Returns the record, the silos' mean model and their new models.
 */
export async function decentralizedRound(ctx: RoundContext, topology: Topology, round: number, silos: SiloModels): Promise<RoundOutcome & { silos: SiloModels }> {
  const startedAt = new Date()
  const deadline = new Date(startedAt.getTime() + ctx.config.roundTimeoutMs)
  const plan = mixingPlan(topology, round - 1)
  const byId = new Map(ctx.clients.map((c) => [c.id, c]))
  const online = await ctx.online([...new Set(ctx.clients.map((c) => c.nodeId))])
  const items: NewWork[] = []
  topology.labels.forEach((id, i) => {
    const client = byId.get(id)
    if (client === undefined || !online.has(client.nodeId)) return
    const mix = (plan[i] ?? []).map((term) => {
      const models = silos[topology.labels[term.node] as string]
      return { digest: term.model === 'previous' ? (models?.previous as string) : (models?.current as string), weight: term.weight }
    })
    items.push({ ...workFor(ctx, client, round, 'train', deadline, { round, mode: 'decentralized' }), message: { mix } })
  })
  const next: SiloModels = Object.fromEntries(Object.entries(silos).map(([id, m]) => [id, { current: m.current, previous: m.current }]))
  const replies = (await ctx.exchange.send(items, true, ctx.signal)).filter((r) => r.status === 'done' && r.parameters !== undefined)
  const sizes = (await ctx.work.parameters(ctx.trainingId, silos[topology.labels[0] as string]?.current as string))?.sizes ?? []
  let participants = 0
  const trainMetrics: Array<{ numExamples: number; metrics: Record<string, number> }> = []
  for (const r of replies) {
    const params = r.parameters as Parameters
    // A model of the wrong shape or with non-finite values is dropped; the silo keeps its own.
    if (params.length !== sizes.length || params.some((t, k) => t.length !== sizes[k] || t.some((v) => !Number.isFinite(v)))) continue
    const silo = next[r.clientId]
    if (silo === undefined) continue
    silo.current = await ctx.work.putParameters(ctx.trainingId, params)
    participants++
    trainMetrics.push({ numExamples: r.reply?.numExamples ?? 0, metrics: { ...(r.reply?.metrics ?? {}), ...(r.reply?.loss === undefined ? {} : { loss: r.reply.loss }) } })
  }
  const train = weightedMetrics(trainMetrics)
  const models = await Promise.all(Object.values(next).map(async (m) => ctx.work.parametersOf(ctx.trainingId, m.current)))
  const consensus = meanOf(models)
  if (participants === 0) {
    return { record: roundRecord(round, startedAt, { participants: 0, dropouts: items.length, error: errorOf(new W3aiError('FL_NOT_ENOUGH_CLIENTS', `None of the ${items.length} silos asked sent a usable model in time.`)) }), parameters: undefined, silos: next }
  }
  const evaluation = await evaluate(ctx, round, consensus)
  return {
    record: roundRecord(round, startedAt, { participants, dropouts: items.length - participants, train, ...(evaluation === undefined ? {} : { evaluation }) }),
    parameters: consensus,
    silos: next,
  }
}
