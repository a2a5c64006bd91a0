/** The billing domain: quotes under /v1/quotes (escrow and settlement live with the jobs and inference they pay for). */
import type { FastifyPluginAsync } from 'fastify'
import type { QuoteService } from './quotes.js'
import { quoteRoutes } from './routes.js'

export interface BillingPluginOptions {
  quotes: QuoteService
}

export const QUOTES_PREFIX = '/v1/quotes'

export const billingPlugin: FastifyPluginAsync<BillingPluginOptions> = async (app, options) => {
  await app.register(quoteRoutes, { ...options, prefix: QUOTES_PREFIX })
}
