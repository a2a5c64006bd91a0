/** The system domain: health, network summary, the OpenAPI document and Prometheus metrics. */
import type { NetworkSummary } from '@w3ai/protocol'
import type { FastifyPluginAsync } from 'fastify'
import type { Registry } from 'prom-client'
import { systemRoutes } from './routes.js'

export interface SystemPluginOptions {
  hubId: string
  version: string
  startedAt: number
  database: 'pglite' | 'postgres'
  /** The network's order-signing public key (nodes check piece orders against it). */
  orderKey: string
  networkSummary: () => Promise<NetworkSummary>
  metrics: Registry
}

export const systemPlugin: FastifyPluginAsync<SystemPluginOptions> = async (app, options) => {
  await app.register(systemRoutes, options)
}
