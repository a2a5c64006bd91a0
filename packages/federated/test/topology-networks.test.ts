import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildTopology, topologyFromDelays } from '../src/topology/build.js'
import { cycleTime } from '../src/topology/cycle-time.js'
import { parseGml } from '../src/topology/gml.js'
import { mixingPlan, topologyState, type Topology } from '../src/topology/multigraph.js'

const read = (name: string): string => readFileSync(new URL(`../data/networks/${name}.gml`, import.meta.url), 'utf8')
const NETWORKS = ['gaia', 'amazon_us', 'geantdistance', 'exodus', 'ebone'] as const
// FEMNIST in the multigraph paper: model size (bit), compute time per round (ms), rounds.
const FEMNIST = { modelBits: 4_843_243, computeMs: 4.6, rounds: 6400 }

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b))
const lcm = (values: number[]): number => values.reduce((l, v) => (l / gcd(l, v)) * v, 1)

function checkInvariants(t: Topology): void {
  const key = (e: { from: number; to: number }): string => `${e.from}>${e.to}`
  const overlay = new Set(t.edges.map(key))
  expect(overlay.size).toBe(t.edges.length)
  expect(t.stateCount).toBe(lcm(t.edges.map((e) => e.multiplicity)))
  const dMin = Math.min(...t.edges.map((e) => e.delayMs))
  for (const e of t.edges) expect(e.multiplicity).toBe(Math.min(5, Math.round(e.delayMs / dMin)))
  // State 0 is the whole overlay and nobody is isolated in it.
  expect(topologyState(t, 0).strong.map(key)).toEqual(t.edges.map(key))
  expect(topologyState(t, 0).isolated).toEqual([])
  for (let s = 0; s < t.stateCount; s++) {
    const state = topologyState(t, s)
    for (const e of state.strong) expect(overlay.has(key(e))).toBe(true)
    expect(state.strong.length + state.weak.length).toBe(t.edges.length)
    // Isolated: exactly the silos with no strong incoming edge.
    const fed = new Set(state.strong.map((e) => e.to))
    expect(state.isolated).toEqual(t.labels.flatMap((_, v) => (fed.has(v) ? [] : [v])))
    const plan = mixingPlan(t, s)
    for (const v of state.isolated) expect(plan[v]).toEqual([{ node: v, weight: 1, model: 'current' }])
  }
}

describe('a hand-computed network, end to end', () => {
  // A — 2000 km — B — 5000 km — C, no capacities; M = 1e6 bit, Tc = 2 ms, C = 1e9 bit/s,
  // C_up = C_dn = 1e10 bit/s. One hop moves the model in 1e6 / (1e9 × 1e-3) = 1 ms; a silo
  // uploads or downloads it in 1e6 / 1e10 × 1e3 = 0.1 ms, so transfer decides max(…).
  //   d(A,B) = 2 + (0.0085 × 2000 + 4) + 1 = 24
  //   d(B,C) = 2 + (0.0085 × 5000 + 4) + 1 = 49.5
  //   d(C,A) = 2 + (0.0085 × 7000 + 4) + 2 = 67.5   (through B: 7000 km, 2 hops)
  // Ring: the only tour of 3 silos. n = 1, 2, 3 (49.5/24 = 2.06, 67.5/24 = 2.81); s_max = 6.
  // Cycle time: see topology-cycle-time.test.ts, 305617/16200 ms over 100 rounds; the plain
  // ring 47 ms; the MST (= the star, centre B) is A ⇄ B ⇄ C, whose heaviest 2-cycle is 49.5 ms.
  const net = parseGml(`graph [
    node [ id 0 label "A" ] node [ id 1 label "B" ] node [ id 2 label "C" ]
    edge [ source 0 target 1 distance 2000 ]
    edge [ source 1 target 2 distance 5000 ]
  ]`)
  const options = { modelBits: 1e6, computeMs: 2 }
  const pair = (t: Topology, a: string, b: string) => t.edges.find((e) => [t.labels[e.from], t.labels[e.to]].sort().join() === [a, b].sort().join())!

  it('gets the delays, multiplicities, states and cycle time', () => {
    const t = buildTopology(net, { ...options, overlay: 'ring' })
    expect(t.edges).toHaveLength(3)
    expect(pair(t, 'A', 'B').delayMs).toBeCloseTo(24, 10)
    expect(pair(t, 'B', 'C').delayMs).toBeCloseTo(49.5, 10)
    expect(pair(t, 'C', 'A').delayMs).toBeCloseTo(67.5, 10)
    expect([pair(t, 'A', 'B'), pair(t, 'B', 'C'), pair(t, 'C', 'A')].map((e) => e.multiplicity)).toEqual([1, 2, 3])
    expect(t.stateCount).toBe(6)
    // The silo fed by the B–C edge is isolated in odd states, the one fed by C–A when s mod 3 ≠ 0.
    const head = (a: string, b: string): number => pair(t, a, b).to
    const expectedIsolated = [0, 1, 2, 3, 4, 5].map((s) => [...(s % 2 ? [head('B', 'C')] : []), ...(s % 3 ? [head('C', 'A')] : [])].sort())
    expect([0, 1, 2, 3, 4, 5].map((s) => topologyState(t, s).isolated)).toEqual(expectedIsolated)
    expect(cycleTime(t, 100).cycleTimeMs).toBeCloseTo(305617 / 16200, 9)
    checkInvariants(t)
  })

  it('gives the plain overlays their maximum cycle mean of d', () => {
    expect(cycleTime(buildTopology(net, { ...options, overlay: 'ring', tMax: 1 })).cycleTimeMs).toBeCloseTo(47, 10)
    expect(cycleTime(buildTopology(net, { ...options, overlay: 'mst', tMax: 1 })).cycleTimeMs).toBeCloseTo(49.5, 10)
    const star = buildTopology(net, { ...options, overlay: 'star', tMax: 1 })
    expect(star.edges.filter((e) => e.from === 1).map((e) => star.labels[e.to])).toEqual(['A', 'C']) // centre B
    expect(cycleTime(star).cycleTimeMs).toBeCloseTo(49.5, 10)
  })

  it('builds the same ring from a matrix of measured delays', () => {
    const d = [
      [0, 24, 67.5],
      [24, 0, 49.5],
      [67.5, 49.5, 0],
    ]
    const t = topologyFromDelays(['A', 'B', 'C'], d, { overlay: 'ring', computeMs: 2 })
    expect(t.stateCount).toBe(6)
    expect(cycleTime(t, 100).cycleTimeMs).toBeCloseTo(305617 / 16200, 9)
    expect(topologyFromDelays(['A', 'B', 'C'], d, { overlay: 'star', computeMs: 2, tMax: 1 }).edges.filter((e) => e.from === 1)).toHaveLength(2)
  })
})

describe('the five networks of the paper, FEMNIST setting', () => {
  it.each(NETWORKS)('%s: the multigraph keeps the invariants and beats the ring it is built on', (name) => {
    const net = parseGml(read(name))
    const multi = buildTopology(net, { ...FEMNIST, overlay: 'ring' })
    checkInvariants(multi)
    const ring = buildTopology(net, { ...FEMNIST, overlay: 'ring', tMax: 1 })
    expect(ring.edges).toEqual(multi.edges.map((e) => ({ ...e, multiplicity: 1 })))
    const multiTime = cycleTime(multi, FEMNIST.rounds).cycleTimeMs
    const ringTime = cycleTime(ring, FEMNIST.rounds).cycleTimeMs
    expect(multiTime).toBeLessThan(ringTime)
    for (const overlay of ['star', 'mst'] as const) {
      const plain = buildTopology(net, { ...FEMNIST, overlay, tMax: 1 })
      expect(plain.edges).toHaveLength(2 * (net.sites.length - 1))
      expect(cycleTime(plain).cycleTimeMs).toBeGreaterThan(multiTime)
    }
  })
})
