/** The compute domain under /v1: jobs (/v1/jobs) and the nodes' task leases (/v1/tasks). */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import type { NodeLookup } from '../nodes/service.js'
import { jobRoutes } from './routes.js'
import type { JobService } from './service.js'

export interface ComputePluginOptions {
  jobs: JobService
  accounts: AccountLookup
  nodes: NodeLookup
}

export const COMPUTE_PREFIX = '/v1'

export const computePlugin: FastifyPluginAsync<ComputePluginOptions> = async (app, options) => {
  await app.register(jobRoutes, { ...options, prefix: COMPUTE_PREFIX })
}
