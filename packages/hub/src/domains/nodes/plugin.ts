/** The nodes domain under /v1/nodes: registration, listing, lookup and the heartbeat socket. */
import type { FastifyPluginAsync } from 'fastify'
import type { Gauge } from 'prom-client'
import { heartbeatRoutes } from './heartbeat.js'
import type { Liveness } from './liveness.js'
import { nodeRoutes } from './routes.js'
import type { NodeService } from './service.js'
import type { NodeStore } from './store.js'

export interface NodesPluginOptions {
  nodes: NodeService
  store: NodeStore
  liveness: Liveness
  heartbeatIntervalMs: number
  /** The network's order-signing public key, told to every node at welcome. */
  orderKey: string
  heartbeatSockets: Gauge
}

export const NODES_PREFIX = '/v1/nodes'

export const nodesPlugin: FastifyPluginAsync<NodesPluginOptions> = async (app, options) => {
  await app.register(nodeRoutes, { ...options, prefix: NODES_PREFIX })
  await app.register(heartbeatRoutes, { ...options, prefix: NODES_PREFIX })
}
