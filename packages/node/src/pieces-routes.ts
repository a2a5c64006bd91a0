/**
 * The node's piece API, `/v1/pieces/:cid`: put, get (with a byte range), delete and audit, each
 * allowed only by a hub-signed order for this node, this piece and this action. Bodies are
 * streamed between the socket and the disk; no piece is ever held in memory.
 */
import type { IncomingMessage } from 'node:http'
import { signObject, verifySignedRequest, type Identity } from '@w3ai/crypto'
import { HEADER_ORDER, MAX_CLOCK_SKEW_MS, PIECE_LIST_MAX, W3aiError, type PieceOrder, type PieceReceipt, type SignedReceipt } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import { parseCid, RAW_CODEC } from '@w3ai/storage'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { allowCrossOrigin } from './cors.js'
import { MAX_PIECE_BYTES } from './constants.js'
import type { OrderAction, OrderVerifier } from './orders.js'
import type { ByteRange, DiskPieceStore } from './piece-store.js'

export interface PieceRoutesComponents {
  store: DiskPieceStore
  orders: OrderVerifier
  /** Signs receipts; its id is the node id. */
  identity: Pick<Identity, 'id' | 'signingKey'>
  now?: () => number
}

interface CidParams {
  cid: string
}

const AuditBodySchema = Type.Object({ leafIndex: Type.Integer({ minimum: 0 }) })
const ListQuerySchema = Type.Object(
  {
    after: Type.Optional(Type.String({ pattern: '^b[a-z2-7]{20,100}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: PIECE_LIST_MAX })),
  },
  { additionalProperties: false },
)

/** Encapsulated plugin; mount it with `{ prefix: '/v1/pieces' }`. */
export function pieceRoutes(c: PieceRoutesComponents): FastifyPluginAsync {
  const now = c.now ?? Date.now
  return async (app) => {
    allowCrossOrigin(app, ['/:cid', '/:cid/audit'])
    // Hand the socket stream to the store untouched: fastify would otherwise buffer the body.
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload))

    /** Verified orders by request; filled by the onRequest hook before any body is read. */
    const orders = new WeakMap<FastifyRequest, { cid: string; order: PieceOrder }>()
    const authorize = (action: OrderAction) => async (req: FastifyRequest): Promise<void> => {
      const { cid } = req.params as CidParams
      parseCid(cid, RAW_CODEC)
      orders.set(req, { cid, order: c.orders.verify(req.headers[HEADER_ORDER], action, cid) })
    }
    const authorized = (req: FastifyRequest): { cid: string; order: PieceOrder } => {
      const found = orders.get(req)
      if (found === undefined) throw new Error('piece route ran without its order check')
      return found
    }
    // A failed put or delete changed nothing (the piece is renamed into place last), so its order
    // may be tried again: this also covers failures before the handler, such as a bad body type.
    app.addHook('onError', async (req) => {
      const found = orders.get(req)
      if (found !== undefined) c.orders.release(found.order)
    })

    // GET /v1/pieces: the pieces this node holds, paged, for the hubs' orphan collector. Only a
    // request signed by the network key (the one that signs piece orders), fresh and not replayed.
    const seen = new Map<string, number>()
    const listSigned = async (req: FastifyRequest): Promise<void> => {
      const key = c.orders.networkKey()
      if (key === undefined) throw new W3aiError('AUTH_WRONG_IDENTITY', 'This node does not know the network key yet.')
      const verified = verifySignedRequest(req.headers, 'GET', req.url, undefined, now())
      if (verified.publicKey !== key) throw new W3aiError('AUTH_WRONG_IDENTITY', "Only a hub of this network may list this node's pieces.")
      const t = now()
      for (const [nonce, at] of seen) if (t - at > 2 * MAX_CLOCK_SKEW_MS) seen.delete(nonce)
      if (seen.has(verified.nonce)) throw new W3aiError('AUTH_REPLAYED_NONCE')
      seen.set(verified.nonce, t)
    }
    app.get<{ Querystring: { after?: string; limit?: number } }>(
      '/',
      { onRequest: listSigned, schema: { querystring: ListQuerySchema } },
      async (req) => c.store.list(req.query.after, req.query.limit ?? PIECE_LIST_MAX),
    )

    app.put<{ Params: CidParams }>('/:cid', { onRequest: [authorize('put'), octetStreamOnly], bodyLimit: MAX_PIECE_BYTES }, async (req, reply) => {
      const { cid, order } = authorized(req)
      const receipt = await receive(req, cid, Math.min(order.maxSize, MAX_PIECE_BYTES))
      const signed: SignedReceipt = { receipt, signature: signObject(c.identity, receipt) }
      return reply.code(201).send(signed)
    })

    app.get<{ Params: CidParams }>('/:cid', { onRequest: authorize('get') }, async (req, reply) => {
      const { cid } = authorized(req)
      const st = await c.store.stat(cid)
      if (st === undefined) throw new W3aiError('STORAGE_PIECE_NOT_FOUND')
      const range = parseRange(req.headers.range, st.size)
      if (range === 'unsatisfiable') return unsatisfiable(req, reply, st.size)
      const { stream, size } = await c.store.get(cid, range)
      void reply.header('content-type', 'application/octet-stream').header('accept-ranges', 'bytes')
      if (range === undefined) return reply.header('content-length', size).send(stream)
      return reply
        .code(206)
        .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
        .header('content-length', range.end - range.start + 1)
        .send(stream)
    })

    app.delete<{ Params: CidParams }>('/:cid', { onRequest: authorize('delete') }, async (req, reply) => {
      await c.store.delete(authorized(req).cid)
      return reply.code(204).send()
    })

    app.post<{ Params: CidParams; Body: { leafIndex: number } }>(
      '/:cid/audit',
      { onRequest: authorize('audit'), schema: { body: AuditBodySchema } },
      async (req) => c.store.prove(authorized(req).cid, req.body.leafIndex),
    )

    async function receive(req: FastifyRequest, cid: string, maxSize: number): Promise<PieceReceipt> {
      const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length'])
      if (declared !== undefined && declared > maxSize) {
        throw new W3aiError('STORAGE_PIECE_TOO_LARGE', `The piece is ${declared} bytes; its order allows at most ${maxSize}.`)
      }
      if (declared !== undefined && !(await c.store.hasRoomFor(declared))) throw new W3aiError('STORAGE_NODE_FULL')
      const body = req.body as IncomingMessage | undefined
      // Not destroying the request when the store stops early keeps the socket alive for the error answer.
      const source: AsyncIterable<Uint8Array> =
        body === undefined ? nothing() : { [Symbol.asyncIterator]: () => body.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array> }
      const gone = new AbortController()
      const onClose = (): void => {
        if (!req.raw.complete) gone.abort(new Error('the client went away'))
      }
      req.raw.once('close', onClose)
      try {
        const { size, merkleRoot } = await c.store.put(cid, source, maxSize, gone.signal)
        return { v: 1, pieceCid: cid, nodeId: c.identity.id, size, merkleRoot, storedAt: now() }
      } catch (err) {
        if (err instanceof W3aiError) throw err
        if (!req.raw.complete) {
          req.log.debug({ err }, 'upload interrupted')
          throw new W3aiError('VALIDATION_FAILED', 'The upload ended before the whole piece arrived; nothing was stored.')
        }
        throw err
      } finally {
        req.raw.off('close', onClose)
      }
    }
  }
}

/**
 * One `bytes=` range against a piece of `size` bytes: undefined to send the whole piece (no,
 * malformed or multi-range headers may be ignored), 'unsatisfiable' when it lies past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null) return undefined
  const [, first = '', last = ''] = m
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Number(last)
  if (end < start) return undefined
  if (start >= size) return 'unsatisfiable'
  return { start, end: Math.min(end, size - 1) }
}

/** Refuses other body types before fastify's own parsers (text, JSON) would buffer them. */
async function octetStreamOnly(req: FastifyRequest): Promise<void> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  if (type !== undefined && type !== 'application/octet-stream') {
    throw new W3aiError('UNSUPPORTED_MEDIA_TYPE', `Send the piece as application/octet-stream, not ${type}.`)
  }
}

/** The body of a request that sent none (no content type, no length). */
async function* nothing(): AsyncGenerator<Uint8Array> {}

function unsatisfiable(req: FastifyRequest, reply: FastifyReply, size: number): FastifyReply {
  const err = new W3aiError('VALIDATION_FAILED', `The range ${req.headers.range ?? ''} lies outside this piece of ${size} bytes.`)
  return reply.code(416).header('content-range', `bytes */${size}`).send(err.toBody(req.id))
}
