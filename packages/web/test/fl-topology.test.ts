import { cycleTime, topologyFromDelays } from '@w3ai/federated/topology'
import { describe, expect, it } from 'vitest'
import { layoutTopology, stateForRound, topologyOf } from '../src/fl/topology.js'
import { makeTraining, RING } from './fl-fixtures.js'

describe('federated topology on the dashboard', () => {
  it('reads the topology a training reports and refuses malformed ones', () => {
    expect(topologyOf({ topology: RING })).toEqual(RING)
    expect(topologyOf({})).toBeNull()
    expect(topologyOf({ topology: { ...RING, edges: [{ from: 0, to: 7, delayMs: 1, multiplicity: 1 }] } })).toBeNull()
    expect(topologyOf({ topology: { ...RING, stateCount: 0 } })).toBeNull()
    expect(topologyOf({ topology: { ...RING, labels: [] } })).toBeNull()
  })

  it('reads the topology the hub sends with a decentralized training: as @w3ai/federated builds it, with its cycle time, over JSON', () => {
    // The hub builds a silo topology from delays the same way and adds cycleTimeMs.
    const delays = [[0, 14, 60, 90], [14, 0, 20, 70], [60, 20, 0, 16], [90, 70, 16, 0]]
    const built = topologyFromDelays(['n_a/d-0', 'n_b/d-1', 'n_c/d-2', 'n_d/d-3'], delays, { overlay: 'ring', computeMs: 10, tMax: 5 })
    const sent = JSON.parse(JSON.stringify({ ...makeTraining(1, { config: { model: {}, datasets: ['d-0'], rounds: 5, mode: 'decentralized' } }), topology: { ...built, cycleTimeMs: cycleTime(built).cycleTimeMs } })) as object
    const read = topologyOf(sent)
    expect(read).toEqual({ ...built, cycleTimeMs: cycleTime(built).cycleTimeMs })
    expect(read!.cycleTimeMs).toBeGreaterThan(0)
    expect(topologyOf({ topology: { ...built, cycleTimeMs: 'fast' } })).toEqual(built)
    expect(read!.stateCount).toBeGreaterThan(1)
    expect(topologyOf(JSON.parse(JSON.stringify(makeTraining(2))) as object)).toBeNull()
  })

  it('runs round 1 in state 0 (the whole overlay) and cycles through the states', () => {
    expect([1, 2, 6, 7, 8].map((r) => stateForRound(RING, r))).toEqual([0, 1, 5, 0, 1])
  })

  it('draws strong and weak edges and marks the silos with no strong incoming edge', () => {
    const whole = layoutTopology(RING, 0)
    expect([whole.strongCount, whole.weakCount, whole.isolated]).toEqual([3, 0, []])
    const one = layoutTopology(RING, 1)
    expect(one.edges.filter((e) => e.strong).map((e) => [e.edge.from, e.edge.to])).toEqual([[0, 1]])
    expect(one.isolated).toEqual([0, 2])
    expect(one.nodes.map((n) => n.isolated)).toEqual([true, false, true])
  })

  it('puts silos on a circle inside the box, a star’s centre in the middle, and arrows between rims', () => {
    const layout = layoutTopology(RING, 0, 360)
    const radii = layout.nodes.map((n) => Math.hypot(n.x - 180, n.y - 180))
    for (const r of radii) expect(r).toBeCloseTo(radii[0]!, 6)
    for (const n of layout.nodes) expect([n.x, n.y].every((v) => v > 0 && v < 360)).toBe(true)
    expect(layout.nodes[0]!.y).toBeLessThan(180) // the first silo at the top
    for (const e of layout.edges) expect(e.path).toMatch(/^M[\d.]+ [\d.]+ Q[\d.]+ [\d.]+ [\d.]+ [\d.]+$/)

    const star = { labels: ['a', 'hub', 'b', 'c'], overlay: 'star' as const, computeMs: 1, stateCount: 1, edges: [0, 2, 3].flatMap((i) => [{ from: i, to: 1, delayMs: 1, multiplicity: 1 }, { from: 1, to: i, delayMs: 1, multiplicity: 1 }]) }
    const centre = layoutTopology(star, 0, 360).nodes[1]!
    expect([centre.x, centre.y]).toEqual([180, 180])
  })
})
