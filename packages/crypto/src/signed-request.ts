/**
 * Signed requests: every request from a user or node carries its public key, a timestamp, a
 * nonce and an ed25519 signature over the method, path (with query), SHA-256 of the body,
 * timestamp and nonce. Verification here is stateless; the hub adds the nonce (replay) check.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  HEADER_KEY,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  MAX_CLOCK_SKEW_MS,
  SIGNATURE_SCHEME,
  W3aiError,
} from '@w3ai/protocol'
import { isBase64Url } from './encoding.js'
import { publicKeyObject, signBytes, verifyBytes, type Identity } from './identity.js'

// A type alias (not an interface) so it is assignable to plain header records.
export type SignedHeaders = {
  [HEADER_KEY]: string
  [HEADER_TIMESTAMP]: string
  [HEADER_NONCE]: string
  [HEADER_SIGNATURE]: string
}

const EMPTY_SHA256 = createHash('sha256').digest('hex')

export function bodyDigest(body: Uint8Array | string | undefined): string {
  if (body === undefined || body.length === 0) return EMPTY_SHA256
  return createHash('sha256').update(body).digest('hex')
}

export function canonicalRequest(method: string, path: string, digest: string, timestamp: string, nonce: string): Buffer {
  return Buffer.from([SIGNATURE_SCHEME, method.toUpperCase(), path, digest, timestamp, nonce].join('\n'))
}

export interface SignOptions {
  now?: number
  nonce?: string
  /** The body's SHA-256 (hex) when already known, e.g. from verifying the request that brought it; the body is then not hashed again. */
  digest?: string
}

export function signRequest(
  identity: Pick<Identity, 'publicKey' | 'signingKey'>,
  method: string,
  path: string,
  body?: Uint8Array | string,
  options: SignOptions = {},
): SignedHeaders {
  const timestamp = String(options.now ?? Date.now())
  const nonce = options.nonce ?? randomBytes(16).toString('base64url')
  const signature = signBytes(identity, canonicalRequest(method, path, options.digest ?? bodyDigest(body), timestamp, nonce))
  return { [HEADER_KEY]: identity.publicKey, [HEADER_TIMESTAMP]: timestamp, [HEADER_NONCE]: nonce, [HEADER_SIGNATURE]: signature }
}

export interface VerifiedRequest {
  publicKey: string
  nonce: string
  timestamp: number
  /** SHA-256 of the body (hex), which the signature covers. */
  digest: string
}

type HeaderBag = Record<string, string | string[] | undefined>

function single(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name]
  if (Array.isArray(v)) throw new W3aiError('AUTH_MALFORMED_SIGNATURE', `The ${name} header appears more than once.`)
  return v
}

/**
 * Checks headers, clock skew and signature. Throws W3aiError with AUTH_MISSING_SIGNATURE,
 * AUTH_MALFORMED_SIGNATURE, AUTH_STALE_TIMESTAMP or AUTH_BAD_SIGNATURE.
 */
export function verifySignedRequest(
  headers: HeaderBag,
  method: string,
  path: string,
  body: Uint8Array | string | undefined,
  now: number = Date.now(),
  maxSkewMs: number = MAX_CLOCK_SKEW_MS,
): VerifiedRequest {
  const key = single(headers, HEADER_KEY)
  const ts = single(headers, HEADER_TIMESTAMP)
  const nonce = single(headers, HEADER_NONCE)
  const signature = single(headers, HEADER_SIGNATURE)
  if (key === undefined && ts === undefined && nonce === undefined && signature === undefined) {
    throw new W3aiError('AUTH_MISSING_SIGNATURE')
  }
  if (key === undefined || ts === undefined || nonce === undefined || signature === undefined) {
    throw new W3aiError('AUTH_MISSING_SIGNATURE', 'A signature header is missing: x-w3ai-key, x-w3ai-timestamp, x-w3ai-nonce and x-w3ai-signature are all required.')
  }
  if (!isBase64Url(key, 32) || !isBase64Url(signature, 64) || !/^\d{1,16}$/.test(ts) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
    throw new W3aiError('AUTH_MALFORMED_SIGNATURE')
  }
  const timestamp = Number(ts)
  if (Math.abs(now - timestamp) > maxSkewMs) throw new W3aiError('AUTH_STALE_TIMESTAMP')
  let ok = false
  const digest = bodyDigest(body)
  try {
    ok = verifyBytes(publicKeyObject(key), canonicalRequest(method, path, digest, ts, nonce), signature)
  } catch {
    ok = false
  }
  if (!ok) throw new W3aiError('AUTH_BAD_SIGNATURE')
  return { publicKey: key, nonce, timestamp, digest }
}
