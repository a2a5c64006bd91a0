import { describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { seededRandom } from '@w3ai/util'
import { sampleClients, sampleSize } from '../src/index.js'

const pool = (n: number) => ({ ids: Array.from({ length: n }, (_, i) => `c${i}`) })

describe('client sampling', () => {
  it('takes max(⌊fraction · available⌋, minClients)', () => {
    expect(sampleSize(10, { fraction: 0.25, minClients: 1, minAvailable: 0 })).toBe(2)
    expect(sampleSize(10, { fraction: 0.25, minClients: 4, minAvailable: 0 })).toBe(4)
    expect(sampleSize(10, { fraction: 1, minClients: 2, minAvailable: 0 })).toBe(10)
  })

  it('draws distinct clients from the pool, the same ones for the same seed', () => {
    const options = { fraction: 0.5, minClients: 1, minAvailable: 1 }
    const a = sampleClients(pool(20), options, seededRandom(3))
    expect(a).toEqual(sampleClients(pool(20), options, seededRandom(3)))
    expect(a).not.toEqual(sampleClients(pool(20), options, seededRandom(4)))
    expect(new Set(a).size).toBe(10)
    expect(a.every((id) => pool(20).ids.includes(id))).toBe(true)
  })

  it('gives every client about the same chance over many rounds', () => {
    const counts = new Map<string, number>()
    const random = seededRandom(11)
    for (let round = 0; round < 2000; round++) for (const id of sampleClients(pool(10), { fraction: 0.3, minClients: 1, minAvailable: 1 }, random)) counts.set(id, (counts.get(id) ?? 0) + 1)
    // 2000 rounds × 3 picks / 10 clients = 600 each; the binomial standard deviation is about 20.
    for (const n of counts.values()) expect(Math.abs(n - 600)).toBeLessThan(100)
  })

  it('counts a client listed twice once', () => {
    expect(sampleClients({ ids: ['a', 'a', 'b'] }, { fraction: 1, minClients: 1, minAvailable: 1 }, seededRandom(1)).sort()).toEqual(['a', 'b'])
  })

  it('refuses with FL_NOT_ENOUGH_CLIENTS below minAvailable or below the sample size, saying how many', () => {
    const attempt = (n: number, minClients: number, minAvailable: number) => {
      try {
        sampleClients(pool(n), { fraction: 0.1, minClients, minAvailable }, seededRandom(1))
        return undefined
      } catch (err) {
        return err instanceof W3aiError ? [err.code, err.details] : err
      }
    }
    expect(attempt(3, 1, 5)).toEqual(['FL_NOT_ENOUGH_CLIENTS', { available: 3, needed: 5 }])
    expect(attempt(3, 4, 0)).toEqual(['FL_NOT_ENOUGH_CLIENTS', { available: 3, needed: 4 }])
    expect(attempt(5, 2, 5)).toBeUndefined()
  })
})
