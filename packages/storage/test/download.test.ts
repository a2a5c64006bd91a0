import { W3aiError, type Manifest, type StoredPiece } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import {
  BufferPool,
  buildManifest,
  decodeSegment,
  decryptSegment,
  downloadObject,
  downloadSegment,
  encodeObjectSegments,
  encodeSegment,
  encryptSegment,
  generateObjectKey,
  manifestSegment,
  uploadSegment,
} from '../src/index.js'
import { delay, FakeNetwork, placementsFor, prng, randomBuffer } from './helpers.js'

const SEGMENT = 4096

/** Flips one random bit of a non-empty buffer in place. */
function flipBit(bytes: Buffer, random: () => number): void {
  const at = Math.floor(random() * bytes.length)
  bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(random() * 8))
}

/** Encrypts, encodes and "uploads" an object to a fake network; returns what a reader needs. */
async function store(data: Buffer, k = 4, n = 6, total = 8): Promise<{ manifest: Manifest; key: Uint8Array; net: FakeNetwork }> {
  const key = generateObjectKey()
  const net = new FakeNetwork(1024)
  const segments = []
  const chunks = [data.subarray(0, 1000), data.subarray(1000)]
  for await (const prepared of encodeObjectSegments(chunks, { objectKey: key, segmentSize: SEGMENT, k, total, merkleLeafSize: 1024 })) {
    const stored = await uploadSegment(prepared, placementsFor(prepared.shards), { putPiece: (p, b) => net.put(p, b), needed: total })
    segments.push(manifestSegment(prepared, stored))
  }
  const manifest = buildManifest({ size: data.length, segmentSize: SEGMENT, k, n, total, merkleLeafSize: 1024, segments })
  return { manifest, key, net }
}

async function read(manifest: Manifest, key: Uint8Array, net: FakeNetwork, getPiece = (p: StoredPiece) => net.get(p)): Promise<Buffer> {
  const out: Buffer[] = []
  const { k, total } = manifest.erasure
  await downloadObject(
    manifest,
    key,
    (_i, segment, signal) => downloadSegment(segment, net.piecesOf(segment.pieces), { getPiece, k, total, signal }),
    (chunk) => void out.push(Buffer.from(chunk)),
  )
  return Buffer.concat(out)
}

describe('download', () => {
  it('round-trips 0 B, 1 B, a segment and a segment ± 1', async () => {
    const random = prng(41)
    for (const size of [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT + 17]) {
      const data = randomBuffer(size, random)
      const { manifest, key, net } = await store(data)
      expect(manifest.segments).toHaveLength(Math.max(1, Math.ceil(size / SEGMENT)))
      expect((await read(manifest, key, net)).equals(data)).toBe(true)
    }
  })

  it('takes the fastest k verified pieces and aborts the rest', async () => {
    const { manifest, key, net } = await store(randomBuffer(SEGMENT, prng(42)))
    const segment = manifest.segments[0]!
    const requested: number[] = []
    const aborted: number[] = []
    const getPiece = async (p: StoredPiece, signal: AbortSignal): Promise<Uint8Array> => {
      requested.push(p.index)
      signal.addEventListener('abort', () => aborted.push(p.index))
      await delay(p.index === 1 ? 5_000 : 1, signal)
      return net.get(p)
    }
    const cipher = await downloadSegment(segment, net.piecesOf(segment.pieces), { getPiece, k: 4 })
    expect(cipher).toHaveLength(segment.cipherSize)
    expect(requested).toHaveLength(6) // k + 2 at once
    expect(aborted).toContain(1)
  })

  it('with a pool and a pace, reads the data shards into place and asks for spares only when one is slow', async () => {
    const data = randomBuffer(3 * SEGMENT, prng(45))
    const { manifest, key, net } = await store(data)
    const { k, total } = manifest.erasure
    const pool = new BufferPool()
    // A usual time far above anything here, so no spare is asked for by the clock in this test.
    const pace: { ms?: number } = { ms: 60_000 }
    const requested: number[][] = [[], [], []]
    let slow = -1
    const out: Buffer[] = []
    await downloadObject(
      manifest,
      key,
      (i, segment, signal) =>
        downloadSegment(segment, net.piecesOf(segment.pieces), {
          k,
          total,
          signal,
          pool,
          ...(i === 0 ? {} : { pace }),
          getPiece: async (p, pieceSignal, into) => {
            requested[i]!.push(p.index)
            if (i === 2 && p.index === slow) await delay(5_000, pieceSignal)
            const bytes = await net.get(p)
            if (into === undefined || into.byteLength !== bytes.byteLength) return bytes
            into.set(bytes)
            return into
          },
        }),
      (chunk) => void out.push(Buffer.from(chunk)),
      { pool, prefetch: 0 },
    )
    expect(Buffer.concat(out).equals(data)).toBe(true)
    expect(requested[0]).toHaveLength(6) // no pace: k + 2 at once
    expect(requested[1]!.sort()).toEqual([0, 1, 2, 3]) // with one: the k data shards only
    // A slow data shard: the spares go out after twice the usual time and the segment decodes.
    slow = 1
    pace.ms = 1
    requested[2] = []
    out.length = 0
    const segment = manifest.segments[2]!
    const cipher = await downloadSegment(segment, net.piecesOf(segment.pieces), {
      k,
      total,
      pool,
      pace,
      getPiece: async (p, signal, into) => {
        requested[2]!.push(p.index)
        if (p.index === slow) await delay(5_000, signal)
        const bytes = await net.get(p)
        if (into === undefined || into.byteLength !== bytes.byteLength) return bytes
        into.set(bytes)
        return into
      },
    })
    expect(Buffer.from(await decryptSegment(cipher, key, 2)).equals(data.subarray(2 * SEGMENT))).toBe(true)
    expect(requested[2]!.sort()).toEqual([0, 1, 2, 3, 4, 5])
  })

  it('skips corrupt and wrong pieces, asks other nodes, and prefers healthy ones', async () => {
    const { manifest, key, net } = await store(randomBuffer(2000, prng(43)))
    const segment = manifest.segments[0]!
    const pieces = net.piecesOf(segment.pieces)
    pieces[0]!.healthy = false
    const requested: number[] = []
    const getPiece = async (p: StoredPiece): Promise<Uint8Array> => {
      requested.push(p.index)
      const bytes = Buffer.from(await net.get(p))
      if (p.index === 2) bytes[0] = (bytes[0] ?? 0) ^ 1
      if (p.index === 3) return bytes.subarray(1)
      return bytes
    }
    const cipher = await downloadSegment(segment, pieces, { getPiece, k: 4, extra: 0 })
    // Healthy first; the two bad pieces are replaced by the next candidates; unhealthy 0 is never needed.
    expect(requested).toEqual([1, 2, 3, 4, 5, 6])
    expect(cipher).toHaveLength(segment.cipherSize)
    // A listed piece whose CID disagrees with the manifest is never requested.
    const forged = pieces.map((p) => (p.index === 5 ? { ...p, cid: pieces[4]!.cid } : p))
    const asked: number[] = []
    await downloadSegment(segment, forged, { getPiece: (p) => (asked.push(p.index), net.get(p)), k: 4, extra: 4 })
    expect(asked).not.toContain(5)
  })

  it('fails with STORAGE_NOT_ENOUGH_PIECES when fewer than k pieces are intact', async () => {
    const { manifest, key, net } = await store(randomBuffer(5000, prng(44)))
    const broken = async (p: StoredPiece): Promise<Uint8Array> => {
      if (p.index >= 3) throw new Error('gone')
      return net.get(p)
    }
    const err = await read(manifest, key, net, broken).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STORAGE_NOT_ENOUGH_PIECES', details: { have: 3, need: 4 } })
  })

  it('writes nothing of a segment that fails authentication', async () => {
    const data = randomBuffer(2 * SEGMENT + 5, prng(45))
    const { manifest, key, net } = await store(data)
    const written: Buffer[] = []
    const err = await downloadObject(
      manifest,
      key,
      async (i, segment, signal) => {
        const cipher = await downloadSegment(segment, net.piecesOf(segment.pieces), { getPiece: (p) => net.get(p), k: 4, signal })
        if (i === 1) cipher[10] = (cipher[10] ?? 0) ^ 1
        return cipher
      },
      (chunk) => void written.push(Buffer.from(chunk)),
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STORAGE_INTEGRITY' })
    expect(Buffer.concat(written).equals(data.subarray(0, SEGMENT))).toBe(true)
  })

  it('property: random sizes, corruptions and losses give the original bytes or a clean error, never wrong bytes', async () => {
    const random = prng(46)
    let ok = 0
    let failed = 0
    for (let iter = 0; iter < 300; iter++) {
      const size = Math.floor(random() * 3 * SEGMENT)
      const k = 1 + Math.floor(random() * 4)
      const total = k + 1 + Math.floor(random() * 4)
      const data = randomBuffer(size, random)
      const { manifest, key, net } = await store(data, k, k + 1, total)
      // Each stored piece: kept, lost, bit-flipped, truncated or swapped for another piece's bytes.
      for (const store of net.stores.values()) {
        for (const [cid, bytes] of store) {
          const r = random()
          if (r < 0.15) store.delete(cid)
          else if (r < 0.3) flipBit(bytes, random)
          else if (r < 0.35) store.set(cid, bytes.subarray(0, bytes.length - 8))
          else if (r < 0.4) store.set(cid, Buffer.alloc(bytes.length, 0))
        }
      }
      try {
        const out = await read(manifest, key, net)
        expect(out.equals(data)).toBe(true)
        ok++
      } catch (err) {
        expect(err).toBeInstanceOf(W3aiError)
        expect(['STORAGE_NOT_ENOUGH_PIECES', 'STORAGE_INTEGRITY']).toContain((err as W3aiError).code)
        failed++
      }
    }
    // Both outcomes must actually be exercised.
    expect(ok).toBeGreaterThan(30)
    expect(failed).toBeGreaterThan(30)
  })

  it('property: even shards that skip the CID check (corrupted in place) never decrypt to wrong bytes', async () => {
    const random = prng(47)
    const key = generateObjectKey()
    let ok = 0
    let failed = 0
    for (let iter = 0; iter < 300; iter++) {
      const size = Math.floor(random() * 2000)
      const k = 1 + Math.floor(random() * 5)
      const total = k + 1 + Math.floor(random() * 5)
      const plain = randomBuffer(size, random)
      const cipher = await encryptSegment(plain, key, iter)
      const { shardSize, shards } = await encodeSegment(cipher, k, total)
      const available = new Map<number, Buffer>()
      for (const [i, shard] of shards.entries()) {
        const r = random()
        if (r < 0.3) continue
        const copy = Buffer.from(shard)
        if (r < 0.45) flipBit(copy, random)
        available.set(i, copy)
      }
      try {
        const out = await decryptSegment(await decodeSegment(available, k, total, shardSize, cipher.length), key, iter)
        expect(Buffer.from(out).equals(plain)).toBe(true)
        ok++
      } catch (err) {
        expect(['STORAGE_NOT_ENOUGH_PIECES', 'STORAGE_INTEGRITY']).toContain((err as W3aiError).code)
        failed++
      }
    }
    expect(ok).toBeGreaterThan(30)
    expect(failed).toBeGreaterThan(30)
  })
})
