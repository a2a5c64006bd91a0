/**
 * Learned per-node performance, by index slot, from task outcomes:
 * - success: a Beta(α, β) posterior (prior pseudo-counts plus observed successes and failures).
 *   Evidence decays with a half-life, so a node skipped for failures drifts back to the prior and
 *   gets another chance instead of being banned forever.
 * - speed: an EWMA (with EWMA variance) of log(ms per unit of work), shrunk towards the fleet's
 *   EWMA while the node has few observations; the score compares the two.
 */
import type { LearnedSink } from './index-store.js'
import type { NodePerformance, Outcome, ResolvedRouterOptions } from './types.js'

type ModelOptions = Pick<
  ResolvedRouterOptions,
  'priorSuccesses' | 'priorFailures' | 'confidenceZ' | 'minSuccessLcb' | 'evidenceHalfLifeMs' | 'speedAlpha' | 'fleetSpeedAlpha' | 'speedShrinkage' | 'speedRiskAversion'
>

function grow(arr: Float64Array, size: number): Float64Array<ArrayBuffer> {
  const next = new Float64Array(size)
  next.set(arr)
  return next
}

const E = Object.freeze({
  /** Decayed successes and failures observed (without the prior). */
  SUCCESSES: 0,
  FAILURES: 1,
  LAST_AT: 2,
  LOG_RATE: 3,
  LOG_RATE_VAR: 4,
  /** Successful outcomes with a duration (not decayed; used for shrinkage). */
  SPEED_COUNT: 5,
})
const EVIDENCE_STRIDE = 6

export class PerformanceModel {
  private evidence = new Float64Array(0)
  /** Units of work dispatched to each slot whose outcome has not been recorded (callers that report dispatches). */
  private inflight = new Float64Array(0)
  private slots = 0
  /** Fleet-wide EWMA of log(ms per unit of work); NaN before the first duration. */
  fleetLogRate = Number.NaN
  /** Fleet-wide EWMA of log(units of work) per task: what "a typical task" is. NaN before the first outcome. */
  fleetLogWork = Number.NaN
  private readonly decayPerMs: number
  private readonly priorMean: number
  private readonly priorLcb: number

  /** `sink` receives what placement reads (reliability, speed) after every change. */
  constructor(
    private readonly o: ModelOptions,
    private readonly sink: LearnedSink,
  ) {
    this.decayPerMs = Math.LN2 / o.evidenceHalfLifeMs
    this.priorMean = o.priorSuccesses / (o.priorSuccesses + o.priorFailures)
    this.priorLcb = this.lcbOf(o.priorSuccesses, o.priorFailures)
  }

  ensureCapacity(size: number): void {
    if (size <= this.slots) return
    const n = Math.max(size, this.slots * 2, 16)
    this.evidence = grow(this.evidence, n * EVIDENCE_STRIDE)
    this.inflight = grow(this.inflight, n)
    this.slots = n
  }

  /** Forgets a slot (a new node took it). */
  reset(slot: number): void {
    this.ensureCapacity(slot + 1)
    this.evidence.fill(0, slot * EVIDENCE_STRIDE, (slot + 1) * EVIDENCE_STRIDE)
    this.inflight[slot] = 0
    this.sink.setLearned(slot, this.priorLcb < this.o.minSuccessLcb ? -this.priorMean : this.priorMean, 0, 0)
  }

  /** A task of `work` units was sent to the slot; its outcome releases it. */
  dispatched(slot: number, work: number): void {
    this.ensureCapacity(slot + 1)
    this.inflight[slot] = this.inflight[slot]! + work
  }

  /** Work dispatched to the slot and not yet back (0 when the caller does not report dispatches). */
  inflightWork(slot: number): number {
    return this.inflight[slot] ?? 0
  }

  record(slot: number, outcome: Outcome, now: number): void {
    const left = this.inflight[slot]! - (outcome.work ?? 1)
    this.inflight[slot] = left > 1e-9 ? left : 0
    const ev = this.evidence
    const et = slot * EVIDENCE_STRIDE
    const keep = this.decay(slot, now)
    let s = ev[et + E.SUCCESSES]! * keep
    let f = ev[et + E.FAILURES]! * keep
    if (outcome.ok) s += 1
    else f += 1
    ev[et + E.SUCCESSES] = s
    ev[et + E.FAILURES] = f
    ev[et + E.LAST_AT] = now
    const a = this.o.priorSuccesses + s
    const b = this.o.priorFailures + f
    const mean = a / (a + b)
    const reliability = this.lcbOf(a, b) < this.o.minSuccessLcb ? -mean : mean
    const work = outcome.work ?? 1
    if (work > 0) {
      const lw = Math.log(work)
      this.fleetLogWork = Number.isNaN(this.fleetLogWork) ? lw : this.fleetLogWork + this.o.fleetSpeedAlpha * (lw - this.fleetLogWork)
    }
    if (outcome.ok && outcome.durationMs !== undefined && outcome.durationMs > 0 && work > 0) {
      const x = Math.log(outcome.durationMs / work)
      const n = ev[et + E.SPEED_COUNT]!
      if (n === 0) {
        ev[et + E.LOG_RATE] = x
        ev[et + E.LOG_RATE_VAR] = 0
      } else {
        const alpha = this.o.speedAlpha
        const dx = x - ev[et + E.LOG_RATE]!
        ev[et + E.LOG_RATE] = ev[et + E.LOG_RATE]! + alpha * dx
        ev[et + E.LOG_RATE_VAR] = (1 - alpha) * (ev[et + E.LOG_RATE_VAR]! + alpha * dx * dx)
      }
      ev[et + E.SPEED_COUNT] = n + 1
      this.fleetLogRate = Number.isNaN(this.fleetLogRate) ? x : this.fleetLogRate + this.o.fleetSpeedAlpha * (x - this.fleetLogRate)
    }
    const count = ev[et + E.SPEED_COUNT]!
    const weight = count / (count + this.o.speedShrinkage)
    const pessimistic = count === 0 ? 0 : ev[et + E.LOG_RATE]! + this.o.speedRiskAversion * Math.sqrt(ev[et + E.LOG_RATE_VAR]!)
    this.sink.setLearned(slot, reliability, weight, pessimistic)
  }

  /** Whether placements should skip the slot: its success LCB, decayed to `now`, is below the threshold. */
  isSkipped(slot: number, now: number): boolean {
    // Decay only moves the posterior towards the (passing) prior; placement calls this only for slots flagged as failing.
    const keep = this.decay(slot, now)
    const et = slot * EVIDENCE_STRIDE
    return this.lcbOf(this.o.priorSuccesses + this.evidence[et + E.SUCCESSES]! * keep, this.o.priorFailures + this.evidence[et + E.FAILURES]! * keep) < this.o.minSuccessLcb
  }

  /** Observations (successes + failures) after decay to `now`. */
  observations(slot: number, now: number): number {
    const et = slot * EVIDENCE_STRIDE
    return (this.evidence[et + E.SUCCESSES]! + this.evidence[et + E.FAILURES]!) * this.decay(slot, now)
  }

  describe(slot: number, now: number): NodePerformance {
    const keep = this.decay(slot, now)
    const et = slot * EVIDENCE_STRIDE
    const a = this.o.priorSuccesses + this.evidence[et + E.SUCCESSES]! * keep
    const b = this.o.priorFailures + this.evidence[et + E.FAILURES]! * keep
    return {
      observations: this.observations(slot, now),
      successMean: a / (a + b),
      successLcb: this.lcbOf(a, b),
      msPerWork: this.evidence[et + E.SPEED_COUNT]! > 0 ? Math.exp(this.evidence[et + E.LOG_RATE]!) : undefined,
      skipped: this.isSkipped(slot, now),
    }
  }

  private decay(slot: number, now: number): number {
    const dt = now - this.evidence[slot * EVIDENCE_STRIDE + E.LAST_AT]!
    return dt > 0 ? Math.exp(-dt * this.decayPerMs) : 1
  }

  /** Normal approximation of the Beta posterior's lower bound: mean − z·sd. */
  private lcbOf(a: number, b: number): number {
    const n = a + b
    const mean = a / n
    return Math.max(0, mean - this.o.confidenceZ * Math.sqrt((a * b) / (n * n * (n + 1))))
  }
}
