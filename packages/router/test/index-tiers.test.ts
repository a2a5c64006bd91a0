import { describe, expect, it } from 'vitest'
import type { NodeStatus } from '@w3ai/protocol'
import { NodeIndex, createRandom, createRouter, type RoutableNode } from '../src/index.js'
import { Bucket, TIERS, tierEnds, tierHolding, type Positions } from '../src/bucket.js'

function node(i: number, over: Partial<RoutableNode> = {}): RoutableNode {
  return {
    id: `n${i}`,
    status: 'online',
    location: { lat: 50, lon: 8, region: 'eu-central' },
    capabilities: { cpuCores: 4, memoryGb: 16, gpus: [], executors: ['wasm'] },
    load: { cpuPercent: 90, runningTasks: 3, memoryUsedGb: 1 },
    reputation: 0.5,
    ...over,
  }
}

/** Every bucket's runs hold exactly the slots of their tier, in tier order, and positions point back. */
function expectTiersConsistent(index: NodeIndex): void {
  for (const region of index.regions) {
    for (const b of region.buckets) {
      if (b === undefined) continue
      expect(b.tierEnd[TIERS - 1]).toBe(b.size)
      let start = 0
      for (let t = 0; t < TIERS; t++) {
        const end = b.tierEnd[t]!
        expect(end).toBeGreaterThanOrEqual(start)
        for (let i = start; i < end; i++) expect(index.tierOf(index.ids[b.slots[i]!]!)).toBe(t)
        start = end
      }
    }
  }
}

/** The best (lowest) tier any of the nodes n0..n(count-1) is in. */
function bestTier(index: NodeIndex, count: number): number {
  let best = TIERS
  for (let i = 0; i < count; i++) {
    const t = index.tierOf(`n${i}`)
    if (t >= 0 && t < best) best = t
  }
  return best
}

describe('Bucket tiers', () => {
  it('keeps each tier one contiguous run, best first, through inserts, moves and removals', () => {
    const p: Positions = { position: new Int32Array(1000), stride: 1 }
    const tierOf = new Map<number, number>()
    const b = new Bucket()
    const rnd = createRandom(3)
    for (let step = 0; step < 5000; step++) {
      const slot = Math.floor(rnd() * 1000)
      const tier = Math.floor(rnd() * TIERS)
      const was = tierOf.get(slot)
      if (was === undefined) {
        b.insert(slot, tier, p, 0)
        tierOf.set(slot, tier)
      } else if (rnd() < 0.3) {
        b.remove(p.position[slot]!, was, p, 0)
        tierOf.delete(slot)
      } else {
        b.move(p.position[slot]!, was, tier, p, 0)
        tierOf.set(slot, tier)
      }
    }
    expect(b.size).toBe(tierOf.size)
    let start = 0
    for (let t = 0; t < TIERS; t++) {
      for (let i = start; i < b.tierEnd[t]!; i++) {
        expect(tierOf.get(b.slots[i]!)).toBe(t)
        expect(p.position[b.slots[i]!]).toBe(i)
      }
      start = b.tierEnd[t]!
    }
    expect(start).toBe(b.size)
  })

  it('chooses the fewest best tiers that hold the minimum over all buckets', () => {
    const p: Positions = { position: new Int32Array(100), stride: 1 }
    const a = new Bucket()
    const c = new Bucket()
    for (let i = 0; i < 10; i++) a.insert(i, i < 3 ? 0 : 5, p, 0)
    for (let i = 10; i < 30; i++) c.insert(i, i < 12 ? 0 : i < 20 ? 2 : 7, p, 0)
    expect(tierHolding([a, c], 2, 5)).toBe(0)
    expect(tierHolding([a, c], 2, 6)).toBe(2)
    expect(tierHolding([a, c], 2, 1000)).toBe(TIERS - 1)
    const ends = new Int32Array(2)
    expect(tierEnds([a, c], 2, 0, ends)).toBe(5)
    expect([...ends]).toEqual([3, 5])
    expect(tierEnds([a, c], 2, 2, ends)).toBe(13)
    expect([...ends]).toEqual([3, 13])
    expect(tierEnds([a, c], 2, TIERS - 1, ends)).toBe(30)
  })
})

describe('NodeIndex quality tiers', () => {
  it('puts idle, reputable, cheap nodes in the best tier and busy ones in the worst', () => {
    const index = new NodeIndex()
    for (let i = 1; i < 1000; i++) index.upsert(node(i, { load: { cpuPercent: i % 100, runningTasks: 0 } }))
    index.upsert(node(0, { load: { cpuPercent: 0, runningTasks: 0 }, reputation: 1, price: 0.01 }))
    for (let i = 1; i < 1000; i++) index.updateLoad(`n${i}`, { cpuPercent: i % 100, runningTasks: 0 })
    // Tiers are fleet shares (the best 0.05%, 0.1%, ...): of 1,000 nodes the lone best is in the best tier that holds one.
    expect(index.tierOf('n0')).toBe(bestTier(index, 1000))
    expect(index.tierOf('n0')).toBeLessThan(index.tierOf('n5'))
    expect(index.tierOf('n5')).toBeLessThan(index.tierOf('n50'))
    expect(index.tierOf('n50')).toBe(TIERS - 1)
    expectTiersConsistent(index)
  })

  it('moves a node between tiers on load updates and out of the buckets while offline', () => {
    const index = new NodeIndex()
    for (let i = 0; i < 1000; i++) index.upsert(node(i))
    index.upsert(node(1000, { load: { cpuPercent: 0, runningTasks: 0 }, reputation: 1, price: 0 }))
    for (let i = 0; i < 1000; i++) index.updateLoad(`n${i}`, { cpuPercent: 90, runningTasks: 3 })
    const best = index.tierOf('n1000')
    expect(best).toBe(bestTier(index, 1001))
    expect(best).toBeLessThan(TIERS - 1)
    index.updateLoad('n1000', { cpuPercent: 100, runningTasks: 40 })
    expect(index.tierOf('n1000')).toBe(TIERS - 1)
    index.setStatus('n1000', 'offline')
    expect(index.tierOf('n1000')).toBe(-1)
    index.updateLoad('n1000', { cpuPercent: 0, runningTasks: 0 })
    index.setStatus('n1000', 'online')
    expect(index.tierOf('n1000')).toBe(bestTier(index, 1001))
    expect(index.tierOf('n1000')).toBeLessThan(TIERS - 1)
    expectTiersConsistent(index)
  })

  it('stays consistent through thousands of random upserts, loads, statuses, prices and removals', () => {
    const index = new NodeIndex()
    const rnd = createRandom(11)
    const statuses: NodeStatus[] = ['online', 'suspect', 'offline']
    for (let step = 0; step < 20_000; step++) {
      const i = Math.floor(rnd() * 500)
      const op = rnd()
      if (op < 0.2) {
        index.upsert(node(i, {
          status: statuses[Math.floor(rnd() * 3)]!,
          location: { lat: 0, lon: 0, region: rnd() < 0.5 ? 'a' : 'b' },
          capabilities: { cpuCores: 1 + Math.floor(rnd() * 16), memoryGb: 1 + rnd() * 300, gpus: [], executors: rnd() < 0.5 ? ['wasm'] : ['wasm', 'onnx', 'train'] },
        }))
      } else if (op < 0.6) index.updateLoad(`n${i}`, { cpuPercent: rnd() * 100, runningTasks: Math.floor(rnd() * 8) })
      else if (op < 0.75) index.setStatus(`n${i}`, statuses[Math.floor(rnd() * 3)]!)
      else if (op < 0.85) index.setPrice(`n${i}`, rnd() < 0.2 ? undefined : rnd() * 3)
      else if (op < 0.95) index.setReputation(`n${i}`, rnd())
      else index.remove(`n${i}`)
    }
    expectTiersConsistent(index)
  })
})

describe('Router placement over quality tiers', () => {
  const fleet = (r: ReturnType<typeof createRouter>, n: number): void => {
    for (let i = 0; i < n; i++) r.upsert(node(i, { load: { cpuPercent: 60 + (i % 40), runningTasks: 2 + (i % 3), memoryUsedGb: 1 } }))
  }

  it('finds the one best node of 20,000 when it is in a top tier (a uniform sample of 32 would miss it)', () => {
    const r = createRouter({ random: createRandom(1), epsilon: 0 })
    fleet(r, 20_000)
    r.upsert(node(20_000, { load: { cpuPercent: 1, runningTasks: 0 }, reputation: 1, price: 0.01 }))
    for (let k = 0; k < 50; k++) expect(r.place({ executor: 'wasm' })?.nodeId).toBe('n20000')
    expect(r.place({ executor: 'wasm' })?.score).toBeCloseTo(r.placeExhaustive({ executor: 'wasm' })!.score, 6)
  })

  it('respects exclusions and capabilities: the best tier holds the excluded or unfit, the next best is chosen', () => {
    const r = createRouter({ random: createRandom(2), epsilon: 0 })
    fleet(r, 20_000)
    // Ten idle 2-core nodes fill the best tier; one idle 32-core node is a little worse (lower reputation).
    for (let i = 0; i < 10; i++) r.upsert(node(30_000 + i, { capabilities: { cpuCores: 2, memoryGb: 16, gpus: [], executors: ['wasm'] }, load: { cpuPercent: 0, runningTasks: 0 }, reputation: 1, price: 0.01 }))
    r.upsert(node(40_000, { capabilities: { cpuCores: 32, memoryGb: 16, gpus: [], executors: ['wasm'] }, load: { cpuPercent: 5, runningTasks: 0 }, reputation: 0.9, price: 0.01 }))
    expect(r.place({ executor: 'wasm', cpuCores: 16 })?.nodeId).toBe('n40000')
    const top = Array.from({ length: 10 }, (_, i) => `n${30_000 + i}`)
    expect(top).toContain(r.place({ executor: 'wasm' })?.nodeId)
    expect(r.place({ executor: 'wasm' }, { exclude: top })?.nodeId).toBe('n40000')
    // A GPU task never lands on the CPU-only best nodes.
    r.upsert(node(50_000, { capabilities: { cpuCores: 8, memoryGb: 32, gpus: [{ model: 'g', memoryGb: 24 }], executors: ['wasm'] } }))
    expect(r.place({ executor: 'wasm', gpus: 1, gpuMemoryGb: 16 })?.nodeId).toBe('n50000')
  })

  it('still explores: exploring placements sample the whole pool, where little-known nodes are', () => {
    const r = createRouter({ random: createRandom(4), epsilon: 1 })
    fleet(r, 2000)
    const seen = new Set<string>()
    for (let k = 0; k < 200; k++) {
      const p = r.place({ executor: 'wasm' })!
      seen.add(p.nodeId)
      r.recordOutcome(p.nodeId, { ok: true, durationMs: 100 })
    }
    expect(seen.size).toBeGreaterThan(100)
  })
})
