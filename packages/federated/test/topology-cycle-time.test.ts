import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { cycleTime } from '../src/topology/cycle-time.js'
import { maxCycleMean, type WeightedArc } from '../src/topology/max-cycle-mean.js'
import { multigraph } from '../src/topology/multigraph.js'

/** The largest mean over every simple directed cycle, by enumerating them (small graphs only). */
function bruteMaxCycleMean(n: number, arcs: WeightedArc[]): number {
  let best = -Infinity
  const walk = (start: number, v: number, sum: number, length: number, seen: Set<number>): void => {
    for (const a of arcs) {
      if (a.from !== v) continue
      if (a.to === start) best = Math.max(best, (sum + a.weight) / (length + 1))
      else if (a.to > start && !seen.has(a.to)) walk(start, a.to, sum + a.weight, length + 1, new Set([...seen, a.to]))
    }
  }
  for (let s = 0; s < n; s++) walk(s, s, 0, 0, new Set([s]))
  return best
}

describe("Karp's maximum cycle mean", () => {
  it('finds the heavier of two cycles through a shared vertex', () => {
    // 0 ⇄ 1 with weights 1 and 3 (mean 2); 0 → 2 → 3 → 0 with 3 each (mean 3).
    const arcs = [
      { from: 0, to: 1, weight: 1 },
      { from: 1, to: 0, weight: 3 },
      { from: 0, to: 2, weight: 3 },
      { from: 2, to: 3, weight: 3 },
      { from: 3, to: 0, weight: 3 },
    ]
    expect(maxCycleMean(4, arcs)).toBe(3)
  })

  it('reads a self-loop as a cycle of one arc, and a graph without cycles as -Infinity', () => {
    expect(maxCycleMean(2, [{ from: 1, to: 1, weight: 5 }, { from: 0, to: 1, weight: 100 }])).toBe(5)
    expect(maxCycleMean(3, [{ from: 0, to: 1, weight: 1 }, { from: 1, to: 2, weight: 1 }])).toBe(-Infinity)
  })

  it('finds cycles that vertex 0 cannot reach (each strongly connected component separately)', () => {
    const arcs = [
      { from: 1, to: 0, weight: 50 },
      { from: 0, to: 0, weight: 1 },
      { from: 1, to: 2, weight: 7 },
      { from: 2, to: 1, weight: 9 },
    ]
    expect(maxCycleMean(3, arcs)).toBe(8)
  })

  it('gives a ring the mean of its arcs, and a two-way tree its heaviest edge', () => {
    const ring = [4, 8, 15, 16, 23, 42].map((weight, i) => ({ from: i, to: (i + 1) % 6, weight }))
    expect(maxCycleMean(6, ring)).toBeCloseTo(108 / 6, 12)
    const tree = [
      { from: 0, to: 1, weight: 3 },
      { from: 1, to: 0, weight: 5 },
      { from: 1, to: 2, weight: 7 },
      { from: 2, to: 1, weight: 1 },
    ]
    expect(maxCycleMean(3, tree)).toBe(4)
  })

  it('agrees with enumerating every cycle on random digraphs', () => {
    const random = seededRandom(42)
    for (let trial = 0; trial < 40; trial++) {
      const n = 2 + Math.floor(random() * 5)
      const arcs: WeightedArc[] = []
      for (let u = 0; u < n; u++) for (let v = 0; v < n; v++) if (random() < 0.45) arcs.push({ from: u, to: v, weight: Math.round(random() * 200 - 50) / 4 })
      const expected = bruteMaxCycleMean(n, arcs)
      if (expected === -Infinity) expect(maxCycleMean(n, arcs)).toBe(-Infinity)
      else expect(maxCycleMean(n, arcs)).toBeCloseTo(expected, 9)
    }
  })
})

describe('cycle time', () => {
  // The ring A → B → C → A with d = 24, 49.5, 67.5 ms, Tc = 2 ms, multiplicities 1, 2, 3 (s_max 6).
  // In a ring the only cycle is the ring, so tau_k = (sum of D_k over strong edges) / 3.
  const ring = (tMax: number) =>
    multigraph(
      ['A', 'B', 'C'],
      'ring',
      [
        { from: 0, to: 1, delayMs: 24 },
        { from: 1, to: 2, delayMs: 49.5 },
        { from: 2, to: 0, delayMs: 67.5 },
      ],
      { tMax, computeMs: 2 },
    )

  it('follows the D_k recurrences round by round', () => {
    // k=0 (state 0): all strong: tau = (24 + 49.5 + 67.5) / 3 = 47.
    // k=1 (state 1): only AB strong: tau = 24 / 3 = 8; BC and CA turn weak: D = 8 each.
    // k=2 (state 2): BC back: max(2, 49.5 - 8) = 41.5; tau = (24 + 41.5) / 3 = 131/6; CA weak again: D = 131/6 + 8 = 179/6.
    // k=3 (state 3): CA back: 67.5 - 179/6 = 113/3; tau = (24 + 113/3) / 3 = 185/9; BC weak: D = 185/9.
    // k=4 (state 4): BC back: 49.5 - 185/9 = 521/18; tau = (24 + 521/18) / 3 = 953/54; CA weak: D = 953/54.
    // k=5 (state 5): only AB: tau = 8; BC weak: D = 8; CA weak again: D = 8 + 953/54 = 1385/54.
    // k=6 (state 0): BC back: 41.5; CA back: 67.5 - 1385/54 = 1130/27; tau = (24 + 41.5 + 1130/27) / 3 = 5797/162.
    // k=7: as k=1 (every edge just turned weak gets tau = 8 again), so rounds 1..6 repeat from here.
    const { roundTimesMs } = cycleTime(ring(5), 8)
    const expected = [47, 8, 131 / 6, 185 / 9, 953 / 54, 8, 5797 / 162, 8]
    roundTimesMs.forEach((tau, k) => expect(tau, `round ${k}`).toBeCloseTo(expected[k]!, 10))
  })

  it('averages tau_k over the rounds', () => {
    // 7 rounds: (47 + 8 + 131/6 + 185/9 + 953/54 + 8 + 5797/162) / 7 = 25729/1134.
    expect(cycleTime(ring(5), 7).cycleTimeMs).toBeCloseTo(25729 / 1134, 10)
    // 100 rounds: round 0, 16 periods of rounds 1..6, then rounds 97..99 (8, 131/6, 185/9) = 305617/16200.
    expect(cycleTime(ring(5), 100).cycleTimeMs).toBeCloseTo(305617 / 16200, 10)
  })

  it('is the maximum cycle mean of d for a plain overlay (no weak edges)', () => {
    const plain = cycleTime(ring(1), 10)
    expect(plain.cycleTimeMs).toBeCloseTo(47, 12)
    expect(plain.roundTimesMs).toHaveLength(10)
    expect(cycleTime(ring(5), 1).cycleTimeMs).toBeCloseTo(47, 12)
  })

  it('accumulates time on weak edges, and a returning edge takes max(Tc, d - D) (never less than the compute time)', () => {
    // A 2-ring with d = 10 and 100, Tc = 9: the slow edge (n = 5) is weak 4 rounds in 5.
    const t = multigraph(
      ['x', 'y'],
      'ring',
      [
        { from: 0, to: 1, delayMs: 10 },
        { from: 1, to: 0, delayMs: 100 },
      ],
      { tMax: 5, computeMs: 9 },
    )
    // k=1..4: tau = 10/2 = 5, the weak edge accumulates 5, 10, 15, 20; k=5: max(9, 100 - 20) = 80.
    expect(cycleTime(t, 6).roundTimesMs).toEqual([55, 5, 5, 5, 5, 45])
    const fast = multigraph(['x', 'y'], 'ring', [{ from: 0, to: 1, delayMs: 10 }, { from: 1, to: 0, delayMs: 30 }], { tMax: 5, computeMs: 9 })
    // n = 3; k=1,2: tau = 5, weak edge 5 then 10; k=3: max(9, 30 - 10) = 20 → tau 15.
    expect(cycleTime(fast, 4).roundTimesMs).toEqual([20, 5, 5, 15])
    const slowCompute = multigraph(['x', 'y'], 'ring', [{ from: 0, to: 1, delayMs: 10 }, { from: 1, to: 0, delayMs: 20 }], { tMax: 5, computeMs: 12 })
    // n = 2; k=1: tau = 5, weak edge D = 5; k=2: max(12, 20 - 5 = 15) = 15. With Tc = 18: max(18, 15) = 18.
    expect(cycleTime(slowCompute, 3).roundTimesMs).toEqual([15, 5, 12.5])
    const slower = { ...slowCompute, computeMs: 18 }
    expect(cycleTime(slower, 3).roundTimesMs).toEqual([15, 5, 14])
  })

  it('refuses a round count out of range', () => {
    expect(() => cycleTime(ring(5), 0)).toThrow(/rounds must be an integer/)
    expect(() => cycleTime(ring(5), 1.5)).toThrow(/rounds must be an integer/)
  })
})
