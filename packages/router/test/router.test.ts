import { describe, expect, it } from 'vitest'
import type { Executor } from '@w3ai/protocol'
import { Router, createRandom, createRouter, haversineKm, type RoutableNode, type RouterOptions, type TaskRequirements } from '../src/index.js'

const REGIONS = { 'eu-west': [51.5, -0.1], 'us-east': [38.9, -77.0], 'ap-northeast': [35.7, 139.7] } as const
type RegionName = keyof typeof REGIONS

function node(id: string, over: Partial<RoutableNode> & { region?: RegionName } = {}): RoutableNode {
  const region = over.region ?? 'eu-west'
  const [lat, lon] = REGIONS[region]
  return {
    id,
    status: 'online',
    location: { lat, lon, region },
    capabilities: { cpuCores: 8, memoryGb: 16, gpus: [], executors: ['wasm', 'onnx'] },
    load: { cpuPercent: 10, runningTasks: 0, memoryUsedGb: 0 },
    ...over,
  }
}

function router(options: RouterOptions = {}): Router {
  return createRouter({ random: createRandom(1), epsilon: 0, ...options })
}

/** A varied fleet: executors, memory, GPUs, regions, statuses, reputations, prices, load. */
function variedFleet(count: number, seed: number): RoutableNode[] {
  const rnd = createRandom(seed)
  const executors: Executor[] = ['onnx', 'train', 'wasm', 'he']
  const names = Object.keys(REGIONS) as RegionName[]
  return Array.from({ length: count }, (_, i) => {
    const region = names[Math.floor(rnd() * names.length)]!
    const memoryGb = [2, 4, 8, 16, 32, 64, 256][Math.floor(rnd() * 7)]!
    return node(`n${i}`, {
      region,
      status: rnd() < 0.8 ? 'online' : rnd() < 0.5 ? 'suspect' : 'offline',
      capabilities: {
        cpuCores: [1, 2, 4, 8, 32][Math.floor(rnd() * 5)]!,
        memoryGb,
        gpus: rnd() < 0.25 ? Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({ model: 'g', memoryGb: [8, 16, 24, 80][Math.floor(rnd() * 4)]! })) : [],
        executors: executors.filter(() => rnd() < 0.5),
      },
      load: { cpuPercent: rnd() * 100, runningTasks: Math.floor(rnd() * 8), memoryUsedGb: rnd() * memoryGb },
      audit: { score: rnd(), passed: 1, failed: 0 },
      ...(rnd() < 0.5 ? { price: rnd() * 3 } : {}),
    })
  })
}

function satisfies(n: RoutableNode, task: TaskRequirements, excluded: ReadonlySet<string>): boolean {
  const c = n.capabilities
  const gpus = c.gpus.filter((g) => g.memoryGb >= (task.gpuMemoryGb ?? 0))
  return (
    n.status === 'online' &&
    !excluded.has(n.id) &&
    c.executors.includes(task.executor) &&
    c.memoryGb - (n.load?.memoryUsedGb ?? 0) >= (task.memoryGb ?? 0) - 1e-3 &&
    c.cpuCores >= (task.cpuCores ?? 0) &&
    (task.gpus ?? 0) <= (task.gpus ? gpus.length : c.gpus.length + 1) &&
    (task.minReputation === undefined || (n.audit?.score ?? 0.5) >= task.minReputation - 1e-6) &&
    (task.maxPrice === undefined || n.price === undefined || n.price <= task.maxPrice + 1e-6) &&
    (task.regions === undefined || task.regions.includes(n.location.region))
  )
}

describe('Router.place: hard constraints', () => {
  it('never returns an ineligible node, and finds one whenever the reference scan does', () => {
    const fleet = variedFleet(3000, 3)
    const r = router({ epsilon: 0.05 })
    for (const n of fleet) r.upsert(n)
    const byId = new Map(fleet.map((n) => [n.id, n]))
    const rnd = createRandom(9)
    const executors: Executor[] = ['onnx', 'train', 'wasm', 'he']
    let placed = 0
    for (let i = 0; i < 1500; i++) {
      const gpus = rnd() < 0.3 ? 1 + Math.floor(rnd() * 3) : 0
      const task: TaskRequirements = {
        executor: executors[Math.floor(rnd() * 4)]!,
        memoryGb: [0, 1, 4, 12, 40, 200][Math.floor(rnd() * 6)]!,
        cpuCores: rnd() < 0.2 ? 16 : 0,
        ...(gpus > 0 ? { gpus, gpuMemoryGb: [0, 16, 40][Math.floor(rnd() * 3)]! } : {}),
        ...(rnd() < 0.3 ? { minReputation: 0.6 } : {}),
        ...(rnd() < 0.3 ? { maxPrice: 1 } : {}),
        ...(rnd() < 0.2 ? { regions: ['us-east'] } : {}),
        requester: { lat: rnd() * 120 - 60, lon: rnd() * 360 - 180 },
      }
      const exclude = new Set(rnd() < 0.3 ? fleet.slice(0, 500).map((n) => n.id) : [])
      const p = r.place(task, { exclude })
      const reference = r.placeExhaustive(task, { exclude })
      if (p === undefined) {
        expect(reference).toBeUndefined()
        continue
      }
      placed++
      expect(satisfies(byId.get(p.nodeId)!, task, exclude)).toBe(true)
      expect(p.score).toBeGreaterThan(0)
      expect(p.score).toBeLessThanOrEqual(1)
    }
    expect(placed).toBeGreaterThan(300)
  })

  it('returns undefined when nothing fits', () => {
    const r = router()
    r.upsert(node('a'))
    r.upsert(node('b', { status: 'offline' }))
    expect(r.place({ executor: 'train' })).toBeUndefined()
    expect(r.place({ executor: 'wasm', memoryGb: 32 })).toBeUndefined()
    expect(r.place({ executor: 'wasm', gpus: 1 })).toBeUndefined()
    expect(r.place({ executor: 'wasm', regions: ['mars'] })).toBeUndefined()
    expect(r.place({ executor: 'wasm' }, { exclude: ['a'] })).toBeUndefined()
    expect(r.place({ executor: 'nope' as Executor })).toBeUndefined()
    expect(r.placeMany({ executor: 'train' }, 3)).toEqual([])
    expect(createRouter().place({ executor: 'wasm' })).toBeUndefined()
  })

  it('honours GPU count and per-GPU memory', () => {
    const r = router()
    r.upsert(node('one-small', { capabilities: { cpuCores: 8, memoryGb: 64, gpus: [{ model: 'T4', memoryGb: 16 }], executors: ['train'] } }))
    r.upsert(node('two-small', { capabilities: { cpuCores: 8, memoryGb: 64, gpus: [{ model: 'T4', memoryGb: 16 }, { model: 'T4', memoryGb: 16 }], executors: ['train'] } }))
    r.upsert(node('one-big', { capabilities: { cpuCores: 8, memoryGb: 64, gpus: [{ model: 'A100', memoryGb: 80 }], executors: ['train'] } }))
    expect(r.place({ executor: 'train', gpus: 2 })?.nodeId).toBe('two-small')
    expect(r.place({ executor: 'train', gpus: 1, gpuMemoryGb: 40 })?.nodeId).toBe('one-big')
    expect(r.place({ executor: 'train', gpus: 2, gpuMemoryGb: 40 })).toBeUndefined()
  })

  it('follows status changes: suspect and offline nodes leave eligibility, online ones return', () => {
    const r = router()
    r.upsert(node('a'))
    r.setStatus('a', 'suspect')
    expect(r.place({ executor: 'wasm' })).toBeUndefined()
    r.setStatus('a', 'online')
    expect(r.place({ executor: 'wasm' })?.nodeId).toBe('a')
    r.remove('a')
    expect(r.place({ executor: 'wasm' })).toBeUndefined()
  })

  it('applies minimum reputation and maximum price (unpriced nodes pass)', () => {
    const r = router()
    r.upsert(node('low-rep', { audit: { score: 0.2, passed: 1, failed: 4 } }))
    r.upsert(node('pricey', { audit: { score: 0.9, passed: 9, failed: 0 }, price: 5 }))
    r.upsert(node('unpriced', { audit: { score: 0.9, passed: 9, failed: 0 } }))
    for (let i = 0; i < 20; i++) expect(r.place({ executor: 'wasm', minReputation: 0.5, maxPrice: 1 })?.nodeId).toBe('unpriced')
    r.setReputation('unpriced', 0.1)
    expect(r.place({ executor: 'wasm', minReputation: 0.5, maxPrice: 1 })).toBeUndefined()
  })
})

describe('Router.placeMany and exclusions', () => {
  it('puts replicas on distinct eligible nodes, best first, and returns fewer when fewer fit', () => {
    const r = router()
    for (let i = 0; i < 6; i++) r.upsert(node(`n${i}`, { load: { cpuPercent: i * 15, runningTasks: 0, memoryUsedGb: 0 } }))
    r.upsert(node('other', { capabilities: { cpuCores: 8, memoryGb: 16, gpus: [], executors: ['he'] } }))
    const three = r.placeMany({ executor: 'wasm' }, 3)
    expect(new Set(three.map((p) => p.nodeId)).size).toBe(3)
    expect(three.map((p) => p.nodeId)).toEqual(['n0', 'n1', 'n2'])
    expect(three[0]!.score).toBeGreaterThanOrEqual(three[1]!.score)
    const all = r.placeMany({ executor: 'wasm' }, 10)
    expect(all).toHaveLength(6)
    expect(all.some((p) => p.nodeId === 'other')).toBe(false)
    expect(r.placeMany({ executor: 'wasm' }, 3, { exclude: ['n0', 'n1'] }).map((p) => p.nodeId)).toEqual(['n2', 'n3', 'n4'])
  })

  it('distinct replicas across a large fleet that needs sampling', () => {
    const r = router()
    for (let i = 0; i < 5000; i++) r.upsert(node(`n${i}`, { region: (['eu-west', 'us-east', 'ap-northeast'] as const)[i % 3] }))
    for (let k = 0; k < 50; k++) {
      const replicas = r.placeMany({ executor: 'onnx', requester: { lat: 50, lon: 0 } }, 5)
      expect(replicas).toHaveLength(5)
      expect(new Set(replicas.map((p) => p.nodeId)).size).toBe(5)
    }
  })

  it('a retry never lands on an excluded node', () => {
    const r = router({ epsilon: 0.5 })
    for (let i = 0; i < 300; i++) r.upsert(node(`n${i}`))
    const exclude = new Set<string>()
    for (let attempt = 0; attempt < 299; attempt++) {
      const p = r.place({ executor: 'wasm' }, { exclude })
      expect(p).toBeDefined()
      expect(exclude.has(p!.nodeId)).toBe(false)
      exclude.add(p!.nodeId)
    }
    const last = Array.from({ length: 300 }, (_, i) => `n${i}`).find((id) => !exclude.has(id))
    expect(r.place({ executor: 'wasm' }, { exclude: [...exclude] })?.nodeId).toBe(last)
  })
})

describe('Router.place: soft preferences', () => {
  it('prefers nodes near the requester, widening to other regions only when needed', () => {
    const r = router()
    for (let i = 0; i < 600; i++) r.upsert(node(`n${i}`, { region: (['eu-west', 'us-east', 'ap-northeast'] as const)[i % 3] }))
    const tokyo = { lat: 35.6, lon: 139.6 }
    let near = 0
    for (let i = 0; i < 200; i++) if (Number(r.place({ executor: 'wasm', requester: tokyo })!.nodeId.slice(1)) % 3 === 2) near++
    expect(near).toBeGreaterThanOrEqual(190)
    // Everything near is excluded or busy elsewhere: placement still succeeds farther away.
    const tokyoNodes = Array.from({ length: 200 }, (_, k) => `n${k * 3 + 2}`)
    const p = r.place({ executor: 'wasm', requester: tokyo }, { exclude: tokyoNodes })
    expect(p).toBeDefined()
    expect(Number(p!.nodeId.slice(1)) % 3).not.toBe(2)
  })

  it('prefers nodes near the input data pieces', () => {
    const r = router()
    r.upsert(node('eu', { region: 'eu-west' }))
    r.upsert(node('us', { region: 'us-east' }))
    const pieces = [{ lat: 40, lon: -75 }, { lat: 41, lon: -74 }]
    expect(r.place({ executor: 'wasm', requester: { lat: 48, lon: 2 }, dataLocations: pieces })?.nodeId).toBe('us')
    expect(r.place({ executor: 'wasm', regions: ['eu-west'], dataLocations: pieces })?.nodeId).toBe('eu')
  })

  it('keeps GPU nodes and big-memory nodes for the tasks that need them', () => {
    const r = router()
    r.upsert(node('gpu', { capabilities: { cpuCores: 8, memoryGb: 16, gpus: [{ model: 'A100', memoryGb: 80 }], executors: ['wasm'] } }))
    r.upsert(node('huge', { capabilities: { cpuCores: 8, memoryGb: 512, gpus: [], executors: ['wasm'] } }))
    r.upsert(node('plain', { capabilities: { cpuCores: 8, memoryGb: 8, gpus: [], executors: ['wasm'] } }))
    expect(r.place({ executor: 'wasm', memoryGb: 1 })?.nodeId).toBe('plain')
    expect(r.place({ executor: 'wasm', memoryGb: 100 })?.nodeId).toBe('huge')
    expect(r.place({ executor: 'wasm', gpus: 1 })?.nodeId).toBe('gpu')
  })

  it('prefers idle nodes over busy ones and follows load updates', () => {
    const r = router()
    r.upsert(node('a'))
    r.upsert(node('b'))
    r.updateLoad('a', { cpuPercent: 95, runningTasks: 12 })
    expect(r.place({ executor: 'wasm' })?.nodeId).toBe('b')
    r.updateLoad('a', { cpuPercent: 0, runningTasks: 0 })
    r.updateLoad('b', { cpuPercent: 90, runningTasks: 8 })
    expect(r.place({ executor: 'wasm' })?.nodeId).toBe('a')
  })

  it('prefers cheaper and better-reputed nodes, other things equal', () => {
    const r = router()
    r.upsert(node('cheap', { price: 0.1 }))
    r.upsert(node('dear', { price: 3 }))
    expect(r.place({ executor: 'wasm' })?.nodeId).toBe('cheap')
    const s = router()
    s.upsert(node('trusted', { audit: { score: 0.95, passed: 50, failed: 1 } }))
    s.upsert(node('shaky', { audit: { score: 0.3, passed: 5, failed: 9 } }))
    expect(s.place({ executor: 'wasm' })?.nodeId).toBe('trusted')
  })
})

describe('Router learned model', () => {
  it('shifts placement away from failing nodes and skips those with low success confidence', () => {
    let now = 0
    const r = router({ now: () => now })
    for (let i = 0; i < 10; i++) r.upsert(node(`n${i}`))
    for (let k = 0; k < 10; k++) r.recordOutcome('n0', { ok: false })
    for (let i = 1; i < 10; i++) for (let k = 0; k < 6; k++) r.recordOutcome(`n${i}`, { ok: true, durationMs: 100 })
    const perf = r.performance('n0')!
    expect(perf.skipped).toBe(true)
    expect(perf.successLcb).toBeLessThan(r.options.minSuccessLcb)
    const picks = new Set(Array.from({ length: 200 }, () => r.place({ executor: 'wasm' }, { explore: false })!.nodeId))
    expect(picks.has('n0')).toBe(false)
    // The only node left is the skipped one: placement refuses rather than use it.
    expect(r.place({ executor: 'wasm' }, { exclude: Array.from({ length: 9 }, (_, i) => `n${i + 1}`) })).toBeUndefined()
    // Evidence fades with time (half-life), so the node gets another chance.
    now += 4 * 60 * 60_000
    expect(r.performance('n0')!.skipped).toBe(false)
    expect(r.place({ executor: 'wasm' }, { exclude: Array.from({ length: 9 }, (_, i) => `n${i + 1}`) })?.nodeId).toBe('n0')
  })

  it('one failure lowers a new node’s score without banning it', () => {
    const r = router()
    r.upsert(node('a'))
    r.upsert(node('b'))
    r.recordOutcome('a', { ok: false })
    expect(r.performance('a')!.skipped).toBe(false)
    expect(r.place({ executor: 'wasm' })?.nodeId).toBe('b')
  })

  it('shifts placement away from slow nodes as it learns their speed', () => {
    const r = router()
    for (let i = 0; i < 4; i++) r.upsert(node(`n${i}`))
    for (let k = 0; k < 5; k++) {
      r.recordOutcome('n0', { ok: true, durationMs: 4000, work: 4 }) // 1000 ms per unit
      r.recordOutcome('n1', { ok: true, durationMs: 400, work: 4 }) // 100 ms per unit
      r.recordOutcome('n2', { ok: true, durationMs: 800, work: 8 })
      r.recordOutcome('n3', { ok: true, durationMs: 500, work: 4 })
    }
    expect(r.performance('n0')!.msPerWork).toBeCloseTo(1000, 0)
    const order = r.placeMany({ executor: 'wasm', work: 4 }, 4).map((p) => p.nodeId)
    expect(order[3]).toBe('n0')
    expect(order.slice(0, 2).sort()).toEqual(['n1', 'n2'])
    // Queued work counts against a fast node: with no free core it loses to a free one.
    r.updateLoad('n1', { cpuPercent: 100, runningTasks: 24 })
    r.updateLoad('n2', { cpuPercent: 100, runningTasks: 24 })
    expect(r.place({ executor: 'wasm', work: 4 })?.nodeId).toBe('n3')
  })

  it('explores about epsilon of placements, choosing nodes it knows little about', () => {
    const r = createRouter({ random: createRandom(5), epsilon: 0.1 })
    for (let i = 0; i < 200; i++) r.upsert(node(`n${i}`))
    let explored = 0
    const N = 4000
    for (let i = 0; i < N; i++) {
      const p = r.place({ executor: 'wasm' })!
      if (p.explored) {
        explored++
        expect(r.performance(p.nodeId)!.observations).toBeLessThan(8)
      }
      r.recordOutcome(p.nodeId, { ok: true, durationMs: 100 })
    }
    expect(explored / N).toBeGreaterThan(0.07)
    expect(explored / N).toBeLessThan(0.13)
    expect(r.place({ executor: 'wasm' }, { explore: false })!.explored).toBe(false)
  })

  it('prefers a node busy with small tasks to one busy with big ones, once dispatches are reported', () => {
    const r = router()
    for (const id of ['small', 'big']) {
      r.upsert(node(id))
      for (let k = 0; k < 4; k++) r.recordOutcome(id, { ok: true, durationMs: 100, work: 1 })
    }
    const cores = 8
    for (const id of ['small', 'big']) {
      for (let k = 0; k < cores + 1; k++) r.dispatched(id, id === 'big' ? 20 : 0.5)
      r.updateLoad(id, { cpuPercent: 100, runningTasks: cores + 1 })
    }
    expect(r.place({ executor: 'wasm', work: 1 }, { explore: false })?.nodeId).toBe('small')
    // Outcomes release the work: the big tasks are done, that node is idle and wins.
    for (let k = 0; k < cores + 1; k++) r.recordOutcome('big', { ok: true, durationMs: 100, work: 20 })
    r.updateLoad('big', { cpuPercent: 0, runningTasks: 0 })
    expect(r.place({ executor: 'wasm', work: 1 }, { explore: false })?.nodeId).toBe('big')
  })

  it('prefers a node that has shown its speed to an unknown one under the same load', () => {
    const r = router()
    r.upsert(node('known'))
    r.upsert(node('new'))
    for (let k = 0; k < 8; k++) r.recordOutcome('known', { ok: true, durationMs: 100, work: 1 })
    // Both have one task running and cores to spare; the new node has not shown its speed yet.
    r.updateLoad('known', { cpuPercent: 10, runningTasks: 1 })
    r.updateLoad('new', { cpuPercent: 10, runningTasks: 1 })
    expect(r.place({ executor: 'wasm', work: 1 }, { explore: false })?.nodeId).toBe('known')
  })

  it('ignores outcomes for unknown nodes', () => {
    expect(router().recordOutcome('ghost', { ok: true })).toBe(false)
    expect(router().performance('ghost')).toBeUndefined()
  })
})

describe('Router determinism, scale and options', () => {
  it('gives the same placements for the same seed', () => {
    const run = (): string[] => {
      const r = createRouter({ random: createRandom(77) })
      for (const n of variedFleet(2000, 4)) r.upsert(n)
      return Array.from({ length: 100 }, () => r.place({ executor: 'wasm', requester: { lat: 10, lon: 10 } })?.nodeId ?? '-')
    }
    expect(run()).toEqual(run())
  })

  // Placements/s against the full scan are measured by `npm run bench -- router`, not asserted here.
  it('samples a bounded number of nodes per placement at scale, close to the full-scan optimum', () => {
    const r = router({ sampleSize: 32 })
    for (let i = 0; i < 30_000; i++) r.upsert(node(`n${i}`, { region: (['eu-west', 'us-east', 'ap-northeast'] as const)[i % 3], load: { cpuPercent: (i * 37) % 100, runningTasks: i % 5, memoryUsedGb: 0 } }))
    const task: TaskRequirements = { executor: 'wasm', requester: { lat: 51, lon: 0 } }
    const sampled = r.place(task)!
    const best = r.placeExhaustive(task)!
    expect(sampled.score).toBeGreaterThan(best.score * 0.95)
  })

  it('validates options with a message naming the bad one', () => {
    expect(() => createRouter({ epsilon: 2 })).toThrow(/epsilon/)
    expect(() => createRouter({ sampleSize: 0 })).toThrow(/sampleSize/)
    expect(() => createRouter({ weights: { geo: -1 } })).toThrow(/geo/)
    expect(Object.isFrozen(createRouter().options)).toBe(true)
  })

  it('measures distance with the haversine formula', () => {
    expect(haversineKm({ lat: 51.5, lon: -0.1 }, { lat: 40.7, lon: -74 })).toBeGreaterThan(5500)
    expect(haversineKm({ lat: 51.5, lon: -0.1 }, { lat: 40.7, lon: -74 })).toBeLessThan(5600)
  })
})
