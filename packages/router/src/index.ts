/**
 * @w3ai/router: node registry logic, failure detection and the AI router.
 *
 * The router is a pure library: the hub feeds it registry changes and heartbeats (all O(1)),
 * asks it where to run a task, and reports outcomes so it learns each node's speed and success.
 *
 * ```ts
 * import { createRouter, PhiAccrualDetector, statusForPhi } from '@w3ai/router'
 *
 * const router = createRouter({ epsilon: 0.05 })            // defaults: see constants.ts
 * router.upsert(nodeInfo)                                    // NodeInfo from the registry (+ optional price)
 * router.updateLoad(nodeInfo.id, heartbeat)                  // { cpuPercent, runningTasks, memoryUsedGb }
 * router.setStatus(nodeInfo.id, 'suspect')                   // leaves eligibility until 'online' again
 * router.setStake(nodeInfo.id, 150)                          // bonded stake (tokens): preferred, and eligible for minStake tasks
 *
 * const task = { executor: 'onnx', memoryGb: 4, gpus: 1, gpuMemoryGb: 16, work: 3, requester: { lat: 52.5, lon: 13.4 } } as const
 * const first = router.place(task)                           // { nodeId, score, explored } | undefined
 * const retry = router.place(task, { exclude: [first!.nodeId] })
 * const replicas = router.placeMany(task, 2, { explore: false })  // distinct nodes
 * router.recordOutcome(first!.nodeId, { ok: true, durationMs: 840, work: 3 })
 *
 * // Storage: distinct online nodes with 0.25 GB free disk, spread over regions, none of the holders.
 * router.placePieces({ count: 6, minFreeGb: 0.25, exclude: holders })  // [{ nodeId, endpoint }]
 * router.countPlaceable(0.25)                                // online nodes with that much free disk
 *
 * const d = new PhiAccrualDetector({ expectedIntervalMs: 1000 })
 * d.heartbeat(Date.now())
 * statusForPhi(d.phi(Date.now() + 5000)) // 'offline'
 * ```
 */
export { PhiAccrualDetector, phi, type PhiAccrualOptions } from './phi-accrual.js'
export { DEFAULT_THRESHOLDS, statusForPhi, type StatusThresholds } from './liveness.js'
export { Router, createRouter } from './router.js'
export { NodeIndex, type Bucket, type Region } from './index-store.js'
export { PerformanceModel } from './performance-model.js'
export { resolveRouterOptions } from './options.js'
export { DEFAULTS, DEFAULT_WEIGHTS, GPU_CLASS_BOUNDS, MEMORY_TIER_BOUNDS, STORAGE_SAMPLE_SIZE, type ScoreWeights } from './constants.js'
export { haversineKm } from './geo.js'
// Seeded randomness lives in @w3ai/util; `createRandom` stays the router's name for it (bench, tests).
export { normal, seededRandom as createRandom } from '@w3ai/util'
export type {
  GeoPoint,
  LoadSample,
  NodePerformance,
  Outcome,
  PieceTarget,
  PiecePlacementRequest,
  PlaceOptions,
  Placement,
  ResolvedRouterOptions,
  RoutableNode,
  RouterOptions,
  TaskRequirements,
} from './types.js'
export {
  SIM_REGIONS,
  eligible,
  generateFleet,
  generateTrace,
  replayRecorded,
  simulate,
  type FleetOptions,
  type RecordedTrace,
  type Policy,
  type SimNode,
  type SimOutcome,
  type SimResult,
  type SimTask,
  type SimView,
  type SimulateOptions,
  type TraceOptions,
} from './simulator.js'
export { learnedPolicy, leastLoadedPolicy, oraclePolicy, powerOfTwoPolicy, randomPolicy, roundRobinPolicy, type OracleOptions } from './simulation-policies.js'
