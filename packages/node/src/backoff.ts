/** Exponential backoff with jitter, so a fleet of nodes does not reconnect to a hub in lockstep. */

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  /** Share of the delay randomly added or removed, 0..1. */
  jitter: number
}

export class Backoff {
  private attempt = 0

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the base up to maxMs. */
  next(): number {
    const { initialMs, maxMs, jitter } = this.options
    const base = Math.min(maxMs, initialMs * 2 ** this.attempt)
    if (base < maxMs) this.attempt++
    const spread = base * jitter * (this.random() * 2 - 1)
    return Math.max(0, Math.round(base + spread))
  }

  reset(): void {
    this.attempt = 0
  }
}
