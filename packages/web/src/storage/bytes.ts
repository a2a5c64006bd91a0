/** Byte helpers of the dashboard: the storage core's (no Node Buffer), plus randomness from WebCrypto. */
import type { Bytes } from '@w3ai/storage/portable'

export { concatBytes as concat, equalBytes, fromBase64Url, toBase64Url, toHex, utf8, type Bytes } from '@w3ai/storage/portable'

export function randomBytes(size: number): Bytes {
  return crypto.getRandomValues(new Uint8Array(size))
}
