/**
 * `POST /v1/serve/:id`: inference requests for a deployment this node serves. Only the network's
 * hubs may call it: the request must be signed with the network key (the one that signs piece
 * orders), fresh, and never seen before. What the headers alone can tell (signature headers
 * present, the network's key, a fresh timestamp, a declared length within the limit) is checked
 * before the body is read, so nobody else makes the node read up to 64 MiB.
 */
import { verifySignedRequest } from '@w3ai/crypto'
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_CLOCK_SKEW_MS, MAX_INFER_BODY_BYTES, W3aiError } from '@w3ai/protocol'
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { ServingAgent } from './serving.js'

export interface ServeRoutesComponents {
  serving: ServingAgent
  nodeId: () => string
  /** The network key; requests are refused until it is known. */
  networkKey: () => string | undefined
  now?: () => number
  /** Largest request body accepted (default MAX_INFER_BODY_BYTES). */
  bodyLimit?: number
}

/** Refuses, from the headers alone, a request the network's hubs did not sign or a body too large. */
function checkBeforeBody(request: FastifyRequest, key: string | undefined, now: number, bodyLimit: number): void {
  if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
  const h = request.headers
  if ([HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE].some((name) => typeof h[name] !== 'string')) throw new W3aiError('AUTH_MISSING_SIGNATURE')
  if (h[HEADER_KEY] !== key) throw new W3aiError('AUTH_WRONG_IDENTITY', 'Only a hub of this network may send inference requests.')
  const ts = h[HEADER_TIMESTAMP] as string
  if (!/^\d{1,16}$/.test(ts)) throw new W3aiError('AUTH_MALFORMED_SIGNATURE')
  if (Math.abs(now - Number(ts)) > MAX_CLOCK_SKEW_MS) throw new W3aiError('AUTH_STALE_TIMESTAMP')
  const declared = h['content-length']
  if (declared === undefined) {
    if (h['transfer-encoding'] !== undefined) throw new W3aiError('LENGTH_REQUIRED')
    return
  }
  if (!/^\d{1,15}$/.test(declared)) throw new W3aiError('INVALID_CONTENT_LENGTH')
  if (Number(declared) > bodyLimit) throw new W3aiError('PAYLOAD_TOO_LARGE', `The body declares ${declared} bytes; this endpoint accepts at most ${bodyLimit}.`)
}

export function serveRoutes(c: ServeRoutesComponents): FastifyPluginAsync {
  const now = c.now ?? Date.now
  const bodyLimit = c.bodyLimit ?? MAX_INFER_BODY_BYTES
  // Nonces seen within the clock-skew window (older requests are refused as stale anyway), pruned
  // at most once per window so the check stays O(1) per request.
  const seen = new Map<string, number>()
  let nextPrune = 0
  const remember = (nonce: string): boolean => {
    const t = now()
    if (t >= nextPrune) {
      for (const [n, at] of seen) if (t - at > 2 * MAX_CLOCK_SKEW_MS) seen.delete(n)
      nextPrune = t + MAX_CLOCK_SKEW_MS
    }
    if (seen.has(nonce)) return false
    seen.set(nonce, t)
    return true
  }

  return async (app: FastifyInstance) => {
    app.removeContentTypeParser('application/json')
    app.addHook('onRequest', async (request, reply) => {
      try {
        checkBeforeBody(request, c.networkKey(), now(), bodyLimit)
      } catch (err) {
        // Refused unread: close the connection rather than drain a body nobody will look at.
        void reply.header('connection', 'close')
        throw err
      }
    })
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
      ;(request as { rawBody?: Buffer }).rawBody = body as Buffer
      try {
        done(null, JSON.parse((body as Buffer).toString('utf8')))
      } catch {
        done(new W3aiError('INVALID_JSON'), undefined)
      }
    })

    app.post<{ Params: { id: string }; Body: { inputs?: unknown } | undefined }>('/:id', async (request, reply) => {
      const key = c.networkKey()
      if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
      const verified = verifySignedRequest(request.headers, 'POST', request.url, (request as { rawBody?: Buffer }).rawBody, now())
      if (verified.publicKey !== key) throw new W3aiError('AUTH_WRONG_IDENTITY', 'Only a hub of this network may send inference requests.')
      if (!remember(verified.nonce)) throw new W3aiError('AUTH_REPLAYED_NONCE')
      const extra = Object.keys(request.body ?? {}).filter((k) => k !== 'inputs')
      if (extra.length > 0) throw new W3aiError('VALIDATION_FAILED', `Unknown field(s) ${extra.join(', ')}; send only "inputs".`)
      const inputs = request.body?.inputs
      if (inputs === undefined || inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
        throw new W3aiError('VALIDATION_FAILED', 'Send { "inputs": { "<name>": { "type", "dims", "data" } } }.')
      }
      const result = await c.serving.infer(request.params.id, inputs)
      void reply.header('server-timing', `node;dur=${reply.elapsedTime.toFixed(2)}, run;dur=${result.runMs.toFixed(2)}`)
      return { outputs: result.outputs, nodeId: c.nodeId(), runMs: Math.round(result.runMs * 1000) / 1000 }
    })
  }
}
