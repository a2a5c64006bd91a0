/**
 * The cycle time of a topology, exactly as specs/multigraph.md section 6 defines it (the number the
 * multigraph paper reports). Round k uses state s = k mod s_max; each overlay edge carries a time
 * D_k(e):
 * - strong now, and strong in round k-1 (or k = 0): D_k(e) = d(e)
 * - strong now, weak in round k-1: D_k(e) = max(Tc, d(e) - D_{k-1}(e)) (the transfer began earlier)
 * - weak now, strong in round k-1: D_k(e) = tau_k
 * - weak now, weak in round k-1: D_k(e) = tau_k + D_{k-1}(e)
 * where tau_k is the maximum cycle mean of the overlay with D_k on strong edges and 0 on weak ones.
 * The cycle time is the mean of tau_k over the rounds; with every multiplicity 1 it is simply the
 * maximum cycle mean of d. That holds for every overlay here, the star included; the paper's
 * reference code instead reports a star as (that mean - Tc) × 2 + Tc, a server's gather then scatter.
 */
import { W3aiError } from '@w3ai/protocol'
import { DEFAULT_ROUNDS, MAX_ROUNDS } from './constants.js'
import { maxCycleMean, maxCycleMeanSolver } from './max-cycle-mean.js'
import { isStrong, type Topology } from './multigraph.js'

export interface CycleTime {
  /** Mean of tau_k over the rounds, ms. */
  cycleTimeMs: number
  /** tau_k of every round k, ms. */
  roundTimesMs: number[]
}

/** Simulates `rounds` rounds (default 100) of the topology and averages their times. */
export function cycleTime(topology: Topology, rounds: number = DEFAULT_ROUNDS): CycleTime {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > MAX_ROUNDS) throw new W3aiError('FL_BAD_CONFIG', `rounds must be an integer 1..${MAX_ROUNDS}, got ${rounds}`)
  const n = topology.labels.length
  const { edges, computeMs, stateCount } = topology
  if (stateCount === 1) {
    const tau = maxCycleMean(n, edges.map((e) => ({ from: e.from, to: e.to, weight: e.delayMs })))
    return { cycleTimeMs: tau, roundTimesMs: new Array<number>(rounds).fill(tau) }
  }
  const solve = maxCycleMeanSolver(n, edges)
  const roundTimesMs: number[] = []
  let times = edges.map((e) => e.delayMs)
  const now = new Float64Array(edges.length)
  for (let k = 0; k < rounds; k++) {
    const state = k % stateCount
    const before = (k - 1 + stateCount) % stateCount
    const strong = edges.map((e) => isStrong(e, state))
    const wasStrong = edges.map((e) => k === 0 || isStrong(e, before))
    edges.forEach((e, i) => {
      now[i] = !strong[i] ? 0 : wasStrong[i] ? e.delayMs : Math.max(computeMs, e.delayMs - times[i]!)
    })
    const tau = solve(now)
    times = edges.map((_, i) => (strong[i] ? now[i]! : wasStrong[i] ? tau : tau + times[i]!))
    roundTimesMs.push(tau)
  }
  return { cycleTimeMs: roundTimesMs.reduce((a, b) => a + b, 0) / rounds, roundTimesMs }
}
