/**
 * Wire constants the browser client shares with @w3ai/protocol and @w3ai/crypto. They are
 * repeated here rather than imported because importing any value from @w3ai/protocol pulls its
 * TypeBox schemas into the bundle; test/storage-compat.test.ts checks they stay equal.
 */
export const SIGNATURE_SCHEME = 'W3AI-ED25519-V1'
export const HEADER_KEY = 'x-w3ai-key'
export const HEADER_TIMESTAMP = 'x-w3ai-timestamp'
export const HEADER_NONCE = 'x-w3ai-nonce'
export const HEADER_SIGNATURE = 'x-w3ai-signature'
export const HEADER_ORDER = 'x-w3ai-order'

/** Key wrapping (wrap.ts in @w3ai/crypto): algorithm name and HKDF info. */
export const WRAP_ALG = 'X25519-HKDF-SHA256-AES-256-GCM'
export const WRAP_INFO = 'w3ai/wrap/v1'

/** Segment keys (keys.ts in @w3ai/storage): HKDF info prefix; the segment index follows. */
export const SEGMENT_INFO_PREFIX = 'w3s/segment/'

/** Multicodec codes of piece (raw) and manifest (dag-json) CIDs, and of sha2-256. */
export const RAW_CODEC = 0x55
export const DAG_JSON_CODEC = 0x0129
export const SHA2_256 = 0x12
