/** Pure storage rules: redundancy bounds, CIDs, segment arithmetic, manifest-against-upload checks. */
import { CidSchema, STORAGE_DEFAULTS, W3aiError, type Manifest, type Redundancy } from '@w3ai/protocol'
import type { CommittedSegment, UploadRow } from './upload-store.js'

// The Reed–Solomon coder handles up to 24 data and 6 parity shards per segment.
export const MAX_K = 24
export const MAX_PARITY = 6
const CID_RE = new RegExp((CidSchema as { pattern: string }).pattern)

export function checkRedundancy(r: Redundancy): void {
  if (!(r.k < r.n && r.k <= MAX_K && r.n - r.k <= MAX_PARITY && r.repairThreshold >= r.k && r.repairThreshold <= r.n)) {
    throw new W3aiError(
      'STORAGE_BAD_REDUNDANCY',
      `Redundancy ${r.k}/${r.n} with repair threshold ${r.repairThreshold} is invalid: need 1 <= K < N, K <= ${MAX_K}, N - K <= ${MAX_PARITY}, K <= repair <= N.`,
    )
  }
}

/**
 * The redundancy an upload gets when it names none, fitted to the nodes that can take its pieces:
 * n = min(default n, nodes), k about two thirds of n with at least one parity piece, repair halfway
 * between k and n (at least one piece above k). 6 nodes or more: the default 4-of-6, repair at 5;
 * 5 nodes: 3-of-5, repair at 4. Undefined below 2 nodes (each piece needs its own node).
 */
export function fittingRedundancy(nodes: number): Redundancy | undefined {
  const n = Math.min(STORAGE_DEFAULTS.n, nodes)
  if (n < 2) return undefined
  const k = Math.max(1, Math.min(n - 1, Math.round((2 * n) / 3)))
  return { k, n, repairThreshold: Math.min(n, k + Math.max(1, Math.floor((n - k) / 2))) }
}

export function checkCid(cid: string): void {
  if (!CID_RE.test(cid)) throw new W3aiError('STORAGE_BAD_CID', `"${cid.slice(0, 80)}" is not a CIDv1 in base32.`)
}

export function segmentCount(u: UploadRow): number {
  return Math.max(1, Math.ceil(u.size / u.segmentSize))
}

export function expectedPlainSize(u: UploadRow, seg: number): number {
  if (u.size === 0) return 0
  return Math.min(u.segmentSize, u.size - seg * u.segmentSize)
}

/** The largest piece a segment of this upload can have (ciphertext plus tag, split k ways, with slack). */
export function maxShardSize(u: UploadRow): number {
  return Math.ceil(Math.max(u.segmentSize + 16, 16) / u.redundancy.k) + 8
}

/** True when a canonical manifest describes exactly this upload and its committed segments. */
export function manifestMatches(manifest: Manifest, upload: UploadRow, segments: CommittedSegment[]): boolean {
  return (
    manifest.size === upload.size &&
    manifest.segmentSize === upload.segmentSize &&
    manifest.erasure.k === upload.redundancy.k &&
    manifest.erasure.n === upload.redundancy.n &&
    manifest.segments.length === segmentCount(upload) &&
    segments.length === manifest.segments.length &&
    manifest.segments.every((s, i) => {
      const c = segments[i]
      return (
        c !== undefined &&
        c.seg === i &&
        c.plainSize === s.plainSize &&
        c.cipherSize === s.cipherSize &&
        c.shardSize === s.shardSize &&
        JSON.stringify(c.pieces) === JSON.stringify(s.pieces.map((p) => ({ index: p.index, cid: p.cid })))
      )
    })
  )
}
