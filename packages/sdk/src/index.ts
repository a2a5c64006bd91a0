/**
 * @w3ai/sdk: the typed client the CLI, node agent and dashboard tests use.
 *
 * ```ts
 * const hub = new HubClient({ url: 'http://127.0.0.1:7420', identity })
 * const { nodes } = await hub.listNodes({ status: 'online' })
 * ```
 */
export { HubClient, type HubClientOptions, type RequestOptions, type Signer } from './client.js'
export { simulateNode, type SimulatedNode } from './sim-node.js'
export { auditPiece, deletePiece, getPiece, putPiece, type PieceTarget } from './pieces.js'
export { DEFAULT_REDUNDANCY, StorageClient, type ChunkSink, type GetOptions, type PutOptions, type TransferProgress } from './storage.js'
export { JobsClient, TaskClient } from './jobs.js'
export { DeploymentsClient, encodeTensors, ServingNodeClient, type TensorMap } from './serving.js'
