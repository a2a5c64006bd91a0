import { describe, expect, it } from 'vitest'
import { ObjectCache } from '../src/object-cache.js'

const bytes = (n: number, fill = 1): Buffer => Buffer.alloc(n, fill)

describe('ObjectCache', () => {
  it('opens an object once and serves it from memory afterwards', async () => {
    const cache = new ObjectCache(1000)
    let opens = 0
    const open = async (): Promise<Buffer> => {
      opens++
      return bytes(100)
    }
    const [a, b] = await Promise.all([cache.get('c1', open), cache.get('c1', open)])
    expect(a).toBe(b)
    expect(await cache.get('c1', open)).toBe(a)
    expect(opens).toBe(1)
  })

  it('keeps at most maxBytes, dropping the least recently used, and skips objects over maxEntryBytes', async () => {
    const cache = new ObjectCache(300, 150)
    await cache.get('a', async () => bytes(100))
    await cache.get('b', async () => bytes(100))
    await cache.get('a', async () => bytes(100, 2)) // touch a
    await cache.get('c', async () => bytes(150))
    expect(cache.size).toEqual({ entries: 2, bytes: 250 })
    let reopened = false
    await cache.get('b', async () => ((reopened = true), bytes(100)))
    expect(reopened).toBe(true)
    await cache.get('huge', async () => bytes(200))
    expect(cache.size.bytes).toBeLessThanOrEqual(300)
    let again = false
    await cache.get('huge', async () => ((again = true), bytes(200)))
    expect(again).toBe(true)
  })

  it('does not keep a failed open', async () => {
    const cache = new ObjectCache(1000)
    await expect(cache.get('x', async () => Promise.reject(new Error('pieces unavailable')))).rejects.toThrow('pieces unavailable')
    expect(await cache.get('x', async () => bytes(10))).toHaveLength(10)
  })
})
