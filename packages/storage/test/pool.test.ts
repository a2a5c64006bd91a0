import type { StoredPiece } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { BufferPool, buildManifest, downloadObject, downloadSegment, encodeObjectSegments, generateObjectKey, manifestSegment, uploadSegment } from '../src/index.js'
import { FakeNetwork, placementsFor, prng, randomBuffer } from './helpers.js'

const SEGMENT = 4096

describe('BufferPool', () => {
  it('hands a given-back buffer out again for the same size, and a fresh one for another size', () => {
    const pool = new BufferPool()
    const a = pool.take(64)
    pool.give(a.subarray(8, 16))
    expect(pool.take(64).buffer).toBe(a.buffer)
    expect(pool.take(64).buffer).not.toBe(a.buffer)
    pool.give(a)
    expect(pool.take(32).byteLength).toBe(32)
  })

  it('holds a buffer given back twice only once', () => {
    const pool = new BufferPool()
    const a = pool.take(64)
    pool.give(a)
    pool.give(a)
    expect(pool.take(64).buffer).toBe(a.buffer)
    expect(pool.take(64).buffer).not.toBe(a.buffer)
  })

  it('keeps at most `keep` buffers of a size', () => {
    const pool = new BufferPool(1)
    const [a, b] = [pool.take(8), pool.take(8)]
    pool.give(a)
    pool.give(b)
    expect(pool.take(8).buffer).toBe(a.buffer)
    expect(pool.take(8).buffer).not.toBe(b.buffer)
  })
})

describe('pipelines over a pool', () => {
  it('encode the same shards with and without a pool, and reuse buffers from segment to segment', async () => {
    const data = randomBuffer(5 * SEGMENT + 100, prng(7))
    const options = { objectKey: generateObjectKey(), segmentSize: SEGMENT, k: 4, total: 8, merkleLeafSize: 1024 }
    const plainCids: string[][] = []
    for await (const s of encodeObjectSegments([data], options)) plainCids.push(s.shards.map((x) => x.cid))
    const pool = new BufferPool()
    const pooledCids: string[][] = []
    const memories = new Set<ArrayBufferLike>()
    for await (const s of encodeObjectSegments([data.subarray(0, 999), data.subarray(999)], options, pool)) {
      pooledCids.push(s.shards.map((x) => x.cid))
      for (const shard of s.shards) memories.add(shard.bytes.buffer)
      s.release?.()
    }
    expect(pooledCids).toEqual(plainCids)
    // Six segments, two buffers each when fresh; reuse keeps it to the read-ahead's few.
    expect(memories.size).toBeLessThanOrEqual(6)
  })

  it('round-trip an object through reused piece buffers, with or without every data shard', async () => {
    const random = prng(11)
    const data = randomBuffer(4 * SEGMENT + 5, random)
    const key = generateObjectKey()
    const net = new FakeNetwork(1024)
    const pool = new BufferPool()
    const segments = []
    for await (const prepared of encodeObjectSegments([data], { objectKey: key, segmentSize: SEGMENT, k: 4, total: 8, merkleLeafSize: 1024 }, pool)) {
      const stored = await uploadSegment(prepared, placementsFor(prepared.shards), { putPiece: (p, b) => net.put(p, b), needed: 8 })
      segments.push(manifestSegment(prepared, stored))
      prepared.release?.()
    }
    const manifest = buildManifest({ size: data.length, segmentSize: SEGMENT, k: 4, n: 6, total: 8, merkleLeafSize: 1024, segments })
    // Segment 1 has lost a data shard (parity decodes it); the others come from their data shards.
    const lost = manifest.segments[1]?.pieces[2]?.cid
    const intoSeen = new Set<ArrayBufferLike>()
    const getPiece = async (piece: StoredPiece, _signal: AbortSignal, into?: Uint8Array): Promise<Uint8Array> => {
      if (piece.cid === lost) throw new Error('gone')
      const bytes = await net.get(piece)
      if (into === undefined) return bytes
      intoSeen.add(into.buffer)
      into.set(bytes)
      return into
    }
    const out: Buffer[] = []
    await downloadObject(
      manifest,
      key,
      (_i, segment, signal) => downloadSegment(segment, net.piecesOf(segment.pieces), { getPiece, k: 4, total: 8, signal, pool }),
      (chunk) => void out.push(Buffer.from(chunk)),
      { pool, reusePlain: true, prefetch: 1 },
    )
    expect(Buffer.concat(out).equals(data)).toBe(true)
    // 5 segments × at least 4 pieces went through a handful of reused buffers.
    expect(intoSeen.size).toBeLessThan(20)
  })
})
