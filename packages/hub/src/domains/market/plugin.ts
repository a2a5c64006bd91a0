/** The market domain under /v1/market: listings (public reads, signed writes by their seller), orders and reviews. */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import type { OrderService } from './orders.js'
import { marketRoutes } from './routes.js'
import type { MarketService } from './service.js'

export interface MarketPluginOptions {
  market: MarketService
  orders: OrderService
  accounts: AccountLookup
}

export const MARKET_PREFIX = '/v1/market'

export const marketPlugin: FastifyPluginAsync<MarketPluginOptions> = async (app, options) => {
  await app.register(marketRoutes, { ...options, prefix: MARKET_PREFIX })
}
