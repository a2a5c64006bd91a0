/**
 * Overlays of specs/multigraph.md section 2, as directed arcs between silos: a RING along a
 * Christofides tour (each silo sends to the next), and the STAR and MST baselines (every tree edge
 * used both ways).
 */
import { christofidesTour } from './christofides.js'
import type { Network } from './gml.js'
import { minimumSpanningTree } from './spanning-tree.js'

export type OverlayKind = 'ring' | 'star' | 'mst'

export const OVERLAY_KINDS: readonly OverlayKind[] = ['ring', 'star', 'mst']

/** A directed overlay edge: `from` sends its model to `to`. */
export interface Arc {
  from: number
  to: number
}

/** max(w(i,j), w(j,i)): the tour and tree algorithms need one weight per pair. */
export function symmetric(weights: readonly (readonly number[])[]): number[][] {
  return weights.map((row, i) => row.map((w, j) => (i === j ? 0 : Math.max(w, weights[j]![i]!))))
}

/** The ring along a Christofides tour over (symmetrized) weights; two silos send to each other. */
export function ringArcs(weights: readonly (readonly number[])[]): Arc[] {
  const tour = christofidesTour(symmetric(weights))
  return tour.map((from, i) => ({ from, to: tour[(i + 1) % tour.length]! }))
}

/** The minimum spanning tree over (symmetrized) weights, each tree edge both ways. */
export function mstArcs(weights: readonly (readonly number[])[]): Arc[] {
  return minimumSpanningTree(symmetric(weights)).flatMap(([u, v]) => [
    { from: u, to: v },
    { from: v, to: u },
  ])
}

/** Every silo sends to `centre` and receives from it. */
export function starArcs(n: number, centre: number): Arc[] {
  const arcs: Arc[] = []
  for (let v = 0; v < n; v++) if (v !== centre) arcs.push({ from: centre, to: v }, { from: v, to: centre })
  return arcs
}

/**
 * The star's centre: the site with the largest betweenness centrality in the underlay (shortest
 * paths by distance, Brandes' algorithm); ties go to the smallest total `tieBreak` to the others
 * (e.g. latency), then to the lower index. The underlay is used, not the complete connectivity
 * graph the reference code ranks: there every shortest path is the direct edge (a path's latency
 * is sub-additive because of its fixed 4 ms), so every silo's load centrality is 0 and the
 * reference simply takes its first silo.
 */
export function betweennessCentre(network: Network, tieBreak: readonly (readonly number[])[]): number {
  const score = betweenness(network)
  const total = tieBreak.map((row) => row.reduce((sum, x) => sum + (Number.isFinite(x) ? x : 0), 0))
  let best = 0
  for (let v = 1; v < score.length; v++) {
    const gap = score[v]! - score[best]!
    // Scores are sums of fractions: compare with a relative tolerance so float noise does not decide.
    const tolerance = 1e-9 * Math.max(1, score[v]!, score[best]!)
    if (gap > tolerance || (Math.abs(gap) <= tolerance && total[v]! < total[best]!)) best = v
  }
  return best
}

/** The silo with the smallest sum of weights to the others (closeness), for overlays built from measured delays. */
export function closenessCentre(weights: readonly (readonly number[])[]): number {
  const total = weights.map((row, i) => row.reduce((sum, w, j) => sum + (i === j ? 0 : w), 0))
  return total.reduce((best, t, v) => (t < total[best]! ? v : best), 0)
}

/** Brandes' betweenness of every site on weighted (distance) shortest paths. */
function betweenness(network: Network): number[] {
  const n = network.sites.length
  const adjacency: Array<Array<{ to: number; km: number }>> = Array.from({ length: n }, () => [])
  for (const l of network.links) {
    adjacency[l.source]!.push({ to: l.target, km: l.distanceKm })
    adjacency[l.target]!.push({ to: l.source, km: l.distanceKm })
  }
  const score = new Array<number>(n).fill(0)
  for (let s = 0; s < n; s++) {
    const dist = new Array<number>(n).fill(Infinity)
    const paths = new Array<number>(n).fill(0)
    const preds: number[][] = Array.from({ length: n }, () => [])
    const settled: number[] = []
    const done = new Array<boolean>(n).fill(false)
    dist[s] = 0
    paths[s] = 1
    for (;;) {
      let u = -1
      for (let v = 0; v < n; v++) if (!done[v] && dist[v] !== Infinity && (u < 0 || dist[v]! < dist[u]!)) u = v
      if (u < 0) break
      done[u] = true
      settled.push(u)
      for (const { to, km } of adjacency[u]!) {
        if (done[to]) continue
        const d = dist[u]! + km
        if (d < dist[to]!) {
          dist[to] = d
          paths[to] = paths[u]!
          preds[to] = [u]
        } else if (d === dist[to]) {
          paths[to]! += paths[u]!
          preds[to]!.push(u)
        }
      }
    }
    const dependency = new Array<number>(n).fill(0)
    for (let i = settled.length - 1; i >= 0; i--) {
      const w = settled[i]!
      for (const v of preds[w]!) dependency[v]! += (paths[v]! / paths[w]!) * (1 + dependency[w]!)
      if (w !== s) score[w]! += dependency[w]!
    }
  }
  return score
}
