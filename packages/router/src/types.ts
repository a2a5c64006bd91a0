/** Public types of the AI router: what it indexes, what a task asks for, what a placement returns. */
import type { Capabilities, Executor, NodeInfo, NodeStatus } from '@w3ai/protocol'
import type { ScoreWeights } from './constants.js'

/** A point on Earth in degrees. */
export interface GeoPoint {
  lat: number
  lon: number
}

/** Load as heartbeats report it; `NodeInfo.load` fits. */
export interface LoadSample {
  cpuPercent: number
  runningTasks: number
  memoryUsedGb?: number
  /** Disk used by stored pieces (GB); kept as it was when a sample omits it. */
  diskUsedGb?: number
}

/**
 * What the index needs of a node: the registry's `NodeInfo` fits, plus optional routing extras
 * (a price per unit of work, a reputation that overrides the audit score).
 */
export interface RoutableNode {
  id: string
  status: NodeStatus
  location: GeoPoint & { region: string }
  capabilities: Pick<Capabilities, 'cpuCores' | 'memoryGb' | 'gpus' | 'executors'> & { diskGb?: number }
  /** Where clients reach the node (storage placement hands it out with the node id). */
  endpoint?: string
  load?: LoadSample | null
  audit?: NodeInfo['audit']
  /** Tokens per unit of work; unpriced nodes are treated as costing `priceScale`. */
  price?: number
  /** Reputation in [0, 1]; defaults to `audit.score`, then `defaultReputation`. */
  reputation?: number
  /** Bonded stake in tokens; an upsert without it keeps what setStake set (default 0). */
  stake?: number
}

/** Hard requirements and soft preferences of one task. */
export interface TaskRequirements {
  executor: Executor
  /** Free memory the task needs (GB); default 0. */
  memoryGb?: number
  /** Cores the node must offer; default 0. */
  cpuCores?: number
  /** GPUs the task needs; default 0. */
  gpus?: number
  /** Memory each of those GPUs must have (GB); default 0. */
  gpuMemoryGb?: number
  /** Units of work (for the speed model and pricing); default 1. */
  work?: number
  /** Where the requester is: nearer nodes score higher. */
  requester?: GeoPoint
  /** Where the input data's pieces are: nearer nodes score higher (mean distance with the requester). */
  dataLocations?: readonly GeoPoint[]
  /** Data locality as a hard constraint: only nodes in these regions. */
  regions?: readonly string[]
  /** Minimum reputation (audit / verification score in [0, 1]). */
  minReputation?: number
  /** Maximum price per unit of work; unpriced nodes pass. */
  maxPrice?: number
  /** Minimum bonded stake (tokens): work worth more than the free limit goes only to nodes staking this much. */
  minStake?: number
}

export interface PlaceOptions {
  /** Node ids that must not be chosen (earlier attempts of a retry, replicas already placed). */
  exclude?: Iterable<string>
  /** Set false to never explore in this call (e.g. verification replicas). Default true. */
  explore?: boolean
}

export interface Placement {
  nodeId: string
  /** Score in [0, 1] of the chosen node (higher is better). */
  score: number
  /** True when the node was picked to learn about it rather than for its score. */
  explored: boolean
}

/** A storage placement: where a segment's pieces go (distinct nodes, spread over regions). */
export interface PiecePlacementRequest {
  /** Pieces to place, each on its own node. */
  count: number
  /** Free disk (GB) a node must have; a node with exactly this much qualifies. Default 0. */
  minFreeGb?: number
  /** Node ids not to use (during repair: the nodes already holding a piece of the segment). */
  exclude?: Iterable<string>
  /** Online nodes examined per round (default STORAGE_SAMPLE_SIZE): bounds the work at any fleet size. */
  sampleSize?: number
}

export interface PieceTarget {
  nodeId: string
  /** The node's endpoint as registered ('' when the index was given none). */
  endpoint: string
}

/** What happened when a node ran a task; feeds the learned performance model. */
export interface Outcome {
  ok: boolean
  /** Execution time the node took (ms); only successful outcomes update the speed estimate. */
  durationMs?: number
  /** Units of work of the task; default 1. */
  work?: number
}

/** The router's view of one node's learned performance. */
export interface NodePerformance {
  /** Observations after time decay. */
  observations: number
  /** Posterior mean probability of success. */
  successMean: number
  /** Lower confidence bound of the success probability. */
  successLcb: number
  /** Estimated ms per unit of work (undefined before the first success). */
  msPerWork: number | undefined
  /** Whether placements currently skip the node for low success confidence. */
  skipped: boolean
}

export interface RouterOptions {
  /** Uniform random numbers in [0, 1); inject a seeded one for deterministic tests. Default Math.random. */
  random?: () => number
  /** Clock in ms; default Date.now. */
  now?: () => number
  weights?: Partial<ScoreWeights>
  sampleSize?: number
  sampleRun?: number
  probeFactor?: number
  minPool?: number
  exhaustiveLimit?: number
  fallbackScanLimit?: number
  epsilon?: number
  exploreMaxObservations?: number
  exploreMargin?: number
  priorSuccesses?: number
  priorFailures?: number
  confidenceZ?: number
  minSuccessLcb?: number
  evidenceHalfLifeMs?: number
  speedAlpha?: number
  fleetSpeedAlpha?: number
  speedShrinkage?: number
  speedRiskAversion?: number
  saturatedLoadTerm?: number
  failureTolerance?: number
  speedExponent?: number
  speedWorkExponent?: number
  speedWorkClamp?: number
  networkKmPerMs?: number
  unknownSpeedFactor?: number
  probationSlots?: number
  geoScaleKm?: number
  priceScale?: number
  defaultReputation?: number
  stakeScale?: number
  gpuFitShare?: number
}

export type ResolvedRouterOptions = Readonly<Required<Omit<RouterOptions, 'weights'>> & { weights: Readonly<ScoreWeights> }>
