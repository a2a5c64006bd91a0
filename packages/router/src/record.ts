/**
 * Layout of a node's record in `NodeIndex.data`: 16 float32 (64 bytes, one cache line) holding
 * everything placement reads, so checking and scoring a sampled node costs one memory access; at
 * 120,000 nodes placement is bound by those accesses. Derived values (free memory, utilisation)
 * are computed on update, not per placement. float32 keeps ~7 digits: plenty for resources, load
 * and positions (a unit-vector component to ~1 m).
 */
export const F = Object.freeze({
  /** Executor bit mask while online, 0 otherwise: one test covers status and executor. */
  ELIGIBLE: 0,
  CORES: 1,
  /** log2 of offered memory (GB), for the fit term. */
  MEMORY_LOG2: 2,
  /** Offered memory minus used memory (GB). */
  MEMORY_FREE: 3,
  GPUS: 4,
  /** Memory of the largest GPU (GB). */
  GPU_MEMORY: 5,
  REPUTATION: 6,
  /** NaN where the node has no price. */
  PRICE: 7,
  /** max(cpu % / 100, running tasks / cores). */
  UTIL: 8,
  /** Unit vector of the location. */
  UX: 9,
  UY: 10,
  UZ: 11,
  /** Learned success mean; negated while its lower confidence bound is below the threshold. */
  RELIABILITY: 12,
  /** Learned speed: shrinkage weight and pessimistic log(ms per unit of work). */
  SPEED_WEIGHT: 13,
  PESSIMISTIC_LOG_RATE: 14,
  /** Uint32 (read through `marks`): placement epoch that last saw the slot. */
  MARK: 15,
})
export const STRIDE = 16
