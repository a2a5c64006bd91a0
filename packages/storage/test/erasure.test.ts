import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { checkErasureParams, decodeSegment, encodeSegment, ERASURE_LIMITS, reconstructShards, shardSizeFor } from '../src/index.js'
import { prng, randomBuffer } from './helpers.js'

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
  return undefined
}

function pick(shards: Buffer[], indices: number[]): Map<number, Buffer> {
  return new Map(indices.map((i) => [i, shards[i] as Buffer]))
}

describe('Reed–Solomon erasure coding', () => {
  it('makes `total` shards of a multiple of 8 bytes, data first', async () => {
    const cipher = randomBuffer(1001, prng(1))
    const { shardSize, shards } = await encodeSegment(cipher, 4, 8)
    expect(shardSize).toBe(256)
    expect(shardSize % 8).toBe(0)
    expect(shards).toHaveLength(8)
    expect(Buffer.concat(shards.slice(0, 4)).subarray(0, 1001).equals(cipher)).toBe(true)
    expect(shardSizeFor(0, 4)).toBe(8)
  })

  it('rebuilds from every choice of k shards (4 of 7)', async () => {
    const cipher = randomBuffer(5000, prng(2))
    const { shardSize, shards } = await encodeSegment(cipher, 4, 7)
    for (let mask = 0; mask < 1 << 7; mask++) {
      const indices = [0, 1, 2, 3, 4, 5, 6].filter((i) => (mask & (1 << i)) !== 0)
      if (indices.length !== 4) continue
      const out = await decodeSegment(pick(shards, indices), 4, 7, shardSize, cipher.length)
      expect(out.equals(cipher)).toBe(true)
    }
  })

  it('gives the same shards whatever total was used, so spares can be cut and n changed', async () => {
    const cipher = randomBuffer(3000, prng(3))
    const small = await encodeSegment(cipher, 3, 5)
    const large = await encodeSegment(cipher, 3, 9)
    for (let i = 0; i < 5; i++) expect(small.shards[i]?.equals(large.shards[i] as Buffer)).toBe(true)
  })

  it('throws STORAGE_NOT_ENOUGH_PIECES with fewer than k shards', async () => {
    const { shardSize, shards } = await encodeSegment(randomBuffer(100, prng(4)), 4, 6)
    expect(await code(decodeSegment(pick(shards, [0, 4, 5]), 4, 6, shardSize, 100))).toBe('STORAGE_NOT_ENOUGH_PIECES')
  })

  it('repair regenerates byte-identical shards from any k survivors', async () => {
    const cipher = randomBuffer(40_000, prng(5))
    const { shardSize, shards } = await encodeSegment(cipher, 4, 8)
    const cases: Array<[number[], number[]]> = [
      [[0, 1, 2, 3], [4, 5, 6, 7]],
      [[4, 5, 6, 7], [0, 1, 2, 3]],
      [[1, 3, 5, 7], [0, 2, 4, 6]],
      [[0, 2, 3, 6], [1]],
      [[2, 3, 4, 5, 6], [0, 7]],
    ]
    for (const [have, wanted] of cases) {
      const rebuilt = await reconstructShards(pick(shards, have), 4, 8, shardSize, wanted)
      for (const i of wanted) expect(rebuilt.get(i)?.equals(shards[i] as Buffer)).toBe(true)
    }
  })

  it('handles k = 1 (replication) and the coder limits k = 24, total = k + 6', async () => {
    const cipher = randomBuffer(999, prng(6))
    const one = await encodeSegment(cipher, 1, 3)
    expect(one.shards[2]?.equals(one.shards[0] as Buffer)).toBe(true)
    expect((await decodeSegment(pick(one.shards, [2]), 1, 3, one.shardSize, 999)).equals(cipher)).toBe(true)
    const big = await encodeSegment(cipher, 24, 30)
    const survivors = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 5 !== 0)
    expect((await decodeSegment(pick(big.shards, survivors), 24, 30, big.shardSize, 999)).equals(cipher)).toBe(true)
  })

  it('rejects parameters the coder cannot do with STORAGE_BAD_REDUNDANCY', () => {
    for (const [k, total] of [
      [0, 2],
      [4, 4],
      [4, 11],
      [25, 26],
      [2.5, 4],
    ] as const) {
      expect(() => checkErasureParams(k, total)).toThrow(expect.objectContaining({ code: 'STORAGE_BAD_REDUNDANCY' }))
    }
    expect(ERASURE_LIMITS).toEqual({ maxK: 24, maxParity: 6, shardAlign: 8 })
  })

  it('refuses shards of the wrong size or index', async () => {
    const { shardSize, shards } = await encodeSegment(randomBuffer(100, prng(7)), 2, 4)
    await expect(decodeSegment(new Map([[0, shards[0] as Buffer], [1, Buffer.alloc(shardSize + 8)]]), 2, 4, shardSize, 100)).rejects.toThrow(/bytes/)
    await expect(decodeSegment(new Map([[0, shards[0] as Buffer], [9, shards[1] as Buffer]]), 2, 4, shardSize, 100)).rejects.toThrow(/outside/)
  })
})
