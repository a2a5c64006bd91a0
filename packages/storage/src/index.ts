/**
 * @w3ai/storage: W3S on the client and for hub and nodes. The storage core of ./portable.ts
 * (segmenting, per-segment AES-256-GCM, Reed–Solomon erasure coding, piece CIDs and dag-json
 * manifests, Merkle audit proofs, the upload and download pipelines), plus what only Node needs:
 * the native coder's repair, placement and CAR export. A pure library: transports are injected.
 *
 * ```ts
 * import { createReadStream, createWriteStream } from 'node:fs'
 * import { buildManifest, downloadObject, downloadSegment, encodeManifest, encodeObjectSegments, generateObjectKey,
 *   manifestSegment, segmentCommit, segmentOrdersRequest, uploadSegment } from '@w3ai/storage'
 *
 * // Upload: encrypt + erasure-code each segment, put its pieces on the placed nodes, commit.
 * const objectKey = generateObjectKey()
 * const segments = []
 * for await (const prepared of encodeObjectSegments(createReadStream(path), { objectKey, segmentSize, k: 4, total: 8 })) {
 *   const placements = await hub.orders(uploadId, prepared.index, segmentOrdersRequest(prepared))
 *   const stored = await uploadSegment(prepared, placements, { putPiece, needed: 6 }) // cuts the 2 slowest
 *   await hub.commit(uploadId, prepared.index, segmentCommit(prepared, stored))
 *   segments.push(manifestSegment(prepared, stored))
 * }
 * const manifest = buildManifest({ segmentSize, k: 4, n: 6, total: 8, merkleLeafSize: 4096, segments })
 * const { bytes, cid } = encodeManifest(manifest) // cid is the object id
 *
 * // Download: any k verified pieces per segment, authenticated before a byte is written.
 * const out = createWriteStream(target)
 * await downloadObject(manifest, objectKey,
 *   (i, segment, signal) => downloadSegment(segment, piecesOf(i), { getPiece, k: 4, signal }),
 *   (chunk) => new Promise((resolve, reject) => out.write(chunk, (e) => (e ? reject(e) : resolve()))))
 * ```
 */
import type { Manifest } from '@w3ai/protocol'
import { encodeManifest as encodePortable } from './manifest.js'

export * from './portable.js'
export { decodeSegment, encodeSegment, reconstructShards, type EncodedSegment } from './erasure.js'
export { choosePlacement, type PlacementCandidate, type PlacementOptions } from './placement.js'
export { writeCar, type CarBlock, type CarSink } from './car.js'

/** encodeManifest with the bytes as a Buffer (no copy), for Node callers that compare or send them. */
export function encodeManifest(manifest: Manifest): { bytes: Buffer; cid: string } {
  const { bytes, cid } = encodePortable(manifest)
  return { bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), cid }
}
