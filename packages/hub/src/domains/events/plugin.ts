/**
 * The events domain: `GET /v1/events` (WebSocket). Unsigned, it streams network events (the
 * `hello` with every node, then `node.*`); a subscription signed in the query string (`key`,
 * `timestamp`, `nonce`, `signature`: the signed-request headers for `GET /v1/events` with an
 * empty body) also receives `job.updated`, `deployment.updated`, `fl.updated` and `pipeline.updated` about its own account's objects.
 */
import type { NodeInfo } from '@w3ai/protocol'
import type { FastifyPluginAsync } from 'fastify'
import type { Gauge } from 'prom-client'
import type { EventBus } from '../../infra/event-bus.js'
import type { SignatureVerifier } from '../../shell/auth.js'
import { eventRoutes } from './routes.js'
import type { EventAudience } from './service.js'

export interface EventsPluginOptions {
  hubId: string
  bus: Pick<EventBus, 'subscribe'>
  audience: EventAudience
  verifier: SignatureVerifier
  allNodes: () => Promise<NodeInfo[]>
  eventClients: Gauge
  /** Subscribers further behind than this many bytes are disconnected. */
  maxClientBacklogBytes: number
}

export const EVENTS_PATH = '/v1/events'

export const eventsPlugin: FastifyPluginAsync<EventsPluginOptions> = async (app, options) => {
  await app.register(eventRoutes, { ...options, prefix: EVENTS_PATH })
}
