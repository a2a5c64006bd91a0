/**
 * Request signatures: a preValidation hook that verifies the ed25519 signature over method, path,
 * body digest, timestamp and nonce, then claims the nonce so the request cannot be replayed to
 * this or any other hub of the network.
 */
import { idFromPublicKey, verifySignedRequest } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { NonceStore } from './store/nonces.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The exact bytes of a JSON body, which the signature covers. */
    rawBody?: Buffer
    /** The verified public key of the signer (set by requireSignature). */
    signer?: string
  }
}

export interface AuthComponents {
  nonces: NonceStore
  now?: () => number
  onFailure?: (code: string) => void
}

export type AuthHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

export function signatureVerifier(components: AuthComponents): AuthHook {
  const now = components.now ?? Date.now
  return async (request) => {
    try {
      const verified = verifySignedRequest(request.headers, request.method, request.url, request.rawBody, now())
      if (!(await components.nonces.claim(verified.publicKey, verified.nonce, verified.timestamp))) {
        throw new W3aiError('AUTH_REPLAYED_NONCE')
      }
      request.signer = verified.publicKey
    } catch (err) {
      if (err instanceof W3aiError) components.onFailure?.(err.code)
      throw err
    }
  }
}

/** The signer of a request that passed the signature hook. */
export function signerOf(request: FastifyRequest): string {
  if (request.signer === undefined) throw new W3aiError('AUTH_MISSING_SIGNATURE')
  return request.signer
}

/** The account id (`a_…`) of the key that signed the request. */
export const accountOf = (request: FastifyRequest): string => idFromPublicKey('account', signerOf(request))

/** The node id (`n_…`) of the key that signed the request. */
export const nodeOf = (request: FastifyRequest): string => idFromPublicKey('node', signerOf(request))
