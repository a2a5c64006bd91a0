/**
 * Signed requests, registered once for the whole hub: a route declares `config: { auth: 'signed' }`
 * and two hooks do the rest. Before the body is read (onRequest), the signature headers must be
 * present, well formed and fresh, and the declared Content-Length within the route's body limit;
 * after parsing (preValidation), the ed25519 signature over method, path, body digest, timestamp
 * and nonce is verified and the nonce claimed, so the request cannot be replayed to any hub.
 */
import { idFromPublicKey, verifySignedRequest, type VerifiedRequest } from '@w3ai/crypto'
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_MS, W3aiError } from '@w3ai/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { NonceStore } from '../infra/nonces.js'
import { checkDeclaredLength } from './limits.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a JSON body, which the signature covers. */
    rawBody?: Buffer
    /** The verified public key of the signer (set for routes with `config.auth === 'signed'`). */
    signer?: string
    /** SHA-256 (hex) of the body the signature covers, once verified (so a forward need not hash it again). */
    bodyDigest?: string
  }
  interface FastifyContextConfig {
    /** 'signed': the request must carry a valid signature by an account or node key. */
    auth?: 'signed'
  }
}

export interface SignatureComponents {
  nonces: NonceStore
  now?: () => number
  onFailure?: (code: string) => void
}

type HeaderBag = Record<string, string | string[] | undefined>

/** Verifies signatures and claims their nonces; also used for signed query strings (event subscriptions). */
export class SignatureVerifier {
  private readonly now: () => number

  constructor(private readonly c: SignatureComponents) {
    this.now = c.now ?? Date.now
  }

  /** Checks that the four headers are present, well formed and fresh (no body needed). */
  checkHeaders(headers: HeaderBag): void {
    this.guard(() => {
      const values = [HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE].map((h) => headers[h])
      if (values.every((v) => v === undefined)) throw new W3aiError('AUTH_MISSING_SIGNATURE')
      if (values.some((v) => v === undefined)) {
        throw new W3aiError('AUTH_MISSING_SIGNATURE', 'A signature header is missing: x-w3ai-key, x-w3ai-timestamp, x-w3ai-nonce and x-w3ai-signature are all required.')
      }
      const [key, ts, nonce, signature] = values
      const wellFormed =
        typeof key === 'string' && /^[A-Za-z0-9_-]{43}$/.test(key) &&
        typeof signature === 'string' && /^[A-Za-z0-9_-]{86}$/.test(signature) &&
        typeof ts === 'string' && /^\d{1,16}$/.test(ts) &&
        typeof nonce === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(nonce)
      if (!wellFormed) throw new W3aiError('AUTH_MALFORMED_SIGNATURE')
      if (Math.abs(this.now() - Number(ts)) > MAX_CLOCK_SKEW_MS) throw new W3aiError('AUTH_STALE_TIMESTAMP')
    })
  }

  /** Verifies the full signature and claims the nonce; returns the signer. */
  async verify(headers: HeaderBag, method: string, path: string, body: Uint8Array | undefined): Promise<VerifiedRequest> {
    return this.guardAsync(async () => {
      const verified = verifySignedRequest(headers, method, path, body, this.now())
      if (!(await this.c.nonces.claim(verified.publicKey, verified.nonce, verified.timestamp))) throw new W3aiError('AUTH_REPLAYED_NONCE')
      return verified
    })
  }

  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      if (err instanceof W3aiError) this.c.onFailure?.(err.code)
      throw err
    }
  }

  private async guardAsync<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof W3aiError) this.c.onFailure?.(err.code)
      throw err
    }
  }
}

const isSigned = (request: FastifyRequest): boolean => request.routeOptions.config?.auth === 'signed'

/** Registers the two signature hooks on the root instance (they apply to every route that asks). */
export function installSignatures(app: FastifyInstance, verifier: SignatureVerifier): void {
  app.addHook('onRoute', (route) => {
    if (route.config?.auth === 'signed' && route.schema !== undefined && route.schema.security === undefined) {
      route.schema.security = [{ w3aiSignature: [] }]
    }
  })
  app.addHook('onRequest', async (request) => {
    if (!isSigned(request)) return
    verifier.checkHeaders(request.headers)
    checkDeclaredLength(request)
  })
  app.addHook('preValidation', async (request) => {
    if (!isSigned(request)) return
    const verified = await verifier.verify(request.headers, request.method, request.url, request.rawBody)
    request.signer = verified.publicKey
    request.bodyDigest = verified.digest
  })
}

/** The signer of a request that passed the signature hooks. */
export function signerOf(request: FastifyRequest): string {
  if (request.signer === undefined) throw new W3aiError('AUTH_MISSING_SIGNATURE')
  return request.signer
}

/** The account id (`a_…`) of the key that signed the request. */
export const accountOf = (request: FastifyRequest): string => idFromPublicKey('account', signerOf(request))

/** The node id (`n_…`) of the key that signed the request. */
export const nodeOf = (request: FastifyRequest): string => idFromPublicKey('node', signerOf(request))
