/** Reconnect delays: exponential with full jitter, so many dashboards don't reconnect in lockstep. */
export interface BackoffOptions {
  /** First delay ceiling in ms (default 500). */
  baseMs?: number
  /** Largest delay in ms (default 10 000). */
  maxMs?: number
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
}

/** Delay before reconnect attempt number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500
  const max = options.maxMs ?? 10_000
  const random = options.random ?? Math.random
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt))
  // Never retry instantly: at least half the ceiling, the rest random.
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}
