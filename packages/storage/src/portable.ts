/**
 * @w3ai/storage/portable: the storage core — segmenting, per-segment AES-256-GCM, Reed–Solomon
 * erasure coding, piece CIDs and dag-json manifests, Merkle audit proofs and the upload and
 * download pipelines — as one implementation for Node and browsers. What differs per platform
 * (hashing, WebCrypto or node:crypto, the native or the portable coder) sits behind `#platform`
 * (platform/node.ts, platform/web.ts), chosen by the `browser` export condition; both give the
 * same bytes. The Node entry (`@w3ai/storage`) adds the native coder's repair, placement and CAR.
 *
 * ```ts
 * import { encodeManifest, generateObjectKey, prepareSegment, resolveEncodeOptions } from '@w3ai/storage/portable'
 *
 * const options = resolveEncodeOptions({ objectKey: generateObjectKey(), k: 4, total: 8 })
 * const segment = await prepareSegment(plain, 0, options) // shards with CIDs and Merkle roots
 * ```
 */
export { DEFAULT_DOWNLOAD_EXTRA, DEFAULT_DOWNLOAD_PREFETCH, ERASURE_LIMITS, GCM_TAG_BYTES } from './constants.js'
export { concatBytes, equalBytes, fromBase64Url, fromHex, toBase64Url, toHex, utf8, type Bytes } from './bytes.js'
export { decryptSegment, deriveSegmentKey, encryptSegment, encryptSegmentParts, generateObjectKey, SEGMENT_INFO_PREFIX, type SegmentKey } from './keys.js'
export { checkErasureParams, shardSizeFor } from './erasure-params.js'
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
export { BufferPool } from './pool.js'
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
