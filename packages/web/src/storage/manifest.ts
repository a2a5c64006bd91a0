/**
 * The object manifest, built and encoded as manifest.ts in @w3ai/storage does: dag-json with piece
 * CIDs as links, whose CID is the object id. Downloads re-encode the manifest the hub hands out and
 * compare its CID with the object id, so a hub cannot point a reader at other pieces.
 */
import * as dagJson from '@ipld/dag-json'
import type { Manifest, ManifestSegment } from '@w3ai/protocol'
import { ERASURE_LIMITS, GCM_TAG_BYTES, shardSizeFor } from '@w3ai/storage/portable'
import { CID } from 'multiformats/cid'
import type { Bytes } from './bytes.js'
import { manifestCid } from './cid.js'

export interface ManifestOptions {
  segmentSize: number
  k: number
  n: number
  /** Shards encoded per segment (n plus long-tail spares). */
  total: number
  merkleLeafSize: number
  segments: ManifestSegment[]
}

/** The manifest of committed segments, pieces in ascending index order. */
export function buildManifest(o: ManifestOptions): Manifest {
  const manifest: Manifest = {
    v: 1,
    type: 'w3s/object',
    size: o.segments.reduce((sum, s) => sum + s.plainSize, 0),
    segmentSize: o.segmentSize,
    encryption: { alg: 'AES-256-GCM', kdf: 'HKDF-SHA256' },
    erasure: { alg: 'reed-solomon', k: o.k, n: o.n, total: o.total },
    merkleLeafSize: o.merkleLeafSize,
    segments: o.segments.map((s) => ({
      plainSize: s.plainSize,
      cipherSize: s.cipherSize,
      shardSize: s.shardSize,
      pieces: [...s.pieces].sort((a, b) => a.index - b.index).map((p) => ({ index: p.index, cid: p.cid })),
    })),
  }
  checkManifest(manifest)
  return manifest
}

/**
 * The arithmetic downloads rely on (sizes, shard sizes, the coder's limits); the full schema check
 * stays with the hub, which refuses a manifest that fails it.
 */
export function checkManifest(m: Manifest): void {
  const { k, n, total } = m.erasure
  const fail = (why: string): never => {
    throw new Error(`The manifest is invalid: ${why}.`)
  }
  if (m.v !== 1 || m.type !== 'w3s/object') fail('unknown version or type')
  if (!(k >= 1 && k <= ERASURE_LIMITS.maxK && n > k && total >= n && total <= k + ERASURE_LIMITS.maxParity)) fail(`unsupported erasure coding ${k}/${n}/${total}`)
  if (m.segments.length === 0) fail('an object has at least one segment')
  let size = 0
  m.segments.forEach((s, i) => {
    if (s.cipherSize !== s.plainSize + GCM_TAG_BYTES || s.shardSize !== shardSizeFor(s.cipherSize, k)) fail(`segment ${i} sizes do not add up`)
    if (s.pieces.length < k) fail(`segment ${i} has fewer than k pieces`)
    size += s.plainSize
  })
  if (size !== m.size) fail('the segment sizes do not add up to the object size')
}

/** The canonical dag-json bytes and the object id. */
export async function encodeManifest(manifest: Manifest): Promise<{ bytes: Bytes; cid: string }> {
  const node = {
    ...manifest,
    segments: manifest.segments.map((s) => ({ ...s, pieces: s.pieces.map((p) => ({ index: p.index, cid: CID.parse(p.cid) })) })),
  }
  const bytes = dagJson.encode(node).slice()
  return { bytes, cid: await manifestCid(bytes) }
}
