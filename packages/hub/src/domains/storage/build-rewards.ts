/**
 * Builds storage payments (billing on): the rewards service and its epoch upkeep. The storage
 * service is built before the ledger and the parameters it needs, so it is handed `lateBilling`,
 * which reaches the service once built.
 */
import type { Database } from '../../db/types.js'
import { Upkeep } from '../../infra/upkeep.js'
import type { NetworkParameters } from '../governance/parameters.js'
import type { LedgerService } from '../ledger/service.js'
import { BillingStore } from './billing-store.js'
import { StorageRewards, type StorageBilling } from './rewards.js'

export interface StorageRewardsInfrastructure {
  db: Database
  ledger: Pick<LedgerService, 'transfer' | 'balanceOf'>
  parameters: Pick<NetworkParameters, 'all'>
  /** Storage epoch (ms) and the paid duration of an upload that names none (hours). */
  epochMs: number
  durationHours: number
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

export function buildStorageRewards(i: StorageRewardsInfrastructure) {
  const storageRewards = new StorageRewards({ store: new BillingStore(i.db), ledger: i.ledger, parameters: i.parameters, epochMs: i.epochMs, defaultDurationHours: i.durationHours, log: i.log })
  // Several rounds per epoch: an epoch is paid soon after it ends, refunds soon after a close.
  const storageRewardsUpkeep = new Upkeep({ round: () => storageRewards.round(), intervalMs: Math.max(100, Math.min(5000, Math.floor(i.epochMs / 4))), onError: i.onError })
  return { storageRewards, storageRewardsUpkeep }
}

/** Storage billing reached through `get` at call time (the service it names is built later). */
export function lateBilling(get: () => StorageBilling): StorageBilling {
  return {
    reserve: (...a) => get().reserve(...a),
    escrow: (...a) => get().escrow(...a),
    activated: (...a) => get().activated(...a),
    deleted: (...a) => get().deleted(...a),
  }
}
