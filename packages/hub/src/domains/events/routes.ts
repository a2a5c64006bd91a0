/** The event stream socket; a signed subscription is checked before the upgrade (HTTP 401 with the error body). */
import { idFromPublicKey } from '@w3ai/crypto'
import { HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, type EventStreamMessage, type HubEvent } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { EVENTS_PATH, type EventsPluginOptions } from './plugin.js'
import { mayReceive } from './service.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The account of a signed event subscription. */
    subscriber?: string
  }
}

const SubscriptionQuery = Type.Object(
  { key: Type.Optional(Type.String()), timestamp: Type.Optional(Type.String()), nonce: Type.Optional(Type.String()), signature: Type.Optional(Type.String()) },
)
type Subscription = { key?: string; timestamp?: string; nonce?: string; signature?: string }

function send(socket: WebSocket, msg: EventStreamMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg))
}

export const eventRoutes: FastifyPluginAsync<EventsPluginOptions> = async (app, o) => {
  /** No query: a public subscription. Any of the four: all four must verify (a signed GET of the bare path). */
  async function subscriber(request: FastifyRequest<{ Querystring: Subscription }>): Promise<void> {
    const q = request.query
    if (q.key === undefined && q.timestamp === undefined && q.nonce === undefined && q.signature === undefined) return
    const headers = { [HEADER_KEY]: q.key, [HEADER_TIMESTAMP]: q.timestamp, [HEADER_NONCE]: q.nonce, [HEADER_SIGNATURE]: q.signature }
    o.verifier.checkHeaders(headers)
    const verified = await o.verifier.verify(headers, 'GET', EVENTS_PATH, undefined)
    request.subscriber = idFromPublicKey('account', verified.publicKey)
  }

  app.get<{ Querystring: Subscription }>('', { websocket: true, preValidation: subscriber, schema: { hide: true, querystring: SubscriptionQuery } }, async (socket, request) => {
    const me = request.subscriber
    o.eventClients.inc()
    let ready = false
    let closed = false
    const queued: EventStreamMessage[] = []
    // Deliveries wait for the audience check in arrival order, so a subscriber sees events in order.
    let chain: Promise<void> = Promise.resolve()
    const deliver = (event: HubEvent): void => {
      if (!ready) {
        queued.push(event)
        return
      }
      if (socket.bufferedAmount > o.maxClientBacklogBytes) {
        socket.close(1013, 'client too slow')
        return
      }
      send(socket, event)
    }
    const unsubscribe = o.bus.subscribe((event) => {
      chain = chain
        .then(async () => {
          if (!closed && mayReceive(await o.audience.of(event), me)) deliver(event)
        })
        .catch((err: unknown) => request.log.warn({ code: (err as { code?: string }).code }, 'event audience lookup failed'))
    })
    socket.on('error', (err) => request.log.debug({ code: (err as { code?: string }).code }, 'event socket error'))
    socket.on('close', () => {
      closed = true
      unsubscribe()
      o.eventClients.dec()
    })
    try {
      send(socket, { type: 'hello', hubId: o.hubId, nodes: await o.allNodes() })
      for (const event of queued.splice(0)) send(socket, event)
      ready = true
    } catch (err) {
      request.log.error({ code: (err as { code?: string }).code }, 'event stream failed')
      socket.close(1011, 'INTERNAL')
    }
  })
}
