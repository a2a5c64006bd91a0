/**
 * Phi-accrual failure detector (Hayashibara et al.): instead of a yes/no timeout it gives a
 * suspicion level phi that grows with the time since the last heartbeat, relative to the
 * observed distribution of heartbeat intervals. phi = 1 means a 10% chance the node is still
 * alive and just late, phi = 3 means 0.1%, and so on.
 */
export interface PhiAccrualOptions {
  /** Heartbeat interval expected before any sample exists (ms). */
  expectedIntervalMs: number
  /** Intervals kept for the mean and deviation (default 100). */
  windowSize?: number
  /** Floor on the standard deviation, so very regular heartbeats do not make phi hair-triggered. */
  minStdDevMs?: number
  /** Extra pause tolerated before suspicion grows (GC pauses, busy event loops). */
  acceptablePauseMs?: number
}

export class PhiAccrualDetector {
  private readonly intervals: Float64Array
  private count = 0
  private next = 0
  private sum = 0
  private sumSquares = 0
  private last: number | undefined
  private readonly minStdDev: number
  private readonly pause: number

  constructor(options: PhiAccrualOptions) {
    const windowSize = options.windowSize ?? 100
    this.intervals = new Float64Array(windowSize)
    this.minStdDev = options.minStdDevMs ?? options.expectedIntervalMs / 4
    this.pause = options.acceptablePauseMs ?? options.expectedIntervalMs
    // Seed with the expected interval so phi is meaningful from the first heartbeat on.
    this.add(options.expectedIntervalMs)
  }

  private add(interval: number): void {
    if (this.count === this.intervals.length) {
      const old = this.intervals[this.next] ?? 0
      this.sum -= old
      this.sumSquares -= old * old
    } else {
      this.count++
    }
    this.intervals[this.next] = interval
    this.next = (this.next + 1) % this.intervals.length
    this.sum += interval
    this.sumSquares += interval * interval
  }

  heartbeat(now: number): void {
    if (this.last !== undefined) this.add(Math.max(0, now - this.last))
    this.last = now
  }

  get lastHeartbeat(): number | undefined {
    return this.last
  }

  phi(now: number): number {
    if (this.last === undefined) return 0
    const mean = this.sum / this.count
    const variance = Math.max(0, this.sumSquares / this.count - mean * mean)
    const std = Math.max(Math.sqrt(variance), this.minStdDev)
    return phi(now - this.last, mean + this.pause, std)
  }
}

/** -log10 of the probability that a heartbeat arrives later than `elapsed` (logistic approximation of the normal CDF). */
export function phi(elapsed: number, mean: number, std: number): number {
  const y = (elapsed - mean) / std
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y))
  const p = elapsed > mean ? e / (1 + e) : 1 - 1 / (1 + e)
  return -Math.log10(Math.max(p, Number.MIN_VALUE))
}
