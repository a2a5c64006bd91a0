/** What the route plugins of one hub share. */
import type { Identity } from '@w3ai/crypto'
import type { AuthHook } from './auth.js'
import type { Database } from './db/types.js'
import type { EventBus } from './events.js'
import type { Liveness } from './liveness.js'
import type { HubMetrics } from './metrics.js'
import type { JobService } from './jobs/service.js'
import type { ServingService } from './serving/service.js'
import type { StorageMaintenance } from './storage/maintenance.js'
import type { AccountStore } from './store/accounts.js'
import type { ObjectStore } from './store/objects.js'
import type { UploadStore } from './store/uploads.js'
import type { NodeStore } from './store/nodes.js'

export interface HubContext {
  hubId: string
  version: string
  startedAt: number
  db: Database
  nodes: NodeStore
  accounts: AccountStore
  uploads: UploadStore
  objects: ObjectStore
  /** Deletes, audits and repairs pieces; `wake()` runs deletion soon. */
  collector: StorageMaintenance
  storageQuotaBytes: number
  jobService: JobService
  serving: ServingService
  bus: EventBus
  liveness: Liveness
  metrics: HubMetrics
  requireSignature: AuthHook
  heartbeatIntervalMs: number
  /** Signs piece orders; its public key is given to every node. */
  networkKey: Identity
  maxClientBacklogBytes: number
}
