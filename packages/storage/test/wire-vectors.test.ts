/**
 * Wire formats against fixed vectors written by the implementations that came before the shared
 * core (the dashboard's and the node's own copies): piece CIDs, Merkle roots and proofs, segment
 * encryption and coding, and the manifest bytes must stay byte-identical, or stored objects and
 * signed receipts stop verifying.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { AuditProof } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { buildManifest, encodeManifest, merkleProof, merkleRoot, parseCid, pieceCid, prepareSegment, toHex, verifyProof } from '../src/portable.js'

interface Vectors {
  segments: Array<{ plainSize: number; cipherSize: number; shardSize: number; shards: Array<{ index: number; cid: string; merkleRoot: string }> }>
  manifestCid: string
  manifestSha256: string
  piece: { cid: string; root4096: string; root64: string }
  proofs: AuditProof[]
  emptyPiece: { cid: string; root: string }
  parsed: string
}

const vectors = JSON.parse(readFileSync(new URL('./fixtures/wire-vectors.json', import.meta.url), 'utf8')) as Vectors

/** The deterministic bytes the vectors were made from. */
function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 8)) & 255
  return bytes
}

describe('wire formats, against fixed vectors', () => {
  it('encrypts and erasure-codes segments into the same pieces, CIDs and Merkle roots', async () => {
    const options = { objectKey: pattern(32, 1), segmentSize: 40_000, k: 4, total: 8, merkleLeafSize: 4096 }
    const segments = await Promise.all([pattern(40_000, 2), pattern(1234, 3)].map((plain, i) => prepareSegment(plain, i, options)))
    expect(segments.map((s) => ({ plainSize: s.plainSize, cipherSize: s.cipherSize, shardSize: s.shardSize, shards: s.shards.map(({ index, cid, merkleRoot }) => ({ index, cid, merkleRoot })) }))).toEqual(
      vectors.segments,
    )
    const manifest = buildManifest({
      segmentSize: 40_000,
      k: 4,
      n: 6,
      total: 8,
      merkleLeafSize: 4096,
      segments: segments.map((s) => ({ plainSize: s.plainSize, cipherSize: s.cipherSize, shardSize: s.shardSize, pieces: s.shards.slice(0, 6).map(({ index, cid }) => ({ index, cid })) })),
    })
    const { bytes, cid } = encodeManifest(manifest)
    expect(cid).toBe(vectors.manifestCid)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(vectors.manifestSha256)
  })

  it('addresses pieces and builds Merkle trees and audit proofs as before', () => {
    const piece = pattern(5 * 4096 + 100, 9)
    expect(pieceCid(piece)).toBe(vectors.piece.cid)
    expect(merkleRoot(piece, 4096)).toBe(vectors.piece.root4096)
    expect(merkleRoot(piece, 64)).toBe(vectors.piece.root64)
    for (const proof of vectors.proofs) {
      expect(merkleProof(piece, proof.leafIndex, 4096)).toEqual(proof)
      expect(verifyProof(vectors.piece.root4096, proof, 4096, piece.length)).toBe(true)
    }
    expect(pieceCid(new Uint8Array(0))).toBe(vectors.emptyPiece.cid)
    expect(merkleRoot(new Uint8Array(0), 4096)).toBe(vectors.emptyPiece.root)
    expect(toHex(parseCid(vectors.piece.cid).multihash.digest)).toBe(vectors.parsed)
  })
})
