import { describe, expect, it } from 'vitest'
import type { NodeStatus } from '@w3ai/protocol'
import { NodeIndex, createRandom, type RoutableNode } from '../src/index.js'

function node(i: number, over: Partial<RoutableNode> = {}): RoutableNode {
  return {
    id: `n${i}`,
    status: 'online',
    location: { lat: 50, lon: 8, region: i % 2 === 0 ? 'eu-central' : 'us-east' },
    capabilities: { cpuCores: 4, memoryGb: 16, gpus: [], executors: ['wasm', 'onnx'] },
    load: { cpuPercent: 10, runningTasks: 0, memoryUsedGb: 1 },
    ...over,
  }
}

describe('NodeIndex', () => {
  it('lists online nodes under each of their executors and region', () => {
    const index = new NodeIndex()
    for (let i = 0; i < 10; i++) index.upsert(node(i))
    index.upsert(node(10, { capabilities: { cpuCores: 2, memoryGb: 4, gpus: [], executors: ['he'] } }))
    expect(index.size).toBe(11)
    expect(index.onlineCount).toBe(11)
    expect(index.listedCount('wasm')).toBe(10)
    expect(index.listedCount('onnx', 'eu-central')).toBe(5)
    expect(index.listedCount('he')).toBe(1)
    expect(index.listedCount('train')).toBe(0)
  })

  it('moves nodes out of and back into eligibility on status changes', () => {
    const index = new NodeIndex()
    for (let i = 0; i < 4; i++) index.upsert(node(i))
    expect(index.setStatus('n1', 'suspect')).toBe(true)
    expect(index.setStatus('n2', 'offline')).toBe(true)
    expect(index.listedCount('wasm')).toBe(2)
    expect(index.onlineCount).toBe(2)
    index.setStatus('n1', 'online')
    index.setStatus('n1', 'online') // idempotent
    expect(index.listedCount('wasm')).toBe(3)
    expect(index.statusOf('n2')).toBe('offline')
    expect(index.setStatus('missing', 'online')).toBe(false)
  })

  it('re-buckets a node whose capabilities or region change, and reuses removed slots', () => {
    const index = new NodeIndex()
    index.upsert(node(0))
    index.upsert(node(0, { location: { lat: 40, lon: -75, region: 'us-east' }, capabilities: { cpuCores: 8, memoryGb: 64, gpus: [], executors: ['train'] } }))
    expect(index.size).toBe(1)
    expect(index.listedCount('wasm')).toBe(0)
    expect(index.listedCount('train', 'us-east')).toBe(1)
    const slot = index.slotOf('n0')
    expect(index.remove('n0')).toBe(true)
    expect(index.remove('n0')).toBe(false)
    expect(index.listedCount('train')).toBe(0)
    expect(index.upsert(node(7))).toBe(slot)
  })

  it('stays consistent with a brute-force count through thousands of random updates', () => {
    const index = new NodeIndex()
    const rnd = createRandom(42)
    const truth = new Map<string, { status: NodeStatus; region: string; executors: string[] }>()
    const statuses: NodeStatus[] = ['online', 'suspect', 'offline']
    const regions = ['a', 'b', 'c']
    for (let step = 0; step < 5000; step++) {
      const id = `n${Math.floor(rnd() * 300)}`
      const op = rnd()
      if (op < 0.4) {
        const n = node(0, {
          id,
          status: statuses[Math.floor(rnd() * 3)]!,
          location: { lat: rnd() * 90, lon: rnd() * 180, region: regions[Math.floor(rnd() * 3)]! },
          capabilities: { cpuCores: 1 + Math.floor(rnd() * 16), memoryGb: 1 + rnd() * 300, gpus: rnd() < 0.3 ? [{ model: 'x', memoryGb: 8 + rnd() * 80 }] : [], executors: rnd() < 0.5 ? ['wasm'] : ['onnx', 'train'] },
        })
        index.upsert(n)
        truth.set(id, { status: n.status, region: n.location.region, executors: [...n.capabilities.executors] })
      } else if (op < 0.7) {
        const status = statuses[Math.floor(rnd() * 3)]!
        if (index.setStatus(id, status)) truth.get(id)!.status = status
      } else if (op < 0.85) {
        index.updateLoad(id, { cpuPercent: rnd() * 100, runningTasks: Math.floor(rnd() * 10) })
      } else {
        expect(index.remove(id)).toBe(truth.delete(id))
      }
    }
    for (const executor of ['wasm', 'onnx', 'train'] as const) {
      for (const region of regions) {
        const expected = [...truth.values()].filter((t) => t.status === 'online' && t.region === region && t.executors.includes(executor)).length
        expect(index.listedCount(executor, region)).toBe(expected)
      }
    }
    expect(index.size).toBe(truth.size)
    expect(index.onlineCount).toBe([...truth.values()].filter((t) => t.status === 'online').length)
  })

  // Its speed (load updates/s at scale) is measured by `npm run bench -- router`, not asserted here.
  it('keeps its counts right through 300,000 updates on 100,000 nodes', () => {
    const index = new NodeIndex()
    for (let i = 0; i < 100_000; i++) index.upsert(node(i))
    for (let i = 0; i < 100_000; i++) {
      index.updateLoad(`n${i}`, { cpuPercent: 50, runningTasks: 1, memoryUsedGb: 2 })
      index.setStatus(`n${(i * 7) % 100_000}`, 'offline')
      index.setStatus(`n${(i * 7) % 100_000}`, 'online')
    }
    expect(index.onlineCount).toBe(100_000)
  })
})
