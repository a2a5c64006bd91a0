/**
 * Storage placement on the router's index (issue 8 D2): distinct online nodes with the free disk
 * a piece needs, spread over regions, holders excluded, from a bounded sample of the fleet;
 * countPlaceable applies the same rule.
 */
import { describe, expect, it, vi } from 'vitest'
import { STORAGE_SAMPLE_SIZE, createRandom, createRouter, type RoutableNode, type Router } from '../src/index.js'

const REGIONS = { eu: [51.5, -0.1], us: [38.9, -77.0], ap: [35.7, 139.7] } as const
type RegionName = keyof typeof REGIONS

function node(id: string, region: RegionName, over: { diskGb?: number; diskUsedGb?: number; status?: RoutableNode['status']; executors?: RoutableNode['capabilities']['executors'] } = {}): RoutableNode {
  const [lat, lon] = REGIONS[region]
  return {
    id,
    status: over.status ?? 'online',
    location: { lat, lon, region },
    endpoint: `http://127.0.0.1/${id}`,
    capabilities: { cpuCores: 4, memoryGb: 8, gpus: [], executors: over.executors ?? [], diskGb: over.diskGb ?? 10 },
    load: over.diskUsedGb === undefined ? null : { cpuPercent: 0, runningTasks: 0, memoryUsedGb: 0, diskUsedGb: over.diskUsedGb },
  }
}

function router(nodes: RoutableNode[], seed = 1): Router {
  const r = createRouter({ random: createRandom(seed), epsilon: 0 })
  for (const n of nodes) r.upsert(n)
  return r
}

const ids = (r: Router, ...args: Parameters<Router['placePieces']>): string[] => r.placePieces(...args).map((t) => t.nodeId)

describe('router storage placement', () => {
  it('spreads pieces over regions before doubling up, on distinct nodes', () => {
    const r = router(['eu', 'us', 'ap'].flatMap((region) => [1, 2, 3].map((i) => node(`${region}${i}`, region as RegionName))))
    for (let i = 0; i < 20; i++) {
      const three = ids(r, { count: 3 })
      expect(new Set(three.map((id) => id.slice(0, 2))).size).toBe(3)
      const seven = ids(r, { count: 7 })
      expect(new Set(seven).size).toBe(7)
      const perRegion = ['eu', 'us', 'ap'].map((region) => seven.filter((id) => id.startsWith(region)).length)
      expect(Math.max(...perRegion) - Math.min(...perRegion)).toBeLessThanOrEqual(1)
    }
  })

  it('keeps only online nodes with the free disk asked for (exactly enough qualifies), and counts by the same rule', () => {
    const r = router([
      node('full', 'eu', { diskGb: 10, diskUsedGb: 9.99 }),
      node('edge', 'us', { diskGb: 10, diskUsedGb: 9 }),
      node('room', 'ap'),
      node('gone', 'ap', { status: 'offline' }),
      node('computes', 'eu', { executors: ['onnx'] }),
    ])
    expect(ids(r, { count: 10, minFreeGb: 1 }).sort()).toEqual(['computes', 'edge', 'room'])
    expect(r.countPlaceable(1)).toBe(3)
    expect(r.countPlaceable(1.5)).toBe(ids(r, { count: 10, minFreeGb: 1.5 }).length)
    expect(r.countPlaceable(0)).toBe(4)
    expect(r.countPlaceable(0, 2)).toBe(2)
    expect(r.placePieces({ count: 4 }).every((t) => t.endpoint === `http://127.0.0.1/${t.nodeId}`)).toBe(true)
  })

  it('leaves out excluded nodes (the holders during repair)', () => {
    const r = router([node('a', 'eu'), node('b', 'us'), node('c', 'ap'), node('d', 'ap')])
    for (let i = 0; i < 10; i++) expect(ids(r, { count: 4, exclude: new Set(['a', 'c']) }).sort()).toEqual(['b', 'd'])
    expect(ids(r, { count: 4, exclude: ['a', 'b', 'c', 'd', 'unknown'] })).toEqual([])
  })

  it('follows disk use, status and registrations as the index is updated', () => {
    const r = router([node('a', 'eu'), node('b', 'us')])
    expect(r.countPlaceable(1)).toBe(2)
    r.setStatus('a', 'offline')
    r.updateLoad('b', { cpuPercent: 0, runningTasks: 0, diskUsedGb: 9.5 })
    r.upsert(node('c', 'ap'))
    expect(ids(r, { count: 5, minFreeGb: 1 })).toEqual(['c'])
    // A load sample without disk use keeps what was known; a re-registration without load too.
    r.updateLoad('b', { cpuPercent: 5, runningTasks: 1 })
    r.upsert(node('b', 'us'))
    expect(r.countPlaceable(1)).toBe(1)
    r.setStatus('a', 'online')
    r.remove('c')
    expect(ids(r, { count: 5, minFreeGb: 1 })).toEqual(['a'])
    // A removed node's slot is reused without its disk use.
    r.upsert(node('d', 'ap'))
    expect(ids(r, { count: 5, minFreeGb: 1 }).sort()).toEqual(['a', 'd'])
  })

  it('examines a bounded sample of a large fleet, not every node', () => {
    const nodes = Array.from({ length: 20_000 }, (_, i) => node(`n${i}`, (['eu', 'us', 'ap'] as const)[i % 3]!, i % 2 === 0 ? { diskUsedGb: 10 } : {}))
    const r = router(nodes)
    const reads = vi.spyOn(r.index, 'freeDiskGb')
    const placed = ids(r, { count: 12, minFreeGb: 1 })
    expect(placed).toHaveLength(12)
    expect(new Set(placed).size).toBe(12)
    expect(placed.every((id) => Number(id.slice(1)) % 2 === 1)).toBe(true)
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2 * STORAGE_SAMPLE_SIZE)
    reads.mockClear()
    // No node fits: two rounds of the sample, then it gives up rather than scan the fleet.
    expect(ids(r, { count: 3, minFreeGb: 100, sampleSize: 50 })).toEqual([])
    expect(reads.mock.calls.length).toBeLessThanOrEqual(100)
  })
})
