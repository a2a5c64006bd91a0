/** The pipeline domain under /v1/pipelines: an owner's secure batch inference, signed by the owner. */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import { pipelineRoutes } from './routes.js'
import type { PipelineService } from './service.js'

export interface PipelinePluginOptions {
  pipelines: PipelineService
  accounts: AccountLookup
}

export const PIPELINE_PREFIX = '/v1/pipelines'

export const pipelinePlugin: FastifyPluginAsync<PipelinePluginOptions> = async (app, options) => {
  await app.register(pipelineRoutes, { ...options, prefix: PIPELINE_PREFIX })
}
