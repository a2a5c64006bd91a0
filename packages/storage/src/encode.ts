/**
 * The client's encoding pipeline: plaintext stream → segments → AES-256-GCM → Reed–Solomon shards
 * → a CID and Merkle root per shard, ready to ask the hub for piece orders. Also builds the
 * manifest and request bodies from the segments once their pieces are stored.
 */
import { STORAGE_DEFAULTS, W3aiError, type Manifest, type ManifestSegment, type SegmentCommit, type SegmentOrdersRequest, type SignedReceipt } from '@w3ai/protocol'
import { platform } from '#platform'
import { PieceHasher } from './cid.js'
import { checkErasureParams } from './erasure-params.js'
import { encryptSegmentParts } from './keys.js'
import { validateManifest } from './manifest.js'
import { MerkleBuilder } from './merkle.js'
import type { BufferPool } from './pool.js'
import { segments } from './segmenter.js'

export interface PreparedShard {
  /** Shard index in the Reed–Solomon code (data shards first). */
  index: number
  cid: string
  /** The piece bytes (a view into the segment's shared shard buffer). */
  bytes: Uint8Array
  /** Merkle root (hex) the storing node must sign in its receipt. */
  merkleRoot: string
}

export interface PreparedSegment {
  index: number
  plainSize: number
  cipherSize: number
  shardSize: number
  shards: PreparedShard[]
  /** Where the shards live in pooled buffers: gives them back (call once the pieces are sent). */
  release?: () => void
}

export interface EncodeOptions {
  objectKey: Uint8Array
  /** Default STORAGE_DEFAULTS.segmentSize. */
  segmentSize?: number
  /** Data shards; default STORAGE_DEFAULTS.k. */
  k?: number
  /** Shards produced per segment (n plus long-tail spares); default n + longTail. */
  total?: number
  /** Default STORAGE_DEFAULTS.merkleLeafSize. */
  merkleLeafSize?: number
}

/** A stored shard: which node holds it and its signed receipt. */
export interface UploadedPiece {
  index: number
  nodeId: string
  receipt: SignedReceipt
}

/**
 * A shard's CID and Merkle root in one pass: each 64 KiB stripe is hashed whole, then leaf by
 * leaf, while it is still in the CPU's cache (two passes over a 2 MiB shard would each read it
 * from memory).
 */
const HASH_STRIPE = 64 * 1024

export function hashPiece(bytes: Uint8Array, leafSize: number): { cid: string; merkleRoot: string } {
  const hasher = new PieceHasher()
  const merkle = new MerkleBuilder(leafSize, -1, bytes.byteLength)
  for (let at = 0; at < bytes.byteLength; at += HASH_STRIPE) {
    const stripe = bytes.subarray(at, at + HASH_STRIPE)
    hasher.update(stripe)
    merkle.update(stripe)
  }
  return { cid: hasher.cid(), merkleRoot: merkle.root() }
}

/**
 * Encrypts and erasure-codes one segment into shards with CIDs and Merkle roots. With a pool the
 * shards live in pooled buffers, given back by the result's `release()`.
 */
export async function prepareSegment(plain: Uint8Array, index: number, options: Required<EncodeOptions>, pool?: BufferPool): Promise<PreparedSegment> {
  checkErasureParams(options.k, options.total)
  const parts = await encryptSegmentParts(plain, options.objectKey, index)
  const cipherSize = parts.reduce((sum, p) => sum + p.byteLength, 0)
  const { shardSize, shards, buffers } = await platform.encodeShards(parts, options.k, options.total, pool)
  const prepared: PreparedSegment = {
    index,
    plainSize: plain.byteLength,
    cipherSize,
    shardSize,
    shards: shards.map((bytes, i) => ({ index: i, bytes, ...hashPiece(bytes, options.merkleLeafSize) })),
  }
  if (pool !== undefined && buffers !== undefined) {
    let released = false
    prepared.release = () => {
      if (released) return
      released = true
      for (const b of buffers) pool.give(b)
    }
  }
  return prepared
}

/** Fills in the documented defaults of EncodeOptions. */
export function resolveEncodeOptions(options: EncodeOptions): Required<EncodeOptions> {
  return {
    objectKey: options.objectKey,
    segmentSize: options.segmentSize ?? STORAGE_DEFAULTS.segmentSize,
    k: options.k ?? STORAGE_DEFAULTS.k,
    total: options.total ?? STORAGE_DEFAULTS.n + STORAGE_DEFAULTS.longTail,
    merkleLeafSize: options.merkleLeafSize ?? STORAGE_DEFAULTS.merkleLeafSize,
  }
}

/**
 * Streams an object's plaintext and yields each segment's prepared shards. The next segment is
 * prepared while the caller uploads the current one (so at most two are held), which hides the
 * encoding time behind the network. With a pool, plaintext and shard buffers are reused: the
 * caller calls each segment's `release()` once its pieces are sent, and memory stays flat.
 */
export async function* encodeObjectSegments(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: EncodeOptions, pool?: BufferPool): AsyncGenerator<PreparedSegment, void, undefined> {
  const resolved = resolveEncodeOptions(options)
  const plain = segments(source, resolved.segmentSize, pool)[Symbol.asyncIterator]()
  let index = 0
  const prepareNext = async (): Promise<PreparedSegment | undefined> => {
    const next = await plain.next()
    if (next.done === true) return undefined
    try {
      return await prepareSegment(next.value, index++, resolved, pool)
    } finally {
      // The plaintext is encrypted into the shards; its buffer serves the next segment.
      pool?.give(next.value)
    }
  }
  let pending = prepareNext()
  try {
    for (;;) {
      const current = await pending
      if (current === undefined) return
      pending = prepareNext()
      // The caller may stop early; the read-ahead's failure then belongs to nobody.
      pending.catch(() => undefined)
      yield current
    }
  } finally {
    await plain.return?.()
  }
}

/** The body asking the hub for piece orders for one prepared segment. */
export function segmentOrdersRequest(prepared: PreparedSegment): SegmentOrdersRequest {
  return { pieces: prepared.shards.map((s) => ({ index: s.index, cid: s.cid, size: s.bytes.byteLength })) }
}

/** The body committing one segment's stored pieces to the hub. */
export function segmentCommit(prepared: PreparedSegment, uploaded: readonly UploadedPiece[]): SegmentCommit {
  const pieces = [...uploaded].sort((a, b) => a.index - b.index).map((p) => ({ index: p.index, receipt: p.receipt }))
  return { plainSize: prepared.plainSize, cipherSize: prepared.cipherSize, shardSize: prepared.shardSize, pieces }
}

/** The manifest entry of one segment: its sizes and the CIDs of the pieces actually stored. */
export function manifestSegment(prepared: PreparedSegment, uploaded: readonly UploadedPiece[]): ManifestSegment {
  const byIndex = new Map(prepared.shards.map((s) => [s.index, s.cid]))
  const pieces = [...new Set(uploaded.map((p) => p.index))].sort((a, b) => a - b).map((index) => {
    const cid = byIndex.get(index)
    if (cid === undefined) throw new Error(`segment ${prepared.index} has no shard ${index}`)
    return { index, cid }
  })
  return { plainSize: prepared.plainSize, cipherSize: prepared.cipherSize, shardSize: prepared.shardSize, pieces }
}

export interface BuildManifestOptions {
  /** The object size; checked against the segments when given. */
  size?: number
  segmentSize: number
  k: number
  n: number
  /** Shards encoded per segment (n plus long-tail spares). */
  total: number
  merkleLeafSize: number
  /** Committed segments in order. */
  segments: ManifestSegment[]
}

/** Builds and validates the object manifest from its committed segments. */
export function buildManifest(options: BuildManifestOptions): Manifest {
  const manifest: Manifest = {
    v: 1,
    type: 'w3s/object',
    size: options.segments.reduce((sum, s) => sum + s.plainSize, 0),
    segmentSize: options.segmentSize,
    encryption: { alg: 'AES-256-GCM', kdf: 'HKDF-SHA256' },
    erasure: { alg: 'reed-solomon', k: options.k, n: options.n, total: options.total },
    merkleLeafSize: options.merkleLeafSize,
    segments: options.segments.map((s) => ({ plainSize: s.plainSize, cipherSize: s.cipherSize, shardSize: s.shardSize, pieces: s.pieces.map((p) => ({ index: p.index, cid: p.cid })) })),
  }
  validateManifest(manifest)
  if (options.size !== undefined && options.size !== manifest.size) {
    throw new W3aiError('STORAGE_MANIFEST_INVALID', `The segments hold ${manifest.size} bytes, not ${options.size}.`)
  }
  return manifest
}
