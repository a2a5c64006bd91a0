/** The staking domain under /v1/staking: a node stakes and unstakes for itself; anyone reads a node's stake. */
import type { FastifyPluginAsync } from 'fastify'
import { stakingRoutes } from './routes.js'
import type { StakingService } from './service.js'

export interface StakingPluginOptions {
  staking: StakingService
}

export const STAKING_PREFIX = '/v1/staking'

export const stakingPlugin: FastifyPluginAsync<StakingPluginOptions> = async (app, options) => {
  await app.register(stakingRoutes, { ...options, prefix: STAKING_PREFIX })
}
