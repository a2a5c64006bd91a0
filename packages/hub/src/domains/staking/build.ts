/**
 * Builds the staking domain: the service (stake, unstake, slash, release), the stake rule the
 * router applies, and the upkeep that keeps both going (start(): the rule's parameters, then
 * unbonding releases on an interval).
 */
import type { Database } from '../../db/types.js'
import type { EventBus } from '../../infra/event-bus.js'
import { Upkeep } from '../../infra/upkeep.js'
import type { NetworkParameters } from '../governance/parameters.js'
import type { LedgerService } from '../ledger/service.js'
import type { StakingSettings } from './config.js'
import { StakePolicy } from './policy.js'
import { StakingService } from './service.js'
import { StakingStore } from './store.js'

export interface StakingInfrastructure {
  db: Database
  bus: Pick<EventBus, 'publish'>
  ledger: Pick<LedgerService, 'transfer' | 'balanceOf'>
  parameters: Pick<NetworkParameters, 'get' | 'all' | 'subscribe'>
  nodeExists: (nodeId: string) => Promise<boolean>
  settings: Readonly<StakingSettings>
  billing: { enabled: boolean; taskSeconds: number }
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

export function buildStaking(i: StakingInfrastructure) {
  const staking = new StakingService({
    store: new StakingStore(i.db),
    ledger: i.ledger,
    parameters: i.parameters,
    nodeExists: i.nodeExists,
    // The bus brings it to this hub's router too (and to dashboards): one path for every hub.
    stakeChanged: (nodeId, bonded) => i.bus.publish({ type: 'node.stake', id: nodeId, stake: bonded.toString() }),
    maxUnbonding: i.settings.maxUnbonding,
    now: i.settings.clock,
    log: i.log,
  })
  const stakePolicy = new StakePolicy({ parameters: i.parameters, billing: i.billing.enabled, taskSeconds: i.billing.taskSeconds, freeWorkMax: i.settings.freeWorkMax, onError: i.onError })
  const releases = new Upkeep({ round: () => staking.releaseDue(), intervalMs: i.settings.releaseIntervalMs, onError: i.onError })
  const stakingUpkeep = {
    async start(): Promise<void> {
      await stakePolicy.start()
      releases.start()
    },
    async stop(): Promise<void> {
      await releases.stop()
      stakePolicy.stop()
    },
  }
  return { staking, stakePolicy, stakingUpkeep }
}
