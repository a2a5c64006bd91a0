/**
 * Minimum-weight perfect matching on an even set of vertices of a complete graph, for the
 * Christofides step. Exact by dynamic programming over subsets up to EXACT_MATCHING_MAX vertices
 * (2^k states: milliseconds at 18); beyond that greedy (cheapest pair first) followed by pairwise
 * exchanges until no swap of partners between two pairs lowers the weight. The greedy part is what
 * the paper's reference Christofides does; an exact blossom algorithm would be a few hundred lines
 * of subtle code, and the npm ports of it are unmaintained. Without exactness Christofides keeps its
 * Hamiltonian cycle but loses its 1.5 × optimum guarantee; the tests check both paths.
 */

/** Up to this many vertices the matching is exact. */
export const EXACT_MATCHING_MAX = 18

/** Pairs covering every vertex of `vertices` (even count) once, of least total weight. */
export function minWeightPerfectMatching(vertices: readonly number[], weights: readonly (readonly number[])[]): Array<[number, number]> {
  if (vertices.length % 2 !== 0) throw new RangeError(`a perfect matching needs an even number of vertices, got ${vertices.length}`)
  if (vertices.length === 0) return []
  return vertices.length <= EXACT_MATCHING_MAX ? exactMatching(vertices, weights) : exchangeImproved(greedyMatching(vertices, weights), weights)
}

function exactMatching(vertices: readonly number[], weights: readonly (readonly number[])[]): Array<[number, number]> {
  const k = vertices.length
  const full = (1 << k) - 1
  // cost[mask]: least weight matching the vertices whose bits are set; the lowest unset vertex is
  // always paired next, so each matching is built in one order only.
  const cost = new Float64Array(1 << k).fill(Infinity)
  const choice = new Int32Array(1 << k).fill(-1)
  cost[0] = 0
  for (let mask = 0; mask < full; mask++) {
    const base = cost[mask]!
    if (base === Infinity) continue
    let i = 0
    while (mask & (1 << i)) i++
    const row = weights[vertices[i]!]!
    for (let j = i + 1; j < k; j++) {
      if (mask & (1 << j)) continue
      const next = mask | (1 << i) | (1 << j)
      const total = base + row[vertices[j]!]!
      if (total < cost[next]!) {
        cost[next] = total
        choice[next] = (i << 8) | j
      }
    }
  }
  const pairs: Array<[number, number]> = []
  for (let mask = full; mask !== 0; ) {
    const c = choice[mask]!
    const i = c >> 8
    const j = c & 0xff
    pairs.push([vertices[i]!, vertices[j]!])
    mask &= ~((1 << i) | (1 << j))
  }
  return pairs.reverse()
}

function greedyMatching(vertices: readonly number[], weights: readonly (readonly number[])[]): Array<[number, number]> {
  const candidates: Array<[number, number, number]> = []
  for (let a = 0; a < vertices.length; a++) {
    for (let b = a + 1; b < vertices.length; b++) candidates.push([weights[vertices[a]!]![vertices[b]!]!, vertices[a]!, vertices[b]!])
  }
  candidates.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2])
  const used = new Set<number>()
  const pairs: Array<[number, number]> = []
  for (const [, u, v] of candidates) {
    if (used.has(u) || used.has(v)) continue
    used.add(u)
    used.add(v)
    pairs.push([u, v])
  }
  return pairs
}

function exchangeImproved(pairs: Array<[number, number]>, weights: readonly (readonly number[])[]): Array<[number, number]> {
  const w = (u: number, v: number): number => weights[u]![v]!
  // Each accepted swap lowers the total strictly, so the loop ends; the pass cap only bounds the
  // time on adversarial float inputs.
  for (let pass = 0, improved = true; improved && pass < 1000; pass++) {
    improved = false
    for (let p = 0; p < pairs.length; p++) {
      for (let q = p + 1; q < pairs.length; q++) {
        const [a, b] = pairs[p]!
        const [c, d] = pairs[q]!
        const now = w(a, b) + w(c, d)
        const crossed = w(a, c) + w(b, d)
        const swapped = w(a, d) + w(b, c)
        if (crossed < now * (1 - 1e-12) && crossed <= swapped) {
          pairs[p] = [a, c]
          pairs[q] = [b, d]
          improved = true
        } else if (swapped < now * (1 - 1e-12)) {
          pairs[p] = [a, d]
          pairs[q] = [b, c]
          improved = true
        }
      }
    }
  }
  return pairs
}
