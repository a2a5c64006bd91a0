import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { isStrong, mixingPlan, multigraph, stateOfRound, topologyState, type Topology } from '../src/topology/multigraph.js'

// A ring A → B → C → A with delays 24, 49.5 and 67.5 ms (the hand-computed network of
// topology-cycle-time.test.ts). d_min = 24, so n = round(24/24) = 1, round(49.5/24 = 2.06) = 2,
// round(67.5/24 = 2.81) = 3, and s_max = lcm(1, 2, 3) = 6.
const A = 0
const B = 1
const C = 2
const ring = (tMax = 5): Topology =>
  multigraph(
    ['A', 'B', 'C'],
    'ring',
    [
      { from: A, to: B, delayMs: 24 },
      { from: B, to: C, delayMs: 49.5 },
      { from: C, to: A, delayMs: 67.5 },
    ],
    { tMax, computeMs: 2 },
  )

const names = (t: Topology, nodes: number[]): string[] => nodes.map((v) => t.labels[v]!)
const strongNames = (t: Topology, s: number): string[] => topologyState(t, s).strong.map((e) => `${t.labels[e.from]}>${t.labels[e.to]}`)

describe('multigraph', () => {
  it('gives each edge n(e) = min(t_max, round(d(e) / d_min)) and s_max = lcm of them', () => {
    const t = ring()
    expect(t.edges.map((e) => e.multiplicity)).toEqual([1, 2, 3])
    expect(t.stateCount).toBe(6)
    expect(ring(2).edges.map((e) => e.multiplicity)).toEqual([1, 2, 2])
    expect(ring(2).stateCount).toBe(2)
    expect(ring(1).stateCount).toBe(1)
  })

  it('makes edge e strong in state s iff s mod n(e) = 0; state 0 is the whole overlay', () => {
    const t = ring()
    expect([0, 1, 2, 3, 4, 5].map((s) => strongNames(t, s))).toEqual([
      ['A>B', 'B>C', 'C>A'],
      ['A>B'],
      ['A>B', 'B>C'],
      ['A>B', 'C>A'],
      ['A>B', 'B>C'],
      ['A>B'],
    ])
    expect(topologyState(t, 1).weak.map((e) => e.multiplicity)).toEqual([2, 3])
    expect(isStrong(t.edges[2]!, 3)).toBe(true)
  })

  it('isolates the silos with no strong incoming edge', () => {
    const t = ring()
    expect([0, 1, 2, 3, 4, 5].map((s) => names(t, topologyState(t, s).isolated))).toEqual([[], ['A', 'C'], ['A'], ['C'], ['A'], ['A', 'C']])
  })

  it('cycles the states with the rounds', () => {
    const t = ring()
    expect([0, 1, 5, 6, 13].map((k) => stateOfRound(t, k))).toEqual([0, 1, 5, 0, 1])
    expect(() => stateOfRound(t, -1)).toThrow(RangeError)
  })

  it('plans the averaging: self 0.7, strong neighbours share 0.3, isolated silos keep their own model', () => {
    const t = ring()
    expect(mixingPlan(t, 0)).toEqual([
      [
        { node: A, weight: 0.7, model: 'current' },
        { node: C, weight: 0.3, model: 'current' },
      ],
      [
        { node: B, weight: 0.7, model: 'current' },
        { node: A, weight: 0.3, model: 'current' },
      ],
      [
        { node: C, weight: 0.7, model: 'current' },
        { node: B, weight: 0.3, model: 'current' },
      ],
    ])
    // Round 1 (state 1): only A → B is strong; A and C train alone.
    expect(mixingPlan(t, 1)).toEqual([[{ node: A, weight: 1, model: 'current' }], [{ node: B, weight: 0.7, model: 'current' }, { node: A, weight: 0.3, model: 'current' }], [{ node: C, weight: 1, model: 'current' }]])
  })

  it("uses a neighbour's previous model over an edge that was weak in the previous round", () => {
    const t = ring()
    // Round 2 (state 2): B → C is strong again after being weak in state 1.
    expect(mixingPlan(t, 2)[C]).toEqual([
      { node: C, weight: 0.7, model: 'current' },
      { node: B, weight: 0.3, model: 'previous' },
    ])
    // Round 6 (state 0): C → A comes back after two weak rounds, B → C after one; A → B never left.
    const plan = mixingPlan(t, 6)
    expect(plan[A]![1]).toEqual({ node: C, weight: 0.3, model: 'previous' })
    expect(plan[B]![1]).toEqual({ node: A, weight: 0.3, model: 'current' })
    expect(plan[C]![1]).toEqual({ node: B, weight: 0.3, model: 'previous' })
  })

  it('splits the neighbour share equally and every plan row sums to 1', () => {
    const star = multigraph(
      ['hub', 'x', 'y', 'z'],
      'star',
      [1, 2, 3].flatMap((v) => [
        { from: 0, to: v, delayMs: 10 * v },
        { from: v, to: 0, delayMs: 10 * v },
      ]),
      { tMax: 5, computeMs: 1 },
    )
    expect(star.stateCount).toBe(6)
    for (let k = 0; k < 12; k++) {
      for (const row of mixingPlan(star, k)) expect(row.reduce((s, term) => s + term.weight, 0)).toBeCloseTo(1, 12)
    }
    const hub = mixingPlan(star, 0)[0]!
    expect(hub.map((term) => term.node)).toEqual([0, 1, 2, 3])
    for (const term of hub.slice(1)) expect(term.weight).toBeCloseTo(0.1, 15)
  })

  it('refuses bad settings and delays', () => {
    const arcs = [
      { from: 0, to: 1, delayMs: 1 },
      { from: 1, to: 0, delayMs: 1 },
    ]
    const fail = (fn: () => unknown): string => {
      try {
        fn()
      } catch (err) {
        if (err instanceof W3aiError) return err.code
      }
      return 'none'
    }
    expect(fail(() => multigraph(['a', 'b'], 'ring', arcs, { tMax: 0, computeMs: 1 }))).toBe('FL_BAD_CONFIG')
    expect(fail(() => multigraph(['a', 'b'], 'ring', arcs, { tMax: 11, computeMs: 1 }))).toBe('FL_BAD_CONFIG')
    expect(fail(() => multigraph(['a', 'b'], 'ring', arcs, { tMax: 2.5, computeMs: 1 }))).toBe('FL_BAD_CONFIG')
    expect(fail(() => multigraph(['a', 'b'], 'ring', [{ from: 0, to: 1, delayMs: 0 }], { tMax: 5, computeMs: 1 }))).toBe('FL_BAD_TOPOLOGY')
    expect(fail(() => multigraph(['a', 'b'], 'ring', [], { tMax: 5, computeMs: 1 }))).toBe('FL_BAD_TOPOLOGY')
  })
})
