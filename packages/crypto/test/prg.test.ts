import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { prgBytes, prgWords } from '../src/index.js'

describe('the PRG', () => {
  const seed = randomBytes(32)

  it('is deterministic: the same seed and domain give the same words, and prefixes agree', () => {
    const a = prgWords(seed, 1000, 'mask')
    expect(prgWords(seed, 1000, 'mask')).toEqual(a)
    expect(prgWords(seed, 10, 'mask')).toEqual(a.subarray(0, 10))
    expect(Buffer.from(prgBytes(seed, 4000, 'mask'))).toEqual(Buffer.from(a.buffer, a.byteOffset, a.byteLength))
  })

  it('separates domains and seeds: different domain or seed, unrelated stream', () => {
    const a = prgWords(seed, 256, 'pairwise')
    const b = prgWords(seed, 256, 'self')
    const c = prgWords(randomBytes(32), 256, 'pairwise')
    const equal = (x: Uint32Array, y: Uint32Array): number => x.reduce((n, v, i) => n + (v === y[i] ? 1 : 0), 0)
    expect(equal(a, b)).toBe(0)
    expect(equal(a, c)).toBe(0)
  })

  it('is AES-256-CTR keyed by the seed, nonce SHA-256("w3ai/prg/v1|" + domain)[0..8], read little-endian', () => {
    const iv = Buffer.alloc(16)
    createHash('sha256').update('w3ai/prg/v1|x').digest().copy(iv, 0, 0, 8)
    const stream = createCipheriv('aes-256-ctr', seed, iv).update(Buffer.alloc(64))
    const words = prgWords(seed, 16, 'x')
    for (let i = 0; i < 16; i++) expect(words[i]).toBe(stream.readUInt32LE(i * 4))
  })

  it('looks uniform: the top bytes of a million words pass a chi-square test', () => {
    const words = prgWords(seed, 1 << 20, 'uniformity')
    const counts = new Array<number>(256).fill(0)
    for (const w of words) counts[w >>> 24] = (counts[w >>> 24] as number) + 1
    const expected = words.length / 256
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
    expect(chi2).toBeLessThan(400)
  })

  it('refuses seeds that are not 32 bytes, an empty domain and a bad length', () => {
    expect(() => prgWords(randomBytes(16), 4, 'x')).toThrow(RangeError)
    expect(() => prgWords(seed, 4, '')).toThrow(RangeError)
    expect(() => prgBytes(seed, -1, 'x')).toThrow(RangeError)
    expect(prgWords(seed, 0, 'x')).toHaveLength(0)
  })
})
