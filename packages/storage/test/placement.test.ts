import { describe, expect, it } from 'vitest'
import { choosePlacement, type PlacementCandidate } from '../src/index.js'
import { prng } from './helpers.js'

function node(id: string, region: string, extra: Partial<PlacementCandidate> = {}): PlacementCandidate {
  return { id, region, location: { lat: 0, lon: 0 }, freeGb: 10, status: 'online', ...extra }
}

describe('choosePlacement', () => {
  const candidates = [
    ...['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => node(id, 'eu')),
    ...['b1', 'b2'].map((id) => node(id, 'us')),
    node('c1', 'ap'),
  ]

  it('spreads over regions first, then fills round-robin', () => {
    for (let seed = 0; seed < 20; seed++) {
      const ids = choosePlacement(candidates, 3, { random: prng(seed) })
      expect(new Set(ids.map((id) => id[0])).size).toBe(3)
      const six = choosePlacement(candidates, 6, { random: prng(seed) })
      expect(new Set(six).size).toBe(6)
      expect(six.filter((id) => id.startsWith('b'))).toHaveLength(2)
      expect(six).toContain('c1')
    }
  })

  it('skips offline, full, excluded and duplicate nodes, and returns what exists when short', () => {
    const list = [node('x', 'eu', { status: 'offline' }), node('y', 'eu', { freeGb: 0 }), node('z', 'us'), node('z', 'us'), node('w', 'ap')]
    expect(choosePlacement(list, 5, { exclude: new Set(['w']) })).toEqual(['z'])
    expect(choosePlacement(list, 0)).toEqual([])
    expect(choosePlacement(candidates, 3, { minFreeGb: 20 })).toEqual([])
    // The same rule as the hub's count of placeable nodes: exactly enough room is enough.
    expect(choosePlacement([node('e', 'eu', { freeGb: 2 })], 1, { minFreeGb: 2 })).toEqual(['e'])
  })

  it('is random within a region', () => {
    const firsts = new Set<string>()
    for (let seed = 0; seed < 40; seed++) firsts.add(choosePlacement(candidates.slice(0, 5), 1, { random: prng(seed) })[0] ?? '')
    expect(firsts.size).toBeGreaterThan(2)
  })
})
