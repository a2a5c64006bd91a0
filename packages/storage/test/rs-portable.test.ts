/**
 * The portable (pure TypeScript) Reed–Solomon coder against the native addon as erasure.ts drives
 * it: same parity bytes for every k, across shard sizes that exercise the addon's packet-size
 * heuristic, and rebuilding from any k shards. Browsers and Node must agree byte for byte, or a
 * piece uploaded by one would get a different CID from the other's repair.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { encodeSegment, ERASURE_LIMITS, reconstructShards, shardSizeFor } from '../src/index.js'
import { rsDecodeSegment, rsEncode, rsEncodeSegment, rsReconstruct, shardSizeFor as portableShardSize } from '../src/portable.js'
import { prng, randomBuffer } from './helpers.js'

const MAX_PARITY = ERASURE_LIMITS.maxParity

/** `count` distinct indices from 0..n-1, in random order. */
function sample(n: number, count: number, random: () => number): number[] {
  const all = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[all[i], all[j]] = [all[j] as number, all[i] as number]
  }
  return all.slice(0, count)
}

const same = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => a !== undefined && b !== undefined && Buffer.from(a).equals(Buffer.from(b))

describe('portable Reed–Solomon', () => {
  it('produces parity byte-identical to the native coder for every k from 1 to 24', async () => {
    const random = prng(11)
    for (let k = 1; k <= ERASURE_LIMITS.maxK; k++) {
      // Tiny, odd multiples of 8, random, and big enough that the addon halves its packets to stay in cache.
      for (const cipherSize of [1, 8 * k * 3 + 5, Math.floor(random() * 200_000) + 1, 1_200_000 + Math.floor(random() * 100_000)]) {
        const cipher = randomBuffer(cipherSize, random)
        const native = await encodeSegment(cipher, k, k + MAX_PARITY)
        const portable = rsEncodeSegment(cipher, k, k + MAX_PARITY)
        expect(portable.shardSize).toBe(native.shardSize)
        for (let i = 0; i < k + MAX_PARITY; i++) expect(same(portable.shards[i], native.shards[i]), `k=${k} size=${cipherSize} shard ${i}`).toBe(true)
      }
    }
  })

  it('matches a full-size 8 MiB segment at the default 4-of-8 code', async () => {
    const cipher = randomBuffer(8 * 1024 * 1024 + 16, prng(12))
    const native = await encodeSegment(cipher, 4, 8)
    const portable = rsEncodeSegment(cipher, 4, 8)
    for (let i = 0; i < 8; i++) expect(same(portable.shards[i], native.shards[i]), `shard ${i}`).toBe(true)
  })

  it('computes any single parity shard alone, the same as with all six', () => {
    const random = prng(13)
    const data = Array.from({ length: 5 }, () => randomBuffer(4096, random))
    const all = rsEncode(data, [5, 6, 7, 8, 9, 10])
    for (let i = 5; i <= 10; i++) expect(same(rsEncode(data, [i])[0], all[i - 5])).toBe(true)
  })

  it('rebuilds every shard from random k-subsets, agreeing with the native repair', async () => {
    const random = prng(14)
    for (let round = 0; round < 60; round++) {
      const k = 1 + Math.floor(random() * ERASURE_LIMITS.maxK)
      const total = k + 1 + Math.floor(random() * MAX_PARITY)
      const cipher = randomBuffer(1 + Math.floor(random() * 50_000), random)
      const { shardSize, shards } = rsEncodeSegment(cipher, k, total)
      const keep = sample(total, k, random)
      const available = new Map(keep.map((i) => [i, shards[i] as Uint8Array]))
      const wanted = Array.from({ length: total }, (_, i) => i).filter((i) => !available.has(i))
      const rebuilt = rsReconstruct(available, k, wanted)
      for (const i of wanted) expect(same(rebuilt.get(i), shards[i]), `k=${k} total=${total} kept ${keep.join(',')} shard ${i}`).toBe(true)
      const native = await reconstructShards(new Map(keep.map((i) => [i, Buffer.from(shards[i] as Uint8Array)])), k, total, shardSize, wanted)
      for (const i of wanted) expect(same(native.get(i), shards[i])).toBe(true)
      expect(same(rsDecodeSegment(available, k, shardSize, cipher.length), cipher)).toBe(true)
    }
  })

  it('refuses too few shards, mixed sizes and indices outside the code', () => {
    const { shards } = rsEncodeSegment(randomBuffer(1000, prng(15)), 4, 8)
    const pick = (indices: number[]) => new Map(indices.map((i) => [i, shards[i] as Uint8Array]))
    expect(() => rsReconstruct(pick([0, 5, 7]), 4, [1])).toThrow(/need 4/)
    expect(() => rsReconstruct(new Map([...pick([0, 1, 2]), [5, new Uint8Array(8)]]), 4, [3])).toThrow(/size/)
    expect(() => rsReconstruct(pick([0, 1, 2, 3]), 4, [10])).toThrow(/outside/)
    expect(() => rsEncodeSegment(new Uint8Array(10), 4, 11)).toThrow(/total/)
    expect(() => rsEncodeSegment(new Uint8Array(10), 25, 26)).toThrow(/k must be/)
  })

  it('uses the same shard size rule as the native path', () => {
    for (const [size, k] of [[0, 4], [1, 1], [1001, 4], [8 * 1024 * 1024 + 16, 4], [12345, 24]] as const) expect(portableShardSize(size, k)).toBe(shardSizeFor(size, k))
  })

  it('is browser-safe: the portable entry imports no Node built-ins', async () => {
    for (const file of ['portable.ts', 'rs-portable.ts', 'race.ts', 'constants.ts']) {
      const source = await readFile(new URL(`../src/${file}`, import.meta.url), 'utf8')
      expect(source, file).not.toMatch(/from '(node:|@w3ai\/protocol|@ronomon)/)
      expect(source, file).not.toMatch(/\bBuffer\b/)
    }
  })
})
