import type { FederatedClient } from '@w3ai/sdk'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { config, dataset, fakeNode, ownerHub, stopNodes, type FakeNode } from './federated-kit.js'
import { codeOf, type TestHub } from './helpers.js'

/** Decentralized trainings: no aggregator; each silo averages its neighbours' models as the topology plans, through the hub as a relay. */
describe('decentralized federated rounds', { timeout: 90_000 }, () => {
  let t: TestHub
  let nodes: FakeNode[] = []
  let fl: FederatedClient

  beforeAll(async () => {
    ;({ t, fl } = await ownerHub())
  })
  afterEach(async () => {
    nodes = await stopNodes(nodes)
  })
  afterAll(async () => t?.close())

  it('averages over a ring: every silo mixes 0.7 of its own model with 0.3 of its ring neighbour\'s, then trains', async () => {
    nodes = await Promise.all([1, 2, 3, 4].map((offset, i) => fakeNode(t.hub.url, [dataset(`g-${i}`, 10)], offset)))
    const names = nodes.map((_, i) => `g-${i}`)
    const created = await fl.create(config({ datasets: names, evaluation: undefined, rounds: 3, mode: 'decentralized', topology: { arch: 'ring' } }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.status).toBe('succeeded')
    // The owner sees the silos' topology: a ring over the four clients, every edge strong each round.
    expect(done.topology).toMatchObject({ overlay: 'ring', computeMs: 10, stateCount: 1 })
    expect([...done.topology!.labels].sort()).toEqual([...created.clients.map((c) => c.id)].sort())
    expect(done.topology!.edges).toHaveLength(4)
    for (const e of done.topology!.edges) expect(e).toEqual({ from: expect.any(Number), to: expect.any(Number), delayMs: expect.any(Number), multiplicity: 1 })
    // With every multiplicity 1 the cycle time is the ring's maximum cycle mean: its mean edge delay here.
    const mean = done.topology!.edges.reduce((sum, e) => sum + e.delayMs, 0) / 4
    expect(done.topology!.cycleTimeMs).toBeCloseTo(mean, 6)
    expect(done.rounds.map((r) => [r.participants, r.dropouts])).toEqual([[4, 0], [4, 0], [4, 0]])
    // A ring's mixing is doubly stochastic: the silos' mean moves by the mean offset, 2.5, each round.
    const { parameters } = await fl.parameters(done.id)
    expect(parameters[0]?.[0]).toBeCloseTo(7.5, 4)
    for (const node of nodes) {
      const mixes = node.seen.filter((w) => w.kind === 'train').map((w) => (w.message as { mix: Array<{ weight: number }> }).mix.map((m) => m.weight))
      expect(mixes).toEqual([[0.7, expect.closeTo(0.3, 9)], [0.7, expect.closeTo(0.3, 9)], [0.7, expect.closeTo(0.3, 9)]])
    }
  })

  it('follows the multigraph: slow edges are weak in some rounds, leaving silos that average with nobody then', async () => {
    // Three silos close together and one far away: the far silo's edges are slow and get multiplicities.
    const places = [{ lat: 50, lon: 8 }, { lat: 50.1, lon: 8.1 }, { lat: 50.2, lon: 8 }, { lat: -33.9, lon: 151.2 }]
    nodes = await Promise.all(places.map((p, i) => fakeNode(t.hub.url, [dataset(`m-${i}`, 10)], i + 1, 50, p)))
    const names = nodes.map((_, i) => `m-${i}`)
    const created = await fl.create(config({ datasets: names, evaluation: undefined, rounds: 4, mode: 'decentralized', topology: { arch: 'multigraph', tMax: 5, computeMs: 0 } }))
    const done = await fl.wait(created.id, { intervalMs: 100 })
    expect(done.status).toBe('succeeded')
    expect(done.topology!.stateCount).toBeGreaterThan(1)
    expect(done.topology!.edges.some((e) => e.multiplicity > 1)).toBe(true)
    expect(done.topology!.cycleTimeMs).toBeGreaterThan(0)
    // What each silo was told to average, round by round.
    const byDataset = new Map(nodes.map((n, i) => [`m-${i}`, n.seen.filter((w) => w.kind === 'train')]))
    const weights = names.map((name) => byDataset.get(name)!.map((w) => (w.message as { mix: Array<{ weight: number }> }).mix.map((m) => m.weight)))
    expect(weights.every((rounds) => rounds.length === 4)).toBe(true)
    // Somewhere a silo averages with nobody (isolated: its own model, weight 1) while others mix.
    expect(weights.flat().some((w) => w.length === 1 && w[0] === 1)).toBe(true)
    expect(weights.flat().some((w) => w.length > 1)).toBe(true)
  })

  it('refuses secure aggregation, dp or a bad topology in decentralized mode, and a topology in central mode', async () => {
    nodes = await Promise.all([0, 1].map((i) => fakeNode(t.hub.url, [dataset(`x-${i}`, 10)], 1)))
    const base = config({ datasets: ['x-0', 'x-1'], evaluation: undefined, mode: 'decentralized' })
    expect(await codeOf(fl.create({ ...base, secure: 'secagg+' }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, dp: { noiseMultiplier: 1, clippingNorm: 1 } }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, topology: { arch: 'torus' } }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, topology: { arch: 'multigraph', tMax: 11 } }))).toBe('FL_BAD_CONFIG')
    expect(await codeOf(fl.create({ ...base, mode: 'central', topology: { arch: 'ring' } }))).toBe('FL_BAD_CONFIG')
  })
})
