/**
 * The fixed wire vectors (fixtures/wire-vectors.json, written by the implementations that came
 * before the shared storage core) and the inputs they were made from, for the Node test here and
 * the browser-platform test in packages/web.
 */
import { readFileSync } from 'node:fs'
import type { AuditProof, Manifest } from '@w3ai/protocol'
import { buildManifest, type PreparedSegment } from '../src/portable.js'

export interface WireVectors {
  segments: Array<{ plainSize: number; cipherSize: number; shardSize: number; shards: Array<{ index: number; cid: string; merkleRoot: string }> }>
  manifestCid: string
  manifestSha256: string
  piece: { cid: string; root4096: string; root64: string }
  proofs: AuditProof[]
  emptyPiece: { cid: string; root: string }
  parsed: string
}

export const vectors = JSON.parse(readFileSync(new URL('./fixtures/wire-vectors.json', import.meta.url), 'utf8')) as WireVectors

/** The deterministic bytes the vectors were made from. */
export function pattern(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 8)) & 255
  return bytes
}

/** Encoding options and segment plaintexts of the vectors' object. */
export const vectorOptions = { objectKey: pattern(32, 1), segmentSize: 40_000, k: 4, total: 8, merkleLeafSize: 4096 }
export const vectorPlains = (): Uint8Array[] => [pattern(40_000, 2), pattern(1234, 3)]
/** The piece the Merkle vectors were made from. */
export const vectorPiece = (): Uint8Array => pattern(5 * 4096 + 100, 9)

/** Prepared segments in the vectors' shape (sizes, and each shard's index, CID and Merkle root). */
export function summary(segments: readonly PreparedSegment[]): WireVectors['segments'] {
  return segments.map((s) => ({ plainSize: s.plainSize, cipherSize: s.cipherSize, shardSize: s.shardSize, shards: s.shards.map(({ index, cid, merkleRoot }) => ({ index, cid, merkleRoot })) }))
}

/** The vectors' manifest: each segment committed with its first six pieces. */
export function vectorManifest(segments: readonly PreparedSegment[]): Manifest {
  return buildManifest({
    segmentSize: vectorOptions.segmentSize,
    k: 4,
    n: 6,
    total: 8,
    merkleLeafSize: 4096,
    segments: segments.map((s) => ({ plainSize: s.plainSize, cipherSize: s.cipherSize, shardSize: s.shardSize, pieces: s.shards.slice(0, 6).map(({ index, cid }) => ({ index, cid })) })),
  })
}
