/** The serving domain under /v1: deployments and inference (/v1/deployments) and the serving nodes' side (/v1/serving). */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import type { NodeLookup } from '../nodes/service.js'
import { servingRoutes } from './routes.js'
import type { ServingService } from './service.js'

export interface ServingPluginOptions {
  serving: ServingService
  accounts: AccountLookup
  nodes: NodeLookup
}

export const SERVING_PREFIX = '/v1'

export const servingPlugin: FastifyPluginAsync<ServingPluginOptions> = async (app, options) => {
  await app.register(servingRoutes, { ...options, prefix: SERVING_PREFIX })
}
