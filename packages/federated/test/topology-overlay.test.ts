import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { christofidesTour } from '../src/topology/christofides.js'
import { parseGml } from '../src/topology/gml.js'
import { EXACT_MATCHING_MAX, minWeightPerfectMatching } from '../src/topology/matching.js'
import { betweennessCentre, closenessCentre, mstArcs, ringArcs, starArcs } from '../src/topology/overlay.js'
import { minimumSpanningTree } from '../src/topology/spanning-tree.js'

/** Euclidean distances between n random points in the unit square: a metric. */
function points(n: number, seed: number): number[][] {
  const random = seededRandom(seed)
  const p = Array.from({ length: n }, () => [random(), random()] as const)
  return p.map(([x, y]) => p.map(([u, v]) => Math.hypot(x - u, y - v)))
}

function tourLength(tour: readonly number[], w: number[][]): number {
  return tour.reduce((sum, v, i) => sum + w[v]![tour[(i + 1) % tour.length]!]!, 0)
}

/** The optimal tour length, by trying every order of the vertices after 0. */
function optimalTour(w: number[][]): number {
  let best = Infinity
  const rest = w.map((_, i) => i).slice(1)
  const visit = (order: number[], left: number[]): void => {
    if (left.length === 0) best = Math.min(best, tourLength([0, ...order], w))
    else left.forEach((v, i) => visit([...order, v], [...left.slice(0, i), ...left.slice(i + 1)]))
  }
  visit([], rest)
  return best
}

function bruteMatching(vertices: number[], w: number[][]): number {
  if (vertices.length === 0) return 0
  const [first, ...rest] = vertices as [number, ...number[]]
  return Math.min(...rest.map((v, i) => w[first]![v]! + bruteMatching([...rest.slice(0, i), ...rest.slice(i + 1)], w)))
}

const weightOf = (pairs: Array<[number, number]>, w: number[][]): number => pairs.reduce((s, [u, v]) => s + w[u]![v]!, 0)

function expectPerfect(pairs: Array<[number, number]>, vertices: number[]): void {
  expect(pairs.flat().sort((a, b) => a - b)).toEqual([...vertices].sort((a, b) => a - b))
}

describe('Christofides', () => {
  it.each([4, 5, 6, 7, 8, 9])('gives a Hamiltonian cycle within 1.5 × the optimum on %i random points', (n) => {
    for (let seed = 1; seed <= 6; seed++) {
      const w = points(n, seed * 100 + n)
      const tour = christofidesTour(w)
      expect([...tour].sort((a, b) => a - b)).toEqual(w.map((_, i) => i))
      expect(tour[0]).toBe(0)
      expect(tourLength(tour, w)).toBeLessThanOrEqual(1.5 * optimalTour(w) + 1e-9)
    }
  })

  it('visits every vertex once on larger graphs, where the matching is greedy', () => {
    const w = points(80, 7)
    const tree = minimumSpanningTree(w)
    const degree = new Map<number, number>()
    for (const v of tree.flat()) degree.set(v, (degree.get(v) ?? 0) + 1)
    expect([...degree.values()].filter((d) => d % 2 === 1).length).toBeGreaterThan(EXACT_MATCHING_MAX)
    const tour = christofidesTour(w)
    expect(new Set(tour).size).toBe(80)
    // And it stays under the double-tree bound (twice the spanning tree), as an exact matching guarantees.
    const treeWeight = tree.reduce((s, [u, v]) => s + w[u]![v]!, 0)
    expect(tourLength(tour, w)).toBeLessThanOrEqual(2 * treeWeight)
  })

  it('orders 2 and 3 vertices trivially', () => {
    expect(christofidesTour(points(2, 1))).toEqual([0, 1])
    expect(christofidesTour(points(3, 1))).toEqual([0, 1, 2])
  })
})

describe('minimum-weight perfect matching', () => {
  it('is exact up to EXACT_MATCHING_MAX vertices', () => {
    for (const k of [2, 4, 6, 8, 10]) {
      const w = points(k + 3, k)
      const vertices = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].slice(0, k)
      const pairs = minWeightPerfectMatching(vertices, w)
      expectPerfect(pairs, vertices)
      expect(weightOf(pairs, w)).toBeCloseTo(bruteMatching(vertices, w), 12)
    }
  })

  it('is perfect and cannot be improved by swapping partners of two pairs beyond it', () => {
    const k = EXACT_MATCHING_MAX + 12
    const w = points(k, 3)
    const vertices = w.map((_, i) => i)
    const pairs = minWeightPerfectMatching(vertices, w)
    expectPerfect(pairs, vertices)
    for (const [a, b] of pairs) {
      for (const [c, d] of pairs) {
        if (a === c) continue
        expect(w[a]![c]! + w[b]![d]!).toBeGreaterThanOrEqual(w[a]![b]! + w[c]![d]! - 1e-9)
        expect(w[a]![d]! + w[b]![c]!).toBeGreaterThanOrEqual(w[a]![b]! + w[c]![d]! - 1e-9)
      }
    }
  })

  it('refuses an odd number of vertices', () => {
    expect(() => minWeightPerfectMatching([0, 1, 2], points(3, 1))).toThrow(RangeError)
  })
})

describe('overlays', () => {
  it('ring: each silo sends to the next along the tour, one arc out and one in per silo', () => {
    const arcs = ringArcs(points(7, 2))
    expect(arcs).toHaveLength(7)
    expect(new Set(arcs.map((a) => a.from)).size).toBe(7)
    expect(new Set(arcs.map((a) => a.to)).size).toBe(7)
    // Following the arcs from 0 visits everyone before coming back.
    const next = new Map(arcs.map((a) => [a.from, a.to]))
    let v = 0
    for (let i = 0; i < 7; i++) v = next.get(v)!
    expect(v).toBe(0)
    expect(ringArcs(points(2, 2))).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 0 },
    ])
  })

  it('mst: the spanning tree of least weight, both ways', () => {
    // Weights on a path 0-1-2-3 are 1, everything else 5.
    const w = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 0 : Math.abs(i - j) === 1 ? 1 : 5)))
    expect(mstArcs(w)).toEqual([
      { from: 0, to: 1 },
      { from: 1, to: 0 },
      { from: 1, to: 2 },
      { from: 2, to: 1 },
      { from: 2, to: 3 },
      { from: 3, to: 2 },
    ])
  })

  it('star: everyone to and from the centre', () => {
    expect(starArcs(3, 1)).toEqual([
      { from: 1, to: 0 },
      { from: 0, to: 1 },
      { from: 1, to: 2 },
      { from: 2, to: 1 },
    ])
  })

  it('picks the star centre by betweenness in the underlay, then by closeness', () => {
    // A hub-and-spoke underlay: every shortest path between spokes crosses site 2.
    const hub = parseGml(`graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ] node [ id 3 ]
      edge [ source 0 target 2 distance 10 ] edge [ source 1 target 2 distance 10 ] edge [ source 3 target 2 distance 10 ] ]`)
    const flat = [0, 1, 2, 3].map(() => [1, 1, 1, 1])
    expect(betweennessCentre(hub, flat)).toBe(2)
    // A full mesh: nobody lies on a shortest path, so the silo with the least total latency wins.
    const mesh = parseGml(`graph [ node [ id 0 ] node [ id 1 ] node [ id 2 ]
      edge [ source 0 target 1 distance 10 ] edge [ source 1 target 2 distance 10 ] edge [ source 0 target 2 distance 10 ] ]`)
    const latency = [
      [0, 9, 9],
      [9, 0, 2],
      [9, 2, 0],
    ]
    expect(betweennessCentre(mesh, latency)).toBe(1)
    expect(closenessCentre(latency)).toBe(1)
  })
})
