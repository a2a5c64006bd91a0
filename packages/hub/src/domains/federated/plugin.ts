/**
 * The federated domain under /v1: node datasets (/v1/datasets), trainings owners run
 * (/v1/fl/trainings, signed by accounts) and the work nodes do for them (/v1/fl/work, signed by nodes).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import type { NodeLookup } from '../nodes/service.js'
import type { DatasetService } from './dataset-service.js'
import { federatedRoutes } from './routes.js'
import type { FederatedService } from './service.js'
import { workRoutes } from './work-routes.js'

export interface FederatedPluginOptions {
  datasets: DatasetService
  federated: FederatedService
  accounts: AccountLookup
  nodes: NodeLookup
}

export const FEDERATED_PREFIX = '/v1'

export const federatedPlugin: FastifyPluginAsync<FederatedPluginOptions> = async (app, options) => {
  await app.register(federatedRoutes, { ...options, prefix: FEDERATED_PREFIX })
  await app.register(workRoutes, { ...options, prefix: FEDERATED_PREFIX })
}
