/**
 * Signed hub requests, as signed-request.ts in @w3ai/crypto makes them: an ed25519 signature over
 * scheme, method, path with query, SHA-256 (hex) of the body, timestamp and nonce, one per line.
 */
import { randomBytes, toBase64Url, toHex, utf8 } from './bytes.js'
import type { BrowserIdentity } from './identity.js'
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, SIGNATURE_SCHEME } from './wire.js'

export type SignedHeaders = Record<typeof HEADER_KEY | typeof HEADER_TIMESTAMP | typeof HEADER_NONCE | typeof HEADER_SIGNATURE, string>

/** The exact bytes that are signed. */
export async function canonicalRequest(method: string, path: string, body: string | undefined, timestamp: string, nonce: string): Promise<Uint8Array<ArrayBuffer>> {
  const digest = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(body ?? ''))))
  return utf8([SIGNATURE_SCHEME, method.toUpperCase(), path, digest, timestamp, nonce].join('\n'))
}

export interface SignOptions {
  now?: number
  nonce?: string
}

/** The four signature headers for a request of `method` to `path` (with query) carrying `body`. */
export async function signRequest(identity: Pick<BrowserIdentity, 'publicKey' | 'signingKey'>, method: string, path: string, body?: string, options: SignOptions = {}): Promise<SignedHeaders> {
  const timestamp = String(options.now ?? Date.now())
  const nonce = options.nonce ?? toBase64Url(randomBytes(16))
  const data = await canonicalRequest(method, path, body, timestamp, nonce)
  const signature = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, identity.signingKey, data))
  return { [HEADER_KEY]: identity.publicKey, [HEADER_TIMESTAMP]: timestamp, [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: toBase64Url(signature) }
}
