/**
 * @w3ai/storage/portable: the browser-safe part of the storage library (no Node APIs, no native
 * addon), for clients such as the dashboard that encode and decode objects themselves. Hashing,
 * encryption and manifests use node:crypto in the main entry, so browsers bring their own
 * (WebCrypto, a JS SHA-256) around these.
 *
 * ```ts
 * import { rsDecodeSegment, rsEncodeSegment } from '@w3ai/storage/portable'
 *
 * const { shardSize, shards } = rsEncodeSegment(ciphertext, 4, 8) // same bytes as encodeSegment
 * const again = rsDecodeSegment(new Map([[1, shards[1]], [4, shards[4]], [6, shards[6]], [7, shards[7]]]), 4, shardSize, ciphertext.length)
 * ```
 */
export { DEFAULT_DOWNLOAD_EXTRA, ERASURE_LIMITS, GCM_TAG_BYTES } from './constants.js'
export { rsDecodeSegment, rsEncode, rsEncodeSegment, rsReconstruct, shardSizeFor } from './rs-portable.js'
export { firstSuccesses, type RaceOptions, type RaceOutcome } from './race.js'
