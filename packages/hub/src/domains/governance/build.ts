/** Builds the governance domain: the parameter table every domain reads, the service, the upkeep. */
import type { Identity } from '@w3ai/crypto'
import type { Database } from '../../db/types.js'
import type { EventBus } from '../../infra/event-bus.js'
import { genesisParameters, type GovernanceSettings } from './config.js'
import { StoredNetworkParameters } from './parameters.js'
import { GovernanceService } from './service.js'
import { GovernanceStore } from './store.js'
import { GovernanceUpkeep } from './upkeep.js'

export interface GovernanceInfrastructure {
  db: Database
  bus: EventBus
  /** Signs the governance log. */
  networkKey: Pick<Identity, 'publicKey' | 'signingKey'>
  settings: Readonly<GovernanceSettings>
  onError: (err: unknown) => void
}

export function buildGovernance({ db, bus, networkKey, settings, onError }: GovernanceInfrastructure) {
  const store = new GovernanceStore(db)
  const now = settings.clock
  const parameters = new StoredNetworkParameters({ db, store, bus, genesis: genesisParameters(settings), signer: networkKey, now, onError })
  const governance = new GovernanceService({ db, store, parameters, signer: networkKey, now, publish: (e) => bus.publish(e) })
  const governanceUpkeep = new GovernanceUpkeep({ governance, parameters, intervalMs: settings.upkeepIntervalMs, onError })
  return { parameters: parameters as StoredNetworkParameters, governance, governanceUpkeep }
}
