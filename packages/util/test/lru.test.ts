import { describe, expect, it } from 'vitest'
import { Lru } from '../src/index.js'

describe('Lru bounded by count', () => {
  it('evicts the least recently used, counting a get as a use', () => {
    const evicted: string[] = []
    const lru = new Lru<string, number>({ maxEntries: 2, onEvict: (k) => evicted.push(k) })
    lru.set('a', 1)
    lru.set('b', 2)
    expect(lru.get('a')).toBe(1)
    lru.set('c', 3)
    expect(evicted).toEqual(['b'])
    expect(lru.keys()).toEqual(['a', 'c'])
    expect(lru.values()).toEqual([1, 3])
    expect(lru.size).toBe(2)
  })

  it('replacing a key keeps one entry and makes it the most recent', () => {
    const lru = new Lru<string, number>({ maxEntries: 2 })
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('a', 10)
    lru.set('c', 3)
    expect(lru.keys()).toEqual(['a', 'c'])
    expect(lru.get('a')).toBe(10)
  })

  it('delete and clear do not tell onEvict; evict does', () => {
    const evicted: string[] = []
    const lru = new Lru<string, number>({ maxEntries: 5, onEvict: (k, v) => evicted.push(`${k}=${v}`) })
    lru.set('a', 1)
    lru.set('b', 2)
    lru.set('c', 3)
    expect(lru.delete('a')).toBe(true)
    expect(lru.delete('a')).toBe(false)
    lru.evict('b')
    lru.evict('missing')
    expect(evicted).toEqual(['b=2'])
    lru.clear()
    expect(lru.size).toBe(0)
    expect(evicted).toEqual(['b=2'])
    expect(lru.get('c')).toBeUndefined()
    expect(lru.has('c')).toBe(false)
  })
})

describe('Lru bounded by size', () => {
  const sized = (maxSize: number, evicted: string[] = []) =>
    new Lru<string, Uint8Array>({ maxSize, sizeOf: (v) => v.length, onEvict: (k) => evicted.push(k) })

  it('keeps the total size within maxSize, least recently used out first', () => {
    const evicted: string[] = []
    const lru = sized(300, evicted)
    lru.set('a', new Uint8Array(100))
    lru.set('b', new Uint8Array(100))
    lru.get('a')
    lru.set('c', new Uint8Array(150))
    expect(evicted).toEqual(['b'])
    expect(lru.totalSize).toBe(250)
    lru.set('a', new Uint8Array(10))
    expect(lru.totalSize).toBe(160)
    lru.delete('c')
    expect(lru.totalSize).toBe(10)
  })

  it('an entry larger than maxSize on its own is not kept', () => {
    const evicted: string[] = []
    const lru = sized(100, evicted)
    lru.set('small', new Uint8Array(10))
    lru.set('huge', new Uint8Array(101))
    expect(lru.size).toBe(0)
    expect(lru.totalSize).toBe(0)
    expect(evicted).toEqual(['small', 'huge'])
  })

  it('applies both bounds together', () => {
    const lru = new Lru<string, number>({ maxEntries: 2, maxSize: 100, sizeOf: (v) => v })
    lru.set('a', 10)
    lru.set('b', 10)
    lru.set('c', 10)
    expect(lru.keys()).toEqual(['b', 'c'])
    lru.set('d', 95)
    expect(lru.keys()).toEqual(['d'])
  })
})
