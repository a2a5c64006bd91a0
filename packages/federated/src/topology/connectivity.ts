/**
 * The connectivity graph of specs/multigraph.md section 1: every ordered pair of silos talks over
 * the shortest underlay path by distance, which gives it a latency and an available bandwidth; an
 * overlay edge's delay adds the compute time and the slowest of upload, download and transfer.
 *
 * Interpretations where the spec leaves room:
 * - Bandwidth is C / hops with C the path's bottleneck: the smallest link capacity along it, the
 *   default C for links the file gives none. For networks without capacities this is exactly the
 *   spec's C / hops; the paper's reference code ignores per-link capacities (gaia and
 *   geantdistance have them, from 1e8 to 1e10 bit/s) and takes C for every link.
 * - Among paths of equal distance (exodus and ebone have 0 km links between co-located sites) the
 *   one with fewer hops wins, then the one with the larger bottleneck, so results do not depend on
 *   the file's order (the reference keeps whichever path its Dijkstra met first).
 * - All times are ms; capacities are given in bit/s and taken as bit/ms (× 1e-3), so a silo's upload
 *   delay is M / C_up × 1e3 ms.
 */
import { W3aiError } from '@w3ai/protocol'
import { DEFAULT_DOWNLOAD_BPS, DEFAULT_LINK_BPS, DEFAULT_UPLOAD_BPS, LATENCY_BASE_MS, LATENCY_MS_PER_KM } from './constants.js'
import type { Network } from './gml.js'

/** Pairwise path properties between silos, indexed [from][to] like `Network.sites`. */
export interface Connectivity {
  labels: string[]
  distanceKm: number[][]
  hops: number[][]
  latencyMs: number[][]
  bandwidthBitsPerMs: number[][]
}

/** What an edge delay depends on besides the network. */
export interface DelayOptions {
  /** Model size M, bits. */
  modelBits: number
  /** Local compute time per round Tc, ms. */
  computeMs: number
  /** C_up, bit/s (default 1e10). */
  uploadBps?: number
  /** C_dn, bit/s (default 1e10). */
  downloadBps?: number
}

function positive(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new W3aiError('FL_BAD_CONFIG', `${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${value}`)
  }
  return value
}

/** Shortest paths from every silo (Dijkstra on distance, ties to fewer hops then wider paths). */
export function connectivity(network: Network, linkBps: number = DEFAULT_LINK_BPS): Connectivity {
  positive('linkBps', linkBps)
  const n = network.sites.length
  if (n < 2) throw new W3aiError('FL_BAD_TOPOLOGY', `A topology needs at least 2 sites; the network has ${n}.`)
  const adjacency: Array<Array<{ to: number; km: number; bps: number }>> = Array.from({ length: n }, () => [])
  for (const link of network.links) {
    const bps = link.capacityBps ?? linkBps
    adjacency[link.source]?.push({ to: link.target, km: link.distanceKm, bps })
    adjacency[link.target]?.push({ to: link.source, km: link.distanceKm, bps })
  }
  const result: Connectivity = { labels: network.sites.map((s) => s.label), distanceKm: [], hops: [], latencyMs: [], bandwidthBitsPerMs: [] }
  for (let source = 0; source < n; source++) {
    const km = new Array<number>(n).fill(Infinity)
    const hops = new Array<number>(n).fill(Infinity)
    const bottleneck = new Array<number>(n).fill(0)
    const done = new Array<boolean>(n).fill(false)
    km[source] = 0
    hops[source] = 0
    bottleneck[source] = Infinity
    // O(n²) Dijkstra: the networks have at most a few hundred sites and are often dense.
    for (;;) {
      let u = -1
      for (let v = 0; v < n; v++) {
        if (!done[v] && km[v] !== Infinity && (u < 0 || better(km[v]!, hops[v]!, bottleneck[v]!, km[u]!, hops[u]!, bottleneck[u]!))) u = v
      }
      if (u < 0) break
      done[u] = true
      for (const { to, km: length, bps } of adjacency[u]!) {
        const candidate = [km[u]! + length, hops[u]! + 1, Math.min(bottleneck[u]!, bps)] as const
        if (!done[to] && better(...candidate, km[to]!, hops[to]!, bottleneck[to]!)) [km[to], hops[to], bottleneck[to]] = candidate
      }
    }
    const unreachable = km.findIndex((d) => d === Infinity)
    if (unreachable >= 0) {
      throw new W3aiError('FL_BAD_TOPOLOGY', `Sites ${JSON.stringify(result.labels[source])} and ${JSON.stringify(result.labels[unreachable])} are not connected by any path.`)
    }
    result.distanceKm.push(km)
    result.hops.push(hops)
    result.latencyMs.push(km.map((d, j) => (j === source ? 0 : LATENCY_MS_PER_KM * d + LATENCY_BASE_MS)))
    // bit/s × 1e-3 = bit/ms, shared by the path's hops.
    result.bandwidthBitsPerMs.push(bottleneck.map((c, j) => (j === source ? Infinity : (c * 1e-3) / hops[j]!)))
  }
  return result
}

function better(km: number, hops: number, width: number, km2: number, hops2: number, width2: number): boolean {
  if (km !== km2) return km < km2
  if (hops !== hops2) return hops < hops2
  return width > width2
}

/**
 * d(i, j) = Tc + latency(i, j) + max(outdeg(i) · M / C_up, indeg(j) · M / C_dn, M / bandwidth(i, j)) in ms,
 * with outdeg and indeg the silos' degrees in the overlay the edge belongs to.
 */
export function edgeDelayMs(conn: Connectivity, from: number, to: number, outdeg: number, indeg: number, options: DelayOptions): number {
  const modelBits = positive('modelBits', options.modelBits)
  const computeMs = positive('computeMs', options.computeMs, true)
  const uploadMs = (modelBits / positive('uploadBps', options.uploadBps ?? DEFAULT_UPLOAD_BPS)) * 1e3
  const downloadMs = (modelBits / positive('downloadBps', options.downloadBps ?? DEFAULT_DOWNLOAD_BPS)) * 1e3
  const latency = conn.latencyMs[from]?.[to]
  const bandwidth = conn.bandwidthBitsPerMs[from]?.[to]
  if (latency === undefined || bandwidth === undefined || from === to) throw new RangeError(`no connectivity edge ${from} → ${to}`)
  return computeMs + latency + Math.max(outdeg * uploadMs, indeg * downloadMs, modelBits / bandwidth)
}
