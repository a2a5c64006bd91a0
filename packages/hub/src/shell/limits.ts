/**
 * Checks made before any handler or body parser runs: the declared body length against the
 * route's limit (onRequest, so a large body is refused unread), and strings the database cannot
 * hold (NUL characters, unpaired surrogates) anywhere in a JSON body, query or path parameters.
 */
import { HUB_DEFAULTS } from '../constants.js'
import { W3aiError } from '@w3ai/protocol'
import type { FastifyInstance, FastifyRequest } from 'fastify'

/**
 * Refuses, from the headers alone, a body longer than the route accepts or a length that is not a
 * number; routes with bodies larger than the default also refuse bodies of unknown length.
 */
export function checkDeclaredLength(request: FastifyRequest): void {
  const limit = request.routeOptions.bodyLimit ?? HUB_DEFAULTS.bodyLimit
  const declared = request.headers['content-length']
  if (declared === undefined) {
    if (request.headers['transfer-encoding'] !== undefined && limit > HUB_DEFAULTS.bodyLimit) throw new W3aiError('LENGTH_REQUIRED')
    return
  }
  if (!/^\d{1,15}$/.test(declared)) throw new W3aiError('INVALID_CONTENT_LENGTH')
  if (Number(declared) > limit) throw new W3aiError('PAYLOAD_TOO_LARGE', `The body declares ${declared} bytes; this endpoint accepts at most ${limit}.`)
}

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** True when `value` holds, at any depth (keys included), a string PostgreSQL text cannot store. */
export function hasUnstorableString(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return UNSTORABLE.test(value)
  if (value === null || typeof value !== 'object' || depth > 64 || Buffer.isBuffer(value)) return false
  if (Array.isArray(value)) return value.some((v) => hasUnstorableString(v, depth + 1))
  for (const [k, v] of Object.entries(value)) if (UNSTORABLE.test(k) || hasUnstorableString(v, depth + 1)) return true
  return false
}

/** Refuses unstorable strings with INVALID_STRING before validation and handlers run. */
export function installStringGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['body', request.body], ['querystring', request.query], ['params', request.params]] as const) {
      if (hasUnstorableString(value)) throw new W3aiError('INVALID_STRING', `The ${part} holds a NUL character or an unpaired surrogate, which cannot be stored; remove it.`)
    }
  })
}

/** Ends the connection after a refusal made before the body was read, so the body is never read. */
export function closeAfterEarlyRefusal(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined
    if (reply.statusCode >= 400 && hasBody && request.rawBody === undefined && !request.raw.complete) {
      void reply.header('connection', 'close')
    }
    return payload
  })
}
