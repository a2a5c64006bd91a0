/** The accounts domain under /v1/accounts. */
import type { FastifyPluginAsync } from 'fastify'
import { accountRoutes } from './routes.js'
import type { AccountService } from './service.js'

export interface AccountsPluginOptions {
  accounts: AccountService
}

export const ACCOUNTS_PREFIX = '/v1/accounts'

export const accountsPlugin: FastifyPluginAsync<AccountsPluginOptions> = async (app, options) => {
  await app.register(accountRoutes, { ...options, prefix: ACCOUNTS_PREFIX })
}
