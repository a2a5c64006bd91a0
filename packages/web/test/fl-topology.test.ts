import { describe, expect, it } from 'vitest'
import { layoutTopology, stateForRound, topologyOf } from '../src/fl/topology.js'
import { RING } from './fl-fixtures.js'

describe('federated topology on the dashboard', () => {
  it('reads the topology a training reports and refuses malformed ones', () => {
    expect(topologyOf({ topology: RING })).toEqual(RING)
    expect(topologyOf({})).toBeNull()
    expect(topologyOf({ topology: { ...RING, edges: [{ from: 0, to: 7, delayMs: 1, multiplicity: 1 }] } })).toBeNull()
    expect(topologyOf({ topology: { ...RING, stateCount: 0 } })).toBeNull()
    expect(topologyOf({ topology: { ...RING, labels: [] } })).toBeNull()
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
