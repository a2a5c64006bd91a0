/**
 * Builds the market domain: its stores, the listing and review rules, orders paid through the
 * ledger, and the sweeper that closes orders past their deadline (start/stop through the hub's
 * lifecycle). The ledger, fees and storage are read through the narrow interfaces given.
 */
import type { FeeParameters } from '@w3ai/ledger'
import type { HubEvent, WrappedKey } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import { Upkeep } from '../../infra/upkeep.js'
import type { LedgerService } from '../ledger/service.js'
import { OrderStore } from './order-store.js'
import { OrderService } from './orders.js'
import { ReviewStore } from './review-store.js'
import { MarketService, type ListingRules } from './service.js'
import { ListingStore } from './store.js'

export interface MarketInfrastructure {
  db: Database
  ledger: Pick<LedgerService, 'transfer' | 'wallet'>
  fees: () => Promise<FeeParameters>
  /** Throws STORAGE_OBJECT_NOT_FOUND or STORAGE_ACCESS_DENIED unless the account may read the object. */
  readable: (cid: string, accountId: string) => Promise<unknown>
  /** Stores an object key wrapped to an account (a storage share). */
  grantRead: (cid: string, accountId: string, wrappedKey: WrappedKey, grantedBy: string) => Promise<void>
  publish: (event: HubEvent) => void
  rules?: ListingRules
  /** How often orders past their deadline are closed. */
  sweepIntervalMs: number
  onError: (err: unknown) => void
}

export function buildMarket(m: MarketInfrastructure) {
  const listings = new ListingStore(m.db)
  const orderStore = new OrderStore(m.db)
  const market = new MarketService({ listings, orders: orderStore, reviews: new ReviewStore(m.db, listings), readable: m.readable, ...(m.rules === undefined ? {} : { rules: m.rules }) })
  const marketOrders = new OrderService({
    orders: orderStore,
    listing: (id) => listings.head(id),
    ledger: m.ledger,
    fees: m.fees,
    grantRead: m.grantRead,
    publish: m.publish,
    onError: m.onError,
  })
  const marketUpkeep = new Upkeep({ round: () => marketOrders.sweep(), intervalMs: m.sweepIntervalMs, onError: m.onError })
  return { market, marketOrders, marketUpkeep }
}
