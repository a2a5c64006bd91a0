/**
 * Defaults of the storage library that are not part of the wire contract. The contract's own
 * defaults (segment size, k/n, Merkle leaf size) are STORAGE_DEFAULTS in @w3ai/protocol.
 */

/** Pieces requested beyond k when downloading, so one slow or bad node does not stall a read. */
export const DEFAULT_DOWNLOAD_EXTRA = 2

/** Segments fetched ahead of the one being decrypted and written by downloadObject. */
export const DEFAULT_DOWNLOAD_PREFETCH = 1

/**
 * Limits of the Reed–Solomon coder (@ronomon/reed-solomon): at most 24 data shards and 6 parity
 * shards, so k <= 24 and total <= k + 6 (30 at most). Shards are multiples of 8 bytes.
 */
export const ERASURE_LIMITS = { maxK: 24, maxParity: 6, shardAlign: 8 } as const

/** Bytes of the AES-256-GCM tag appended to every encrypted segment. */
export const GCM_TAG_BYTES = 16
