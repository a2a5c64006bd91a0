/**
 * `POST /v1/serve/:id`: inference requests for a deployment this node serves. Two callers may
 * call it: the network's hubs (the request signed with the network key, the one that signs piece
 * orders) and, directly, a caller with a hub-signed ticket in `x-w3ai-ticket` (the request signed
 * by the key the ticket names; tickets.ts). Either way the request must be fresh and never seen
 * before. What the headers alone can tell (signature headers present, the right key or a valid
 * ticket, a fresh timestamp, a declared length within the limit) is checked before the body is
 * read, so nobody else makes the node read up to 64 MiB.
 *
 * Bodies are JSON (`{ "inputs": … }`) or a binary tensor frame (`application/vnd.w3ai.tensors`);
 * the answer is a frame when the request's Accept names one (or it sent one and named no Accept).
 */
import { verifySignedRequest } from '@w3ai/crypto'
import { ortMapToJson, type CheckedTensor } from '@w3ai/compute'
import {
  decodeTensorFrame,
  encodeTensorFrame,
  HEADER_KEY,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  isTensorFrameType,
  MAX_CLOCK_SKEW_MS,
  MAX_INFER_BODY_BYTES,
  TENSOR_FRAME_TYPE,
  TICKET_HEADER,
  W3aiError,
} from '@w3ai/protocol'
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { ServingAgent } from './serving.js'
import { TicketBook } from './tickets.js'

export interface ServeRoutesComponents {
  serving: ServingAgent
  nodeId: () => string
  /** The network key; requests are refused until it is known. */
  networkKey: () => string | undefined
  now?: () => number
  /** Largest request body accepted (default MAX_INFER_BODY_BYTES). */
  bodyLimit?: number
}

/** Refuses, from the headers alone, a request neither a hub nor a ticket's caller signed, or a body too large. */
function checkBeforeBody(request: FastifyRequest, key: string | undefined, now: number, bodyLimit: number, tickets: TicketBook): void {
  if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
  const h = request.headers
  if ([HEADER_KEY, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE].some((name) => typeof h[name] !== 'string')) throw new W3aiError('AUTH_MISSING_SIGNATURE')
  const ticket = h[TICKET_HEADER]
  if (ticket !== undefined) {
    if (typeof ticket !== 'string') throw new W3aiError('TICKET_MALFORMED')
    tickets.check(ticket, (request.params as { id?: string }).id ?? '', h[HEADER_KEY] as string)
  } else if (h[HEADER_KEY] !== key) throw new W3aiError('AUTH_WRONG_IDENTITY', 'Only a hub of this network, or a caller with a ticket from one, may send inference requests.')
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
  const tickets = new TicketBook({ networkKey: c.networkKey, nodeId: c.nodeId, now })
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
        checkBeforeBody(request, c.networkKey(), now(), bodyLimit, tickets)
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
    // A frame is decoded in the handler, after the signature over its bytes is checked.
    app.addContentTypeParser(TENSOR_FRAME_TYPE, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
      ;(request as { rawBody?: Buffer }).rawBody = body as Buffer
      done(null, undefined)
    })

    app.post<{ Params: { id: string }; Body: { inputs?: unknown } | undefined }>('/:id', async (request, reply) => {
      const key = c.networkKey()
      if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
      const rawBody = (request as { rawBody?: Buffer }).rawBody
      const verified = verifySignedRequest(request.headers, 'POST', request.url, rawBody, now())
      const ticket = request.headers[TICKET_HEADER] as string | undefined
      if (ticket === undefined && verified.publicKey !== key) throw new W3aiError('AUTH_WRONG_IDENTITY', 'Only a hub of this network may send inference requests.')
      if (!remember(`${verified.publicKey} ${verified.nonce}`)) throw new W3aiError('AUTH_REPLAYED_NONCE')
      if (ticket !== undefined) tickets.use(ticket)
      const binaryIn = isTensorFrameType(request.headers['content-type'])
      const accept = request.headers.accept
      const binaryOut = accept === undefined ? binaryIn : accept.includes(TENSOR_FRAME_TYPE)
      const runMs = (ms: number): number => Math.round(ms * 1000) / 1000
      if (binaryIn) {
        if (rawBody === undefined) throw new W3aiError('TENSOR_FRAME_MALFORMED', 'The frame is empty.')
        const frame = decodeTensorFrame(rawBody)
        const result = await c.serving.inferTensors(request.params.id, frame.tensors as Record<string, CheckedTensor>)
        void reply.header('server-timing', `node;dur=${reply.elapsedTime.toFixed(2)}, run;dur=${result.runMs.toFixed(2)}`)
        if (binaryOut) return reply.header('content-type', TENSOR_FRAME_TYPE).send(frameBytes(result.outputs, c.nodeId(), runMs(result.runMs)))
        return { outputs: ortMapToJson(result.outputs as never), nodeId: c.nodeId(), runMs: runMs(result.runMs) }
      }
      const extra = Object.keys(request.body ?? {}).filter((k) => k !== 'inputs')
      if (extra.length > 0) throw new W3aiError('VALIDATION_FAILED', `Unknown field(s) ${extra.join(', ')}; send only "inputs".`)
      const inputs = request.body?.inputs
      if (inputs === undefined || inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
        throw new W3aiError('VALIDATION_FAILED', 'Send { "inputs": { "<name>": { "type", "dims", "data" } } }.')
      }
      const result = await c.serving.infer(request.params.id, inputs)
      void reply.header('server-timing', `node;dur=${reply.elapsedTime.toFixed(2)}, run;dur=${result.runMs.toFixed(2)}`)
      return { outputs: result.outputs, nodeId: c.nodeId(), runMs: runMs(result.runMs) }
    })
  }
}

/** The answer frame as a Buffer viewing the encoded bytes (no second copy). */
function frameBytes(outputs: Record<string, CheckedTensor>, nodeId: string, runMs: number): Buffer {
  const frame = encodeTensorFrame(outputs, { nodeId, runMs })
  return Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength)
}
