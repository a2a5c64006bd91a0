/** Defaults of the topology work, from specs/multigraph.md (the multigraph paper's settings). */

/** Upload capacity of a silo, bit/s (C_up). */
export const DEFAULT_UPLOAD_BPS = 1e10
/** Download capacity of a silo, bit/s (C_dn). */
export const DEFAULT_DOWNLOAD_BPS = 1e10
/** Capacity of an underlay link whose GML edge gives none, bit/s (C). */
export const DEFAULT_LINK_BPS = 1e9
/** Most parallel edges between two silos in a multigraph (t_max). */
export const DEFAULT_T_MAX = 5
/**
 * Largest t_max accepted: the number of states is the lcm of the multiplicities, which is at most
 * lcm(1..t_max) (2520 at 10) and grows quickly past it.
 */
export const MAX_T_MAX = 10
/** Rounds over which the cycle time is averaged when the caller names none. */
export const DEFAULT_ROUNDS = 100
/** Most rounds one cycle-time evaluation may simulate (each costs a Karp run, O(nodes × edges)). */
export const MAX_ROUNDS = 100_000

/** Latency of a path: LATENCY_MS_PER_KM × distance + LATENCY_BASE_MS. */
export const LATENCY_MS_PER_KM = 0.0085
export const LATENCY_BASE_MS = 4

/** Averaging weights of the reference: a silo keeps SELF_WEIGHT of its own model, its strong neighbours share NEIGHBOURS_WEIGHT. */
export const SELF_WEIGHT = 0.7
export const NEIGHBOURS_WEIGHT = 0.3

/** The defaults above in one object, for callers that show them (the CLI's help). */
export const TOPOLOGY_DEFAULTS = {
  uploadBps: DEFAULT_UPLOAD_BPS,
  downloadBps: DEFAULT_DOWNLOAD_BPS,
  linkBps: DEFAULT_LINK_BPS,
  tMax: DEFAULT_T_MAX,
  maxTMax: MAX_T_MAX,
  rounds: DEFAULT_ROUNDS,
  maxRounds: MAX_ROUNDS,
} as const
