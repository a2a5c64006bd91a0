/**
 * The hub's domains, built over shared infrastructure: each returns the services other domains
 * may use and the background parts the lifecycle starts and stops. createHub registers the
 * plugins with exactly the options each declares.
 */
import type { Identity } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import type { HubConfig } from '../config.js'
import { HUB_DEFAULTS } from '../constants.js'
import type { Database } from '../db/types.js'
import type { EventBus } from '../infra/event-bus.js'
import type { HubMetrics } from '../infra/metrics.js'
import type { NonceStore } from '../infra/nonces.js'
import { AccountService } from './accounts/service.js'
import { AccountStore } from './accounts/store.js'
import { buildBilling } from './billing/build.js'
import { HubRouter } from './compute/routing.js'
import { JobService } from './compute/service.js'
import { JobStore } from './compute/store.js'
import { TaskQueue } from './compute/queue.js'
import { EventAudience } from './events/service.js'
import { FL_HUB_DEFAULTS } from './federated/constants.js'
import { Coordinator } from './federated/coordinator.js'
import { DatasetService } from './federated/dataset-service.js'
import { DatasetStore } from './federated/dataset-store.js'
import { WorkExchange } from './federated/exchange.js'
import { OwnerRoundStore } from './federated/owner-store.js'
import { FederatedService } from './federated/service.js'
import { TrainingStore } from './federated/store.js'
import { WorkStore } from './federated/work-store.js'
import { buildGovernance } from './governance/build.js'
import { buildStaking } from './staking/build.js'
import { LedgerService } from './ledger/service.js'
import { SqlLedgerStore } from './ledger/store.js'
import { buildMarket } from './market/build.js'
import { Liveness } from './nodes/liveness.js'
import { NodeService } from './nodes/service.js'
import { NodeStore } from './nodes/store.js'
import { PipelineService } from './pipeline/service.js'
import { PipelineStore } from './pipeline/store.js'
import { DeploymentStore } from './serving/store.js'
import { ServingService } from './serving/service.js'
import { StorageMaintenance } from './storage/maintenance.js'
import { ObjectStore } from './storage/object-store.js'
import { buildStorageRewards, lateBilling } from './storage/build-rewards.js'
import { PieceRecordStore } from './storage/piece-record-store.js'
import { StorageService } from './storage/service.js'
import { UploadStore } from './storage/upload-store.js'

export interface Infrastructure {
  config: HubConfig
  hubId: string
  db: Database
  bus: EventBus
  nonces: NonceStore
  metrics: HubMetrics
  networkKey: Identity
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

/** Builds every domain's stores and services; nothing starts here. */
export function buildDomains(infra: Infrastructure, nodeStore: NodeStore) {
  const { config, db, bus, metrics, networkKey, onError, hubId } = infra
  const accounts = new AccountService(new AccountStore(db), () => metrics.registrations.inc({ kind: 'account' }))
  const datasetStore = new DatasetStore(db)
  const datasets = new DatasetService(datasetStore)
  const nodes = new NodeService({
    store: nodeStore,
    hubId,
    networkKey: networkKey.publicKey,
    publish: (e) => bus.publish(e),
    onRegistered: () => metrics.registrations.inc({ kind: 'node' }),
    onRegistration: (id, registration) => datasets.announce(id, registration),
  })
  const liveness = new Liveness({
    nodes: nodeStore,
    nonces: infra.nonces,
    bus,
    hubId,
    heartbeatIntervalMs: config.heartbeatIntervalMs,
    tickMs: Math.min(HUB_DEFAULTS.livenessTickMs, config.heartbeatIntervalMs),
    sweepIntervalMs: HUB_DEFAULTS.sweepIntervalMs,
    staleAfterMs: config.staleAfterMs,
    onError,
    onHeartbeat: () => metrics.heartbeats.inc(),
  })
  const objects = new ObjectStore(db, config.storage.repairGraceMs)
  // One node index in the hub: the router's, for job placement and storage placement alike.
  // Stakes and the stake rule come from the staking domain, built below (read when the router starts and places).
  const router = new HubRouter(nodeStore, bus, { stakes: () => staking.staking.bondedStakes(), stakeRule: { minStakeFor: (needs) => staking.stakePolicy.minStakeFor(needs) } })
  const maintenance = new StorageMaintenance({
    placement: router,
    pieces: new PieceRecordStore(db, config.storage.repairGraceMs),
    objects,
    nodes: nodeStore,
    networkKey,
    bus,
    collectIntervalMs: HUB_DEFAULTS.collectIntervalMs,
    auditIntervalMs: config.storage.auditIntervalMs,
    repairIntervalMs: config.storage.repairIntervalMs,
    auditsPerRound: HUB_DEFAULTS.auditsPerRound,
    onAuditFailed: (nodeId, failures) => staking.staking.slashForAudit(nodeId, failures),
    onError,
    log: infra.log,
  })
  const storage = new StorageService({ uploads: new UploadStore(db), objects, nodes: nodeStore, placement: router, accounts, networkKey, quotaBytes: config.storage.storageQuotaBytes, wakeCollector: () => maintenance.wake(), ...(config.billing.enabled ? { billing: lateBilling(() => storageRewards.storageRewards) } : {}) })
  const jobStore = new JobStore(db)
  const { leaseMs, spotCheckRate, stragglerAfterMs } = config.compute
  // The ledger and the parameters are built below; billing reads them only once requests come.
  const billing = buildBilling({
    db,
    settings: config.billing,
    ledger: { transfer: (t) => ledger.transfer(t), wallet: (a) => ledger.wallet(a) },
    parameters: { all: () => governance.parameters.all() },
    router,
    jobs: jobStore,
    spotCheckRate,
    maxTieBreakers: 2,
    storageHours: config.storage.durationHours,
    onError,
  })
  const jobs = new JobService({
    router,
    queue: new TaskQueue(db, { leaseMs }),
    jobs: jobStore,
    objects,
    networkKey,
    spotCheckRate,
    maxTieBreakers: 2,
    ...(billing.jobBilling === undefined ? {} : { billing: billing.jobBilling }),
    stragglerAfterMs,
    upkeepIntervalMs: Math.min(1000, leaseMs),
    assignmentTimeoutMs: Math.min(5000, leaseMs),
    strandedFailAfterMs: HUB_DEFAULTS.strandedFailAfterMs,
    onWrongResult: (jobId, nodeId) => staking.staking.slashForWrongResult(jobId, nodeId),
    market: { computeGrant: (orderId) => market.marketOrders.computeGrant(orderId), completeCompute: (orderId) => market.marketOrders.completeCompute(orderId) },
    // Announced on the hub where the job changed (the bus carries it to the others), so the
    // pipeline a job belongs to is announced once too, not once per hub that hears of it.
    announce: (jobId) => {
      bus.publish({ type: 'job.updated', jobId })
      void pipelines.jobChanged(jobId)
    },
    nudge: (nodeIds) => liveness.nudge(nodeIds, 'task'),
    onError,
  })
  const pipelineStore = new PipelineStore(db)
  const pipelines = new PipelineService({
    store: pipelineStore,
    jobs,
    readable: (cid, accountId, what) => objects.readableBy(cid, accountId, what),
    encryptionKey: async (accountId) => (await accounts.get(accountId)).encryptionKey,
    publish: (e) => bus.publish(e),
    onError,
  })
  const deployments = new DeploymentStore(db)
  const serving = new ServingService({
    store: deployments,
    jobs: jobStore,
    objects,
    networkKey,
    router,
    announce: (deploymentId) => bus.publish({ type: 'deployment.updated', deploymentId }),
    requestTimeoutMs: HUB_DEFAULTS.inferTimeoutMs,
    cacheMs: HUB_DEFAULTS.servingCacheMs,
    spareCandidates: 2,
    ...(billing.servingBilling === undefined ? {} : { billing: billing.servingBilling }),
    market: { order: (accountId, orderId) => market.marketOrders.view(accountId, orderId), consumeCall: (orderId, requestId) => market.marketOrders.consumeCall(orderId, requestId) },
    onError,
  })
  const trainings = new TrainingStore(db)
  const work = new WorkStore(db)
  const exchange = new WorkExchange({ work, pollMs: FL_HUB_DEFAULTS.answerPollMs, nudge: (nodeIds) => liveness.nudge(nodeIds, 'fl') })
  const ownerRounds = new OwnerRoundStore(db)
  const coordinator = new Coordinator({
    trainings,
    work,
    exchange,
    owner: ownerRounds,
    ownerTimeoutMs: FL_HUB_DEFAULTS.ownerTimeoutMs,
    hubId,
    publish: (e) => bus.publish(e),
    tickMs: FL_HUB_DEFAULTS.coordinatorTickMs,
    leaseMs: FL_HUB_DEFAULTS.coordinatorLeaseMs,
    maxTrainings: FL_HUB_DEFAULTS.maxTrainings,
    onError,
    log: infra.log,
  })
  const federated = new FederatedService({
    trainings,
    work,
    owner: ownerRounds,
    datasets: datasetStore,
    objectOwner: async (cid) => (await objects.get(cid))?.summary.owner,
    wake: () => coordinator.wake(),
    answered: () => exchange.notify(),
    publish: (e) => bus.publish(e),
  })
  const audience = new EventAudience({
    job: async (id) => (await jobStore.get(id))?.owner,
    deployment: async (id) => (await deployments.get(id))?.owner,
    training: (id) => trainings.owner(id),
    pipeline: (id) => pipelineStore.owner(id),
  })
  const ledger = new LedgerService({
    store: new SqlLedgerStore(db),
    signer: networkKey,
    settings: config.ledger,
    accountExists: (id) => accounts.requireAccount(id).then(() => true, (err: unknown) => (err instanceof W3aiError && err.code === 'ACCOUNT_NOT_FOUND' ? false : Promise.reject(err))),
    nodeExists: (id) => nodeStore.exists(id),
    expiryIntervalMs: HUB_DEFAULTS.ledgerExpiryIntervalMs,
    onError,
  })
  // parameters: the NetworkParameters every domain reads (governance/parameters.ts).
  const governance = buildGovernance({ db, bus, networkKey, settings: config.governance, onError })
  const staking = buildStaking({ db, bus, ledger, parameters: governance.parameters, nodeExists: (id) => nodeStore.exists(id), settings: config.staking, billing: config.billing, onError, log: infra.log })
  const storageRewards = buildStorageRewards({ db, ledger, parameters: governance.parameters, epochMs: config.storage.epochMs, durationHours: config.storage.durationHours, onError, log: infra.log })
  const market = buildMarket({ db, ledger, fees: () => billing.prices.settlement(), readable: (cid, accountId) => objects.readableBy(cid, accountId), grantRead: (cid, accountId, key, by) => objects.share(cid, accountId, key, by), publish: (e) => bus.publish(e), sweepIntervalMs: HUB_DEFAULTS.marketSweepIntervalMs, onError })
  return { ...governance, ...staking, ...storageRewards, ...market, quotes: billing.quotes, accounts, nodes, liveness, maintenance, storage, router, jobs, serving, audience, datasets, federated, coordinator, pipelines, ledger }
}

export type Domains = ReturnType<typeof buildDomains>
