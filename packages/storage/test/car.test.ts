import { CarReader } from '@ipld/car'
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { buildManifest, encodeManifest, encodeObjectSegments, generateObjectKey, manifestSegment, writeCar, type CarBlock } from '../src/index.js'
import { prng, randomBuffer } from './helpers.js'

async function sample(): Promise<{ bytes: Buffer; cid: string; blocks: CarBlock[] }> {
  const blocks: CarBlock[] = []
  const segments = []
  for await (const seg of encodeObjectSegments([randomBuffer(5000, prng(51))], { objectKey: generateObjectKey(), segmentSize: 2048, k: 2, total: 4 })) {
    for (const s of seg.shards) blocks.push({ cid: s.cid, bytes: s.bytes })
    segments.push(manifestSegment(seg, seg.shards.map((s) => ({ index: s.index, nodeId: 'n', receipt: {} as never }))))
  }
  const manifest = buildManifest({ segmentSize: 2048, k: 2, n: 3, total: 4, merkleLeafSize: 4096, segments })
  return { ...encodeManifest(manifest), blocks }
}

describe('CAR export', () => {
  it('writes a CARv1 with the manifest as root that CarReader reads back, every block verifying', async () => {
    const { bytes, cid, blocks } = await sample()
    const chunks: Uint8Array[] = []
    async function* stream(): AsyncGenerator<CarBlock> {
      yield* blocks
    }
    await writeCar(bytes, cid, stream(), (c) => void chunks.push(c))
    const reader = await CarReader.fromBytes(Buffer.concat(chunks))
    expect((await reader.getRoots()).map(String)).toEqual([cid])
    expect(reader.version).toBe(1)
    const seen = new Map<string, Uint8Array>()
    for await (const block of reader.blocks()) {
      const digest = createHash('sha256').update(block.bytes).digest()
      expect(Buffer.from(block.cid.multihash.digest).equals(digest)).toBe(true)
      seen.set(block.cid.toString(), block.bytes)
    }
    expect(Buffer.from(seen.get(cid)!).equals(bytes)).toBe(true)
    for (const b of blocks) expect(Buffer.from(seen.get(b.cid)!).equals(b.bytes)).toBe(true)
    expect(seen.size).toBe(blocks.length + 1)
  })

  it('refuses blocks or a manifest that do not match their CIDs', async () => {
    const { bytes, cid, blocks } = await sample()
    const bad = blocks.map((b, i) => (i === 2 ? { ...b, bytes: Buffer.alloc(b.bytes.length) } : b))
    await expect(writeCar(bytes, cid, bad, () => undefined)).rejects.toMatchObject({ code: 'STORAGE_PIECE_HASH_MISMATCH' })
    await expect(writeCar(Buffer.from('{}'), cid, blocks, () => undefined)).rejects.toMatchObject({ code: 'STORAGE_PIECE_HASH_MISMATCH' })
    await expect(writeCar(bytes, blocks[0]!.cid, blocks, () => undefined)).rejects.toMatchObject({ code: 'STORAGE_BAD_CID' })
  })

  it('propagates a failing sink instead of hanging', async () => {
    const { bytes, cid, blocks } = await sample()
    await expect(
      writeCar(bytes, cid, blocks, () => {
        throw new Error('disk full')
      }),
    ).rejects.toThrow('disk full')
  })
})
