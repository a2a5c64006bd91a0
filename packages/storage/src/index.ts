/**
 * @w3ai/storage: W3S on the client and for hub and nodes — segmenting, per-segment AES-256-GCM,
 * Reed–Solomon erasure coding, piece CIDs and dag-json manifests, Merkle audit proofs, placement,
 * the upload and download pipelines, and CAR export. A pure library: transports are injected.
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
export { DEFAULT_DOWNLOAD_EXTRA, DEFAULT_DOWNLOAD_PREFETCH, ERASURE_LIMITS, GCM_TAG_BYTES } from './constants.js'
export { decryptSegment, deriveSegmentKey, encryptSegment, encryptSegmentParts, generateObjectKey, type SegmentKey } from './keys.js'
export { checkErasureParams, decodeSegment, encodeSegment, reconstructShards, shardSizeFor, type EncodedSegment } from './erasure.js'
export { rsDecodeSegment, rsEncode, rsEncodeSegment, rsReconstruct } from './rs-portable.js'
export { cidFromDigest, DAG_JSON_CODEC, isPieceCid, parseCid, PieceHasher, pieceCid, RAW_CODEC, SHA2_256, verifyPiece } from './cid.js'
export { decodeManifest, encodeManifest, manifestCid, validateManifest, type EncodedManifest } from './manifest.js'
export {
  MerkleBuilder,
  merkleLeafCount,
  merkleLeafHash,
  merkleNodeHash,
  merkleProof,
  merkleProofFromStream,
  merkleProofOfLeaves,
  merkleRoot,
  merkleRootOfLeaves,
  verifyProof,
} from './merkle.js'
export { segments } from './segmenter.js'
export { firstSuccesses, type RaceOptions, type RaceOutcome } from './race.js'
export {
  buildManifest,
  encodeObjectSegments,
  manifestSegment,
  prepareSegment,
  resolveEncodeOptions,
  segmentCommit,
  segmentOrdersRequest,
  type BuildManifestOptions,
  type EncodeOptions,
  type PreparedSegment,
  type PreparedShard,
  type UploadedPiece,
} from './encode.js'
export { uploadSegment, type UploadSegmentOptions } from './upload.js'
export { downloadObject, downloadSegment, type DownloadObjectOptions, type DownloadSegmentOptions, type PlainSink, type SegmentSource } from './download.js'
export { choosePlacement, type PlacementCandidate, type PlacementOptions } from './placement.js'
export { writeCar, type CarBlock, type CarSink } from './car.js'
