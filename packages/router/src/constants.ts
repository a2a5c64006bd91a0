/**
 * Every tunable of the AI router with its default, in one place. `RouterOptions` fields that are
 * left out take these values; `resolveRouterOptions` validates and freezes the result once.
 */

/** Weights of the placement score terms; each term lies in [0, 1], so the score does too when the weights sum to 1. */
export interface ScoreWeights {
  /**
   * Expected completion time of this task on the node, from what was learned: the round trip to the
   * requester and data, the wait behind the tasks queued beyond its cores, the task's work at the
   * node's learned speed, all divided by the node's learned success probability (a failure costs a
   * retry). 1 / (1 + time / the task's time on a par node): 0.5 at par. Optional in this type
   * (task-independent scorers leave it out); resolved options always have it.
   */
  time?: number
  /** Spare capacity: CPU % and running tasks per core (queueing beyond one task per core is penalised hard). */
  load: number
  /** Learned speed: the node's estimated time per unit of work against the fleet's. */
  speed: number
  /** Learned success: 1 at certain success, 0 at a failure probability of `failureTolerance` or more. */
  reliability: number
  /** Great-circle distance to the requester and the task's input data. */
  geo: number
  /** Capability fit: a CPU task should not occupy a GPU node, a 2 GB task not a 512 GB node. */
  fit: number
  /** Audit / verification score in [0, 1]. */
  reputation: number
  /** Cheaper nodes score higher (nodes without a price count as `priceScale`). */
  price: number
  /** Staked nodes score higher: stake / (stake + stakeScale). Counts only once some node in the index has stake. */
  stake: number
}

/**
 * Placement normalises the weights to sum 1: time is then two thirds of the score, the other terms
 * keep their proportions. At one half, the load and speed terms (which favour an idle node however
 * slow) outweighed a 2x slower run for big tasks, the ones that make p99 (bench routing-policies).
 */
export const DEFAULT_WEIGHTS: Readonly<ScoreWeights> = Object.freeze({
  time: 2,
  load: 0.25,
  speed: 0.25,
  reliability: 0.15,
  geo: 0.15,
  fit: 0.08,
  reputation: 0.07,
  price: 0.05,
  stake: 0.05,
})

export const DEFAULTS = Object.freeze({
  /**
   * Eligible candidates a placement samples before it picks the best ("power of d choices").
   * 32 keeps ~99% of the score quality of 64 (bench/router.ts: 0.91 vs 0.92 of the full-scan best)
   * at half the cost; raise it where placement quality matters more than throughput.
   */
  sampleSize: 32,
  /** Each random probe evaluates a run of this many neighbours in its bucket (fewer memory accesses). */
  sampleRun: 4,
  /** Probes (random picks from the matching buckets) per sampling round, as a multiple of sampleSize. */
  probeFactor: 3,
  /** Regions are added nearest-first until the matching buckets hold at least this many nodes. */
  minPool: 256,
  /**
   * When the matching buckets hold at most this many nodes, all of them are evaluated (exact for
   * small fleets; ~512 scores cost tens of µs). The quality tiers are too coarse to sample from
   * below that: at 300 nodes the last tier holds 90% of them, and a 32-node sample picked another
   * node than the scan for 2 placements in 3 (bench routing-policies: p99 1.2x the oracle's at 90% load).
   */
  exhaustiveLimit: 512,
  /**
   * When sampling found fewer eligible nodes than needed, pools up to this size are checked node by
   * node (exact); larger pools keep the sampled answer, so a placement never costs O(fleet).
   */
  fallbackScanLimit: 4096,
  /** Share of placements that explore: pick the sampled eligible node with the least evidence. */
  epsilon: 0.05,
  /** Exploration only picks nodes with fewer (time-decayed) observations than this; otherwise it exploits. */
  exploreMaxObservations: 8,
  /** Exploration only considers nodes scoring within this of the best candidate. */
  exploreMargin: 0.05,
  /** Beta prior of the success model: pseudo-successes. Optimistic, so new nodes pass the confidence check. */
  priorSuccesses: 8,
  /** Beta prior of the success model: pseudo-failures. */
  priorFailures: 0.5,
  /** z of the one-sided lower confidence bound on success probability (1.645 = 95%). */
  confidenceZ: 1.645,
  /**
   * Nodes whose success lower confidence bound is below this are skipped. Low: a node failing a
   * third of its attempts is still capacity (the time term charges it the expected retries), and
   * skipping it under heavy load queues its share of the work elsewhere.
   */
  minSuccessLcb: 0.3,
  /** Half-life of evidence (ms): old successes and failures fade back towards the prior, so a skipped node gets another chance. */
  evidenceHalfLifeMs: 30 * 60_000,
  /** EWMA smoothing of a node's log(ms per unit of work). */
  speedAlpha: 0.3,
  /** EWMA smoothing of the fleet-wide log(ms per unit of work) the node estimates are compared with. */
  fleetSpeedAlpha: 0.01,
  /** Pseudo-observations that shrink a node's speed estimate towards the fleet's while it has little data. */
  speedShrinkage: 1,
  /** Time per unit of work assumed for a node without timings, as a multiple of the fleet's (shrunk away as its timings come in). */
  unknownSpeedFactor: 1.5,
  /**
   * Tasks at once a node without timings is trusted with; each timing adds one, up to its cores.
   * Not 1: under heavy load a node on probation is capacity held back (its queue looks full to the
   * time term), and at 1 the fleet's never-timed nodes stayed unused (p99 ~3% worse at 90% load).
   */
  probationSlots: 4,
  /** Standard deviations of log-speed added to the estimate: erratic nodes look slower than their mean. */
  speedRiskAversion: 0.5,
  /**
   * Load term of a node with no free core (tasks ≥ cores, or CPU at 100%), divided by its utilisation.
   * A node with a free core scores 1 − util / 2 ∈ (0.5, 1]; the drop below 0.5 is the price of queueing.
   */
  saturatedLoadTerm: 0.25,
  /** Posterior failure probability at which the reliability term reaches 0 (a failed attempt costs a retry). */
  failureTolerance: 0.2,
  /** Speed term is 1 / (1 + ratio^speedExponent), ratio = node / fleet time per unit of work: 0.5 at par. */
  speedExponent: 2,
  /** Speed weight scales with (task work / fleet's typical work) to this power: big tasks care more about speed. */
  speedWorkExponent: 0.5,
  /** ...within [1 / clamp, clamp]. */
  speedWorkClamp: 3,
  /** Network distance covered per ms one way (km), for the time term's round trip: about half the speed of light in fibre, on indirect routes. */
  networkKmPerMs: 100,
  /** Distance (km) at which the geo term falls to 0.5. */
  geoScaleKm: 2000,
  /** Price (tokens per unit of work) at which the price term falls to 0.5; also the assumed price of unpriced nodes. */
  priceScale: 1,
  /** Reputation assumed for nodes without an audit or verification score. */
  defaultReputation: 0.5,
  /** Stake (tokens) at which the stake term reaches 0.5; unstaked nodes score 0 on it. */
  stakeScale: 100,
  /** Share of the fit term that is about GPUs (the rest is about memory). */
  gpuFitShare: 0.7,
})

/** Upper bounds (exclusive, GB) of the memory tiers nodes are bucketed by; the last tier is open-ended. */
export const MEMORY_TIER_BOUNDS = Object.freeze([4, 8, 16, 32, 64, 128, 256])
/** Upper bounds (exclusive, GB of the largest GPU) of the GPU classes after class 0 (no GPU); the last is open-ended. */
export const GPU_CLASS_BOUNDS = Object.freeze([16, 40])
export const MEMORY_TIERS = MEMORY_TIER_BOUNDS.length + 1
export const GPU_CLASSES = GPU_CLASS_BOUNDS.length + 2
/** Resource classes per (executor, region): GPU class × memory tier. */
export const RESOURCE_CLASSES = MEMORY_TIERS * GPU_CLASSES

/** Mean Earth radius (km) for haversine distances. */
export const EARTH_RADIUS_KM = 6371.0088

/**
 * Online nodes a storage placement examines per sampling round (at most two rounds): enough to
 * spread a segment's pieces over the regions, bounded however large the fleet grows.
 */
export const STORAGE_SAMPLE_SIZE = 500
