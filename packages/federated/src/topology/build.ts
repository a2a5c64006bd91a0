/**
 * From a network to a topology: connectivity graph, overlay, edge delays with the overlay's
 * degrees, multiplicities. Also from a matrix of measured delays, for nodes that probe each other.
 */
import { W3aiError } from '@w3ai/protocol'
import { DEFAULT_LINK_BPS, DEFAULT_T_MAX } from './constants.js'
import { connectivity, edgeDelayMs, type DelayOptions } from './connectivity.js'
import type { Network } from './gml.js'
import { multigraph, type Topology } from './multigraph.js'
import { betweennessCentre, closenessCentre, mstArcs, OVERLAY_KINDS, ringArcs, starArcs, type Arc, type OverlayKind } from './overlay.js'

export interface TopologyOptions extends DelayOptions {
  overlay: OverlayKind
  /** t_max (default 5); 1 gives the plain overlay, every edge strong every round. */
  tMax?: number
  /** C for links without a capacity, bit/s (default 1e9). */
  linkBps?: number
}

function checkOverlay(overlay: string): void {
  if (!(OVERLAY_KINDS as readonly string[]).includes(overlay)) throw new W3aiError('FL_BAD_CONFIG', `overlay must be one of ${OVERLAY_KINDS.join(', ')}, got ${JSON.stringify(overlay)}`)
}

function degrees(n: number, arcs: readonly Arc[]): { out: number[]; in: number[] } {
  const out = new Array<number>(n).fill(0)
  const into = new Array<number>(n).fill(0)
  for (const a of arcs) {
    out[a.from]!++
    into[a.to]!++
  }
  return { out, in: into }
}

/**
 * The topology of `network`. The ring's tour is chosen on d with unit degrees (a ring's), the MST
 * on Tc + latency + M / bandwidth (degrees are unknown until the tree exists; the reference code
 * does the same); then every overlay edge's delay d(e) is computed with that overlay's degrees.
 */
export function buildTopology(network: Network, options: TopologyOptions): Topology {
  checkOverlay(options.overlay)
  const conn = connectivity(network, options.linkBps ?? DEFAULT_LINK_BPS)
  const n = conn.labels.length
  const matrix = (outdeg: number, indeg: number): number[][] =>
    conn.labels.map((_, i) => conn.labels.map((__, j) => (i === j ? 0 : edgeDelayMs(conn, i, j, outdeg, indeg, options))))
  let arcs: Arc[]
  if (options.overlay === 'ring') arcs = ringArcs(matrix(1, 1))
  else if (options.overlay === 'mst') arcs = mstArcs(matrix(0, 0))
  else arcs = starArcs(n, betweennessCentre(network, conn.latencyMs))
  const deg = degrees(n, arcs)
  const delayed = arcs.map((a) => ({ ...a, delayMs: edgeDelayMs(conn, a.from, a.to, deg.out[a.from]!, deg.in[a.to]!, options) }))
  return multigraph(conn.labels, options.overlay, delayed, { tMax: options.tMax ?? DEFAULT_T_MAX, computeMs: options.computeMs })
}

/**
 * The topology over silos whose edge delays d(i, j) (ms, compute time included) were measured
 * rather than derived from a network file; the star's centre is the silo closest to all others.
 */
export function topologyFromDelays(labels: string[], delayMs: readonly (readonly number[])[], options: { overlay: OverlayKind; computeMs: number; tMax?: number }): Topology {
  checkOverlay(options.overlay)
  const n = labels.length
  if (n < 2) throw new W3aiError('FL_BAD_TOPOLOGY', `A topology needs at least 2 silos; got ${n}.`)
  if (delayMs.length !== n || delayMs.some((row) => row.length !== n)) throw new W3aiError('FL_BAD_TOPOLOGY', `The delay matrix must be ${n} × ${n}, one row and column per silo.`)
  let arcs: Arc[]
  if (options.overlay === 'ring') arcs = ringArcs(delayMs)
  else if (options.overlay === 'mst') arcs = mstArcs(delayMs)
  else arcs = starArcs(n, closenessCentre(delayMs))
  const delayed = arcs.map((a) => ({ ...a, delayMs: delayMs[a.from]![a.to]! }))
  return multigraph(labels, options.overlay, delayed, { tMax: options.tMax ?? DEFAULT_T_MAX, computeMs: options.computeMs })
}
