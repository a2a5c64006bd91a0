import { describe, expect, it } from 'vitest'
import { Batcher } from '../src/infra/batcher.js'

describe('batcher (group commit)', () => {
  it('gives each caller its own result while running few batches', async () => {
    const sizes: number[] = []
    const b = new Batcher<number, number>({
      run: async (items) => {
        sizes.push(items.length)
        await new Promise((r) => setTimeout(r, 5))
        return items.map((i) => i * 2)
      },
    })
    const out = await Promise.all(Array.from({ length: 100 }, (_, i) => b.add(i)))
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i * 2))
    expect(sizes.length).toBeLessThan(5)
  })

  it('never puts equal keys in one batch and respects the size limit', async () => {
    const batches: string[][] = []
    const b = new Batcher<string, string>({ run: async (items) => (batches.push(items), items), key: (s) => s, maxItems: 3 })
    await Promise.all(['a', 'a', 'b', 'c', 'd', 'a'].map((s) => b.add(s)))
    for (const batch of batches) {
      expect(new Set(batch).size).toBe(batch.length)
      expect(batch.length).toBeLessThanOrEqual(3)
    }
    expect(batches.flat().sort()).toEqual(['a', 'a', 'a', 'b', 'c', 'd'])
  })

  it('rejects every caller of a failed batch and keeps working', async () => {
    let fail = true
    const b = new Batcher<number, number>({ run: async (items) => (fail ? Promise.reject(new Error('db down')) : items) })
    await expect(Promise.all([b.add(1), b.add(2)])).rejects.toThrow('db down')
    fail = false
    expect(await b.add(3)).toBe(3)
  })
})
