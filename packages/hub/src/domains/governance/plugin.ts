/** The governance domain: proposals and votes under /v1/governance, the governed values under /v1/parameters. */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import type { NodeLookup } from '../nodes/service.js'
import { governanceRoutes, parameterRoutes } from './routes.js'
import type { GovernanceService } from './service.js'

export interface GovernancePluginOptions {
  governance: GovernanceService
  accounts: AccountLookup
  /** Node operators vote (and propose) with the node's key: its balance plus its bonded stake. */
  nodes: NodeLookup
}

export const GOVERNANCE_PREFIX = '/v1/governance'
export const PARAMETERS_PREFIX = '/v1/parameters'

export const governancePlugin: FastifyPluginAsync<GovernancePluginOptions> = async (app, options) => {
  await app.register(governanceRoutes, { ...options, prefix: GOVERNANCE_PREFIX })
  await app.register(parameterRoutes, { ...options, prefix: PARAMETERS_PREFIX })
}
