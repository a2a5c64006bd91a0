/**
 * Builds billing: the price book over the governed parameters, job escrow and settlement and pay
 * per inference (only when billing is on), and quotes (always: a hub without billing still says
 * what things would cost). The ledger and the parameters are read through the narrow interfaces
 * given, so they may be built after the services that bill through them.
 */
import { builtinExecutors } from '@w3ai/compute/executors'
import type { JobExecutor } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import { JobBilling } from '../compute/billing.js'
import { JobBillingStore } from '../compute/billing-store.js'
import type { HubRouter } from '../compute/routing.js'
import type { JobStore } from '../compute/store.js'
import type { LedgerService } from '../ledger/service.js'
import { ServingBilling } from '../serving/billing.js'
import { BILLING_DEFAULTS, type BillingSettings } from './config.js'
import { storedNodePrices } from './node-prices.js'
import { PriceBook, type ParameterReader } from './prices.js'
import { QuoteService } from './quotes.js'

export interface BillingInfrastructure {
  db: Database
  settings: Readonly<BillingSettings>
  ledger: Pick<LedgerService, 'transfer' | 'wallet'>
  parameters: ParameterReader
  router: HubRouter
  jobs: JobStore
  /** Spot-check rate and tie-breakers of the job service: a job's escrow covers its replicas. */
  spotCheckRate: number
  maxTieBreakers: number
  /** Hours an upload is paid for when it names none (the storage side's default). */
  storageHours?: number
  onError: (err: unknown) => void
}

/** Serving candidates priced for a deployment quote. */
const SERVING_QUOTE_NODES = 8

export function buildBilling(b: BillingInfrastructure) {
  const prices = new PriceBook({ parameters: b.parameters, nodePrices: storedNodePrices(b.db) })
  const on = b.settings.enabled
  const jobBilling = on ? new JobBilling({ ledger: b.ledger, prices, store: new JobBillingStore(b.db), settings: b.settings, maxTieBreakers: b.maxTieBreakers }) : undefined
  const servingBilling = on ? new ServingBilling({ ledger: b.ledger, prices, holdMs: BILLING_DEFAULTS.inferenceHoldMs, onError: b.onError }) : undefined
  const servable = builtinExecutors().servable().name as JobExecutor
  const quotes = new QuoteService({
    prices,
    billing: on,
    taskSeconds: b.settings.taskSeconds,
    spotCheckRate: b.spotCheckRate,
    maxTieBreakers: b.maxTieBreakers,
    ...(b.storageHours === undefined ? {} : { storageHours: b.storageHours }),
    router: b.router,
    jobs: b.jobs,
    placement: b.router,
    servingNodes: async () => (await b.jobs.candidates(servable, SERVING_QUOTE_NODES)).map((n) => n.nodeId),
  })
  return { prices, jobBilling, servingBilling, quotes }
}
