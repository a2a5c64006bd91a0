import * as dagJson from '@ipld/dag-json'
import type { Manifest } from '@w3ai/protocol'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { buildManifest, decodeManifest, encodeManifest, manifestCid, parseCid, pieceCid, shardSizeFor } from '../src/index.js'

const cid = (i: number): string => pieceCid(Buffer.from(`piece ${i}`))

function sample(): Manifest {
  const seg = (plainSize: number, first: number) => ({
    plainSize,
    cipherSize: plainSize + 16,
    shardSize: shardSizeFor(plainSize + 16, 2),
    pieces: [0, 1, 3].map((index) => ({ index, cid: cid(first + index) })),
  })
  return buildManifest({ segmentSize: 2048, k: 2, n: 3, total: 5, merkleLeafSize: 4096, segments: [seg(2048, 0), seg(10, 10)] })
}

function expectInvalid(fn: () => unknown): void {
  expect(fn).toThrow(expect.objectContaining({ code: 'STORAGE_MANIFEST_INVALID' }))
}

describe('manifests', () => {
  it('encode to dag-json with piece links and decode back to the same manifest', () => {
    const manifest = sample()
    expect(manifest.size).toBe(2058)
    const { bytes, cid: id } = encodeManifest(manifest)
    expect(id).toMatch(/^bagu/)
    expect(id).toBe(manifestCid(bytes))
    expect(parseCid(id).code).toBe(0x0129)
    const node = dagJson.decode<{ segments: Array<{ pieces: Array<{ cid: unknown }> }> }>(bytes)
    expect(CID.asCID(node.segments[0]?.pieces[0]?.cid)?.toString()).toBe(manifest.segments[0]?.pieces[0]?.cid)
    expect(decodeManifest(bytes)).toEqual(manifest)
    expect(encodeManifest(decodeManifest(bytes)).cid).toBe(id)
  })

  it('rejects garbage, schema violations and inconsistent sizes', () => {
    const good = sample()
    expectInvalid(() => decodeManifest(Buffer.from('not json')))
    expectInvalid(() => decodeManifest(Buffer.from('{}')))
    const bad: Array<(m: Manifest) => void> = [
      (m) => ((m as { v: number }).v = 2),
      (m) => (m.size = 1),
      (m) => ((m as unknown as Record<string, unknown>).extra = 1),
      (m) => (m.segments[0]!.plainSize = 100),
      (m) => (m.segments[1]!.cipherSize = 99),
      (m) => (m.segments[1]!.shardSize = 64),
      (m) => (m.segments[1]!.pieces = [m.segments[1]!.pieces[0]!]),
      (m) => m.segments[0]!.pieces.reverse(),
      (m) => (m.segments[0]!.pieces[0]!.cid = 'bafkreinotacid'),
      (m) => (m.segments[0]!.pieces[2]!.index = 5),
      (m) => (m.erasure.total = 40),
      (m) => (m.erasure.n = 6),
      (m) => (m.segments = []),
    ]
    for (const mutate of bad) {
      const m = structuredClone(good)
      mutate(m)
      expectInvalid(() => encodeManifest(m))
    }
  })

  it('rejects bytes that are valid but not canonical (one manifest, one id)', () => {
    const { bytes } = encodeManifest(sample())
    const spaced = Buffer.from(Buffer.from(bytes).toString('utf8').replace(':', ': '))
    expectInvalid(() => decodeManifest(spaced))
    // Piece CIDs as strings instead of links.
    const asStrings = Buffer.from(JSON.stringify(sample()))
    expectInvalid(() => decodeManifest(asStrings))
  })

  it('builds the manifest of an empty object (one empty segment)', () => {
    const m = buildManifest({
      size: 0,
      segmentSize: 4096,
      k: 1,
      n: 2,
      total: 2,
      merkleLeafSize: 4096,
      segments: [{ plainSize: 0, cipherSize: 16, shardSize: 16, pieces: [{ index: 0, cid: cid(0) }, { index: 1, cid: cid(1) }] }],
    })
    expect(decodeManifest(encodeManifest(m).bytes)).toEqual(m)
    expect(() => buildManifest({ size: 5, segmentSize: 4096, k: 1, n: 2, total: 2, merkleLeafSize: 4096, segments: m.segments })).toThrow(/not 5/)
  })
})
