/**
 * Wire constants the browser client shares with @w3ai/protocol and @w3ai/crypto. They are
 * repeated here rather than imported because importing any value from @w3ai/protocol pulls its
 * TypeBox schemas into the main bundle; test/storage-compat.test.ts checks they stay equal. (The
 * storage formats themselves come from the storage core, @w3ai/storage/portable.)
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
