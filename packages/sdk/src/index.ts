/**
 * @w3ai/sdk: the typed client the CLI, node agent and dashboard tests use.
 *
 * ```ts
 * const hub = new HubClient({ url: 'http://127.0.0.1:7420', identity })
 * const { nodes } = await hub.listNodes({ status: 'online' })
 * ```
 */
export { eventsPath, HubClient, IDEMPOTENT_POSTS, isIdempotent, type EventsOptions, type HubClientOptions, type RequestOptions, type Signer } from './client.js'
export { simulateNode, type SimulatedNode } from './sim-node.js'
export { auditPiece, deletePiece, getPiece, putPiece, type PieceTarget } from './pieces.js'
export { DEFAULT_REDUNDANCY, StorageClient, type ChunkSink, type GetOptions, type PutOptions, type TransferProgress } from './storage.js'
export { followPages, listPage, type ListPage } from './paging.js'
export { JobsClient, openJobResult, provideInputKeys, putBytes, TaskClient, type WaitOptions } from './jobs.js'
export { PipelinesClient, segmentRanges, type PipelineCollectOptions, type PipelineRunOptions, type PipelineRunResult, type PipelineSubmission, type PipelineSubmitOptions, type PipelineWaitOptions } from './pipeline.js'
export { heCodec, keyCodec, type HeClientLike, type HeModelLike, type KeyCodecOptions, type PipelineCodec } from './pipeline-codecs.js'
export { DeploymentsClient, encodeTensors, ServingNodeClient, type InferOptions, type TensorMap, type TensorResponse, type WaitReadyOptions } from './serving.js'
export { inputsFrame } from './serving-wire.js'
export {
  BACKOFF_DEFAULTS,
  backoffSchedule,
  isTransient,
  notDelivered,
  retry,
  retryingPut,
  whileUnreachable,
  type BackoffOptions,
  type FollowOptions,
  type RetryOptions,
} from './retry.js'
export { decodeParameters, encodeParameters, openParameters, parametersFromBytes, parametersToBytes, sealParameters } from './federated-params.js'
export { FederatedClient, FederatedWorkClient, type FlWaitOptions } from './federated.js'
export { newTransferId, WalletClient, type WalletTransferOptions } from './wallet.js'
export { LEDGER_PAGE, LedgerClient, type LedgerDownload, type LedgerPageQuery, type LedgerVerifyOptions } from './ledger.js'
export { StakingClient, type StakeOptions } from './staking.js'
export { GOVERNANCE_LOG_PAGE, GovernanceClient, type GovernanceWaitOptions, type ProposedChanges } from './governance.js'
export { QuotesClient } from './quotes.js'
export { MarketClient, newIdempotencyKey, type AnswerKeyRequestsOptions, type BuyOptions, type FulfilAllOptions, type FulfilOutcome, type FulfilPendingOptions, type KeyRequestOutcome, type MarketOrderEvent, type MarketSearch, type PublishOptions } from './market.js'
