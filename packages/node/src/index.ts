/**
 * @w3ai/node: the edge agent. It holds a node identity under its home, serves its own HTTP
 * endpoint, registers with a hub and heartbeats real load measurements, reconnecting with
 * backoff whenever the hub goes away. It stores content-addressed pieces under `<home>/pieces`
 * and serves them at `/v1/pieces/:cid` to bearers of hub-signed orders.
 *
 * ```ts
 * import { createNodeAgent } from '@w3ai/node'
 * const agent = createNodeAgent({ home: '/var/lib/w3ai/node', hubUrl: 'http://127.0.0.1:7420', region: 'eu-west' })
 * agent.on('connected', () => console.log('online as', agent.id))
 * await agent.start()
 * // ...
 * await agent.stop()
 * ```
 */
export { createNodeAgent, VERSION, type NodeAgent, type NodeAgentComponents, type NodeAgentEvents } from './agent.js'
export { sandboxExecute, type ExecuteTask, type TaskContext } from './task-executor.js'
export { HubPool } from './hub-pool.js'
export type { NodeAgentConfig, NodeAgentOptions } from './options.js'
export type { NodeHealth } from './server.js'
export { DiskPieceStore, type ByteRange, type PieceStat, type PieceStoreComponents, type PieceUsage, type PutResult } from './piece-store.js'
export { OrderVerifier, decodeOrderHeader, encodeOrderHeader, type OrderAction, type OrderVerifierComponents } from './orders.js'
export { pieceRoutes, parseRange, type PieceRoutesComponents } from './pieces-routes.js'
export type { HubLinkState } from './hub-link.js'
export { Backoff, type BackoffOptions } from '@w3ai/util'
export {
  CpuSampler,
  DiskUsageTracker,
  cpuPercentBetween,
  bytesToGb,
  directorySize,
  machineDefaults,
  scaledMemoryUsedGb,
  totalCpuTimes,
  type CpuTimes,
  type MachineShare,
} from './measure.js'
export * from './constants.js'
export { DATASETS_FILE, addDataset, announcements, checkDatasetName, describeDataset, loadDatasets, readDataset, removeDataset, schemaOf, type DatasetSource, type LocalDataset } from './datasets.js'
export { Participant, type ParticipantComponents, type RunClientTask } from './federated/participant.js'
export { FlHost, type FlHostOptions } from './federated/host.js'
export { federatedModel, getParameters, setParameters } from './federated/model.js'
export { exportFederatedModel } from './federated/export.js'
export type { FlClientPayload, FlClientResult } from './federated/client-task.js'
