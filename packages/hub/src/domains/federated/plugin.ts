/** The federated domain under /v1: node datasets (/v1/datasets). */
import type { FastifyPluginAsync } from 'fastify'
import type { DatasetService } from './dataset-service.js'
import { federatedRoutes } from './routes.js'

export interface FederatedPluginOptions {
  datasets: DatasetService
}

export const FEDERATED_PREFIX = '/v1'

export const federatedPlugin: FastifyPluginAsync<FederatedPluginOptions> = async (app, options) => {
  await app.register(federatedRoutes, { ...options, prefix: FEDERATED_PREFIX })
}
