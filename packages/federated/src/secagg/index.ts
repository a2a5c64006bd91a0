/**
 * SecAgg+ secure aggregation: the aggregator learns the example-weighted mean of the clients'
 * parameters and nothing about any one of them, and the round survives dropouts down to the
 * threshold. A library with no I/O: the hub drives `SecAggServer`, each node a `SecAggClient`,
 * and they exchange the JSON messages these return.
 *
 * ```ts
 * const server = new SecAggServer({ roundId, clients, tensorSizes })
 * for (const [id, request] of Object.entries(server.requests())) send(id, request)
 * server.receive(reply)   // per reply; then server.advance() when all answered or on timeout
 * // node side: client.setup(req) → client.shareKeys(req) → client.collect(req, update) → client.unmask(req)
 * const { mean, totalExamples } = server.result()   // after the unmask stage: strategy.linear.fromMean(...)
 * ```
 */
export { SecAggClient, type SecAggClientOptions, type SecAggUpdate } from './client.js'
export { SecAggServer, type SecAggResult, type SecAggServerOptions, type SecAggServerStage } from './server.js'
export { runSecAggRound, type SecAggRoundOptions, type SecAggRoundReport } from './run.js'
export { neighbourGraph } from './graph.js'
export { clientIdBelongsTo } from './keys.js'
export { dequantizeSum, quantizationErrorBound, quantizeUpdate } from './quantize.js'
export {
  resolveSecAggConfig,
  SECAGG_STAGES,
  type SecAggCollectReply,
  type SecAggCollectRequest,
  type SecAggConfig,
  type SecAggOptions,
  type SecAggPublicKeys,
  type SecAggReply,
  type SecAggRequest,
  type SecAggSetupReply,
  type SecAggSetupRequest,
  type SecAggShareKeysReply,
  type SecAggShareKeysRequest,
  type SecAggStage,
  type SecAggUnmaskReply,
  type SecAggUnmaskRequest,
} from './stages.js'
