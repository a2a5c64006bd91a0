/**
 * The multigraph of specs/multigraph.md sections 3-5: each overlay edge e gets n(e) parallel edges
 * (one strong, n(e) - 1 weak), slow edges more; the states cycle through which edges are strong;
 * a silo with no strong incoming edge is isolated; and the averaging weights a decentralized
 * trainer applies each round, with stale models over edges that were weak the round before.
 */
import { W3aiError } from '@w3ai/protocol'
import { MAX_T_MAX, NEIGHBOURS_WEIGHT, SELF_WEIGHT } from './constants.js'
import type { Arc, OverlayKind } from './overlay.js'

/** An overlay edge with its delay d(e) (ms) and multiplicity n(e). */
export interface TopologyEdge extends Arc {
  delayMs: number
  multiplicity: number
}

/** An overlay with multiplicities: everything a trainer or the cycle-time evaluation needs. */
export interface Topology {
  /** Silo names (GML labels), indexed like `from` and `to`. */
  labels: string[]
  overlay: OverlayKind
  /** Local compute time per round Tc, ms. */
  computeMs: number
  edges: TopologyEdge[]
  /** s_max: the lcm of the multiplicities; round k uses state k mod stateCount. */
  stateCount: number
}

/** One state: which edges are strong and which silos are isolated (by index). */
export interface TopologyState {
  state: number
  strong: TopologyEdge[]
  weak: TopologyEdge[]
  isolated: number[]
}

/** One term of a silo's average: `weight` × the model of `node` from this round or the previous one. */
export interface MixingTerm {
  node: number
  weight: number
  /** 'previous': the model `node` held one round earlier (it came over an edge that was weak then). */
  model: 'current' | 'previous'
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))

/**
 * n(e) = min(t_max, round(d(e) / d_min)) for every arc; t_max = 1 gives the plain overlay. Halves
 * round up (Math.round); the reference code's Python round() takes them to the even neighbour.
 */
export function multigraph(labels: string[], overlay: OverlayKind, arcs: ReadonlyArray<Arc & { delayMs: number }>, options: { tMax: number; computeMs: number }): Topology {
  const { tMax, computeMs } = options
  if (!Number.isInteger(tMax) || tMax < 1 || tMax > MAX_T_MAX) throw new W3aiError('FL_BAD_CONFIG', `tMax must be an integer 1..${MAX_T_MAX}, got ${tMax}`)
  if (!Number.isFinite(computeMs) || computeMs < 0) throw new W3aiError('FL_BAD_CONFIG', `computeMs must be a finite number >= 0, got ${computeMs}`)
  if (arcs.length === 0) throw new W3aiError('FL_BAD_TOPOLOGY', 'The overlay has no edges.')
  for (const a of arcs) {
    if (!(a.delayMs > 0 && Number.isFinite(a.delayMs))) throw new W3aiError('FL_BAD_TOPOLOGY', `Edge ${labels[a.from]} → ${labels[a.to]} has delay ${a.delayMs} ms; delays must be finite and > 0.`)
  }
  const minDelay = Math.min(...arcs.map((a) => a.delayMs))
  const edges = arcs.map((a) => ({ from: a.from, to: a.to, delayMs: a.delayMs, multiplicity: Math.min(tMax, Math.round(a.delayMs / minDelay)) }))
  const stateCount = edges.reduce((l, e) => (l / gcd(l, e.multiplicity)) * e.multiplicity, 1)
  return { labels, overlay, computeMs, edges, stateCount }
}

/** The state round `round` uses: round mod s_max. */
export function stateOfRound(topology: Topology, round: number): number {
  if (!Number.isInteger(round) || round < 0) throw new RangeError(`round must be an integer >= 0, got ${round}`)
  return round % topology.stateCount
}

/** Edge e is strong in state s iff s mod n(e) = 0 (so state 0 is the whole overlay). */
export function isStrong(edge: TopologyEdge, state: number): boolean {
  return state % edge.multiplicity === 0
}

/** Strong and weak edges of `state`, and the silos without a strong incoming edge. */
export function topologyState(topology: Topology, state: number): TopologyState {
  const strong = topology.edges.filter((e) => isStrong(e, state))
  const weak = topology.edges.filter((e) => !isStrong(e, state))
  const fed = new Set(strong.map((e) => e.to))
  const isolated = topology.labels.flatMap((_, v) => (fed.has(v) ? [] : [v]))
  return { state, strong, weak, isolated }
}

/**
 * For each silo (by index), the models it averages in round `round` and their weights (they sum to
 * 1): its own with 0.7 and each strong in-neighbour's with 0.3 / count, or its own alone with 1.0
 * when it is isolated. A neighbour whose edge was weak in the previous round's state contributes
 * the model it held then ('previous'): that transfer started a round early. Round 0 uses current
 * models only. A trainer keeps each silo's last two models.
 */
export function mixingPlan(topology: Topology, round: number): MixingTerm[][] {
  const state = stateOfRound(topology, round)
  const previous = round === 0 ? undefined : stateOfRound(topology, round - 1)
  const incoming: TopologyEdge[][] = topology.labels.map(() => [])
  for (const e of topology.edges) if (isStrong(e, state)) incoming[e.to]!.push(e)
  return incoming.map((edges, node) => {
    if (edges.length === 0) return [{ node, weight: 1, model: 'current' }]
    const share = NEIGHBOURS_WEIGHT / edges.length
    return [
      { node, weight: SELF_WEIGHT, model: 'current' },
      ...edges.map((e): MixingTerm => ({ node: e.from, weight: share, model: previous !== undefined && !isStrong(e, previous) ? 'previous' : 'current' })),
    ]
  })
}
