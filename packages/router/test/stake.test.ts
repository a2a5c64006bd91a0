import { describe, expect, it } from 'vitest'
import { createRandom, createRouter, type RoutableNode, type RouterOptions } from '../src/index.js'

function node(id: string, over: Partial<RoutableNode> = {}): RoutableNode {
  return {
    id,
    status: 'online',
    location: { lat: 51.5, lon: -0.1, region: 'eu-west' },
    capabilities: { cpuCores: 8, memoryGb: 16, gpus: [], executors: ['wasm'] },
    load: { cpuPercent: 10, runningTasks: 0, memoryUsedGb: 0 },
    audit: { score: 0.9, passed: 9, failed: 0 },
    ...over,
  }
}

const router = (options: RouterOptions = {}) => createRouter({ random: createRandom(7), epsilon: 0, ...options })

describe('router: stake', () => {
  it('gives work above the free limit (minStake) only to nodes staking at least that much', () => {
    const r = router()
    r.upsert(node('staked', { stake: 150 }))
    r.upsert(node('short', { stake: 99.75 }))
    r.upsert(node('none'))
    for (let i = 0; i < 20; i++) expect(r.place({ executor: 'wasm', minStake: 100 })?.nodeId).toBe('staked')
    expect(r.placeMany({ executor: 'wasm', minStake: 100 }, 3).map((p) => p.nodeId)).toEqual(['staked'])
    r.setStake('staked', 40)
    expect(r.place({ executor: 'wasm', minStake: 100 })).toBeUndefined()
    // Small work (no minimum) still goes anywhere.
    expect(r.placeMany({ executor: 'wasm' }, 3)).toHaveLength(3)
  })

  it('prefers the node with more stake when all else is equal, and a slash moves work away', () => {
    const r = router()
    r.upsert(node('a', { stake: 200 }))
    r.upsert(node('b', { stake: 100 }))
    const counts = (): Record<string, number> => {
      const c: Record<string, number> = { a: 0, b: 0 }
      for (let i = 0; i < 50; i++) c[r.place({ executor: 'wasm' })!.nodeId]! += 1
      return c
    }
    expect(counts()).toEqual({ a: 50, b: 0 })
    r.setStake('a', 50)
    expect(counts()).toEqual({ a: 0, b: 50 })
    const [first, second] = r.placeMany({ executor: 'wasm' }, 2)
    expect(first!.score).toBeGreaterThan(second!.score)
  })

  it('scores exactly as before while no node has stake (the term and its weight stay out)', () => {
    const plain = router()
    const staking = router()
    for (const r of [plain, staking]) {
      r.upsert(node('x', { load: { cpuPercent: 30, runningTasks: 1, memoryUsedGb: 2 } }))
      r.upsert(node('y', { audit: { score: 0.5, passed: 1, failed: 1 } }))
    }
    staking.setStake('x', 0)
    const a = plain.placeMany({ executor: 'wasm' }, 2)
    const b = staking.placeMany({ executor: 'wasm' }, 2)
    expect(b).toEqual(a)
    staking.setStake('y', 10)
    expect(staking.placeMany({ executor: 'wasm' }, 2)[0]!.score).not.toBe(a[0]!.score)
  })

  it('keeps a stake across re-registration and forgets it with the node', () => {
    const r = router()
    r.upsert(node('a'))
    r.setStake('a', 120)
    r.upsert(node('a', { load: { cpuPercent: 50, runningTasks: 0, memoryUsedGb: 0 } }))
    expect(r.index.stake[r.index.slotOf('a')]).toBe(120)
    expect(r.index.stakedCount).toBe(1)
    r.remove('a')
    expect(r.index.stakedCount).toBe(0)
    r.upsert(node('c'))
    expect(r.index.stake[r.index.slotOf('c')]).toBe(0)
    expect(r.setStake('missing', 5)).toBe(false)
  })

  it('rejects a bad stakeScale option', () => {
    expect(() => createRouter({ stakeScale: 0 })).toThrow(/stakeScale/)
  })
})
