/**
 * Exponential backoff with jitter, so many clients that lost the same server do not come back in
 * lockstep. Attempt `n` (0 first) has the base `min(maxMs, initialMs · 2^n)`; the jitter mode
 * says how the delay is drawn around it:
 *
 * - `'full'`: uniform in [0, base): spreads a crowd the most (SDK and CLI retries);
 * - `'equal'`: uniform in [base/2, base): never retries at once (the dashboard's reconnects);
 * - a share `s` in 0..1: uniform in base·(1 ± s): keeps the schedule's shape (node reconnects and
 *   report retries); 0 gives exactly the base.
 *
 * Delays are whole milliseconds, rounded down.
 *
 * ```ts
 * const backoff = new Backoff({ initialMs: 250, maxMs: 5000, jitter: 'full' })
 * await sleep(backoff.next()) // after each failure; backoff.reset() after a success
 * ```
 */
import type { Random } from './random.js'

export type Jitter = 'full' | 'equal' | number

export interface BackoffOptions {
  /** The first delay's base, in ms (> 0). */
  initialMs: number
  /** The largest base, in ms (>= initialMs). */
  maxMs: number
  jitter: Jitter
  /** Uniform numbers in [0, 1); injectable for tests (default Math.random). */
  random?: Random
}

/** What is wrong with `options`, or undefined when they are usable. */
export function backoffProblem(options: BackoffOptions): string | undefined {
  const { initialMs, maxMs, jitter } = options
  if (!(initialMs > 0) || !(maxMs >= initialMs)) return 'needs 0 < initialMs <= maxMs'
  if (typeof jitter === 'number' ? !(jitter >= 0 && jitter <= 1) : jitter !== 'full' && jitter !== 'equal') {
    return "needs jitter 'full', 'equal' or a share from 0 to 1"
  }
  return undefined
}

/** The delay before attempt number `attempt` (0 for the first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt))
  const r = (options.random ?? Math.random)()
  const { jitter } = options
  const delay = jitter === 'full' ? base * r : jitter === 'equal' ? base / 2 + (base / 2) * r : base * (1 + jitter * (2 * r - 1))
  return Math.max(0, Math.floor(delay))
}

/** A backoff that counts its attempts: next() after each failure, reset() after a success. */
export class Backoff {
  #attempt = 0

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; the base doubles per call up to maxMs. */
  next(): number {
    const delay = backoffDelay(this.#attempt, this.options)
    // Past the ceiling the count stops mattering; keep it from growing without bound.
    if (this.options.initialMs * 2 ** this.#attempt < this.options.maxMs) this.#attempt++
    return delay
  }

  reset(): void {
    this.#attempt = 0
  }
}
