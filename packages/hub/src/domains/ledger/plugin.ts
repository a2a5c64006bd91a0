/** The ledger domain: wallets under /v1/wallet, the faucet at /v1/faucet, the public journal under /v1/ledger. */
import type { FastifyPluginAsync } from 'fastify'
import type { AccountLookup } from '../accounts/service.js'
import { faucetRoutes, ledgerRoutes, walletRoutes } from './routes.js'
import type { LedgerService } from './service.js'

export interface LedgerPluginOptions {
  ledger: LedgerService
  accounts: AccountLookup
}

export const WALLET_PREFIX = '/v1/wallet'
export const FAUCET_PREFIX = '/v1/faucet'
export const LEDGER_PREFIX = '/v1/ledger'

export const ledgerPlugin: FastifyPluginAsync<LedgerPluginOptions> = async (app, options) => {
  await app.register(walletRoutes, { ...options, prefix: WALLET_PREFIX })
  await app.register(faucetRoutes, { ...options, prefix: FAUCET_PREFIX })
  await app.register(ledgerRoutes, { ...options, prefix: LEDGER_PREFIX })
}
