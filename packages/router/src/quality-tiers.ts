/**
 * Quality tiers of the placement index. A node's quality is the part of its placement score that
 * does not depend on the task: load, learned speed and success, reputation, price and stake, with
 * the router's weights (the task-dependent terms, distance and fit, are left out, so quality is an
 * upper bound of the score less at most their weights). Placement scores only a sample of the
 * nodes that can run a task; sampling the nodes of best quality first is what makes a small
 * sample come close to a full scan.
 *
 * Tiers are fleet-relative: a histogram of the quality of online nodes gives the thresholds of the
 * top 0.05%, 0.1%, 0.2%, ... 10% (TIER_SHARES); the rest form the last tier. The histogram changes in
 * O(1) per update; the thresholds are recomputed (O(BINS)) after a number of updates that grows
 * with the fleet, so their cost per update stays constant.
 *
 * `quality` mirrors the placement score in router.ts term by term (without distance and fit, for
 * a task of typical work): a change to the score should change it too, or the tiers stop
 * predicting the best nodes (bench/router.ts `sampledScoreVsScan` shows it).
 */
import { TIERS } from './bucket.js'
import { DEFAULTS, DEFAULT_WEIGHTS, type ScoreWeights } from './constants.js'
import { F } from './record.js'

/** The options the quality of a node is computed with (the router's resolved options fit). */
export interface QualityOptions {
  readonly weights: Readonly<ScoreWeights>
  readonly saturatedLoadTerm: number
  readonly speedExponent: number
  readonly failureTolerance: number
  readonly priceScale: number
  readonly stakeScale: number
  /** Assumed slowness of a node with no timings yet (default 1: par). */
  readonly unknownSpeedFactor?: number
  /** Tasks a node on probation runs at once (default: all its cores). */
  readonly probationSlots?: number
  readonly speedShrinkage?: number
}

/** Histogram bins over quality in [0, 1]. */
export const BINS = 1024
/** Cumulative shares of the online nodes in tiers 0 .. TIERS − 2; the rest are in the last tier. */
export const TIER_SHARES = Object.freeze([0.0005, 0.001, 0.002, 0.005, 0.01, 0.03, 0.1])
/** Bounds on the updates between two recomputations of the tier thresholds. */
const MIN_RECOMPUTE = 64
const MAX_RECOMPUTE = 4096

export class QualityTiers {
  /** Online nodes per quality bin. */
  private readonly hist = new Int32Array(BINS)
  /** Tier of each bin (0 = best), from the histogram at the last recomputation. */
  readonly tierOfBin = new Uint8Array(BINS)
  private total = 0
  private since = 0
  private fleetKnown = false
  private readonly w: ScoreWeights
  private readonly saturated: number
  private readonly speedExp: number
  private readonly invTolerance: number
  private readonly invPriceScale: number
  private readonly stakeScale: number
  private readonly timeW: number
  private readonly unknownPenalty: number
  private readonly probationSlots: number
  private readonly shrinkage: number

  /** `fleetLogRate`: the fleet's log(ms per unit of work) learned speeds are compared with (NaN while unknown). */
  constructor(
    options: QualityOptions = { ...DEFAULTS, weights: DEFAULT_WEIGHTS },
    private readonly fleetLogRate: () => number = () => Number.NaN,
  ) {
    const w = options.weights
    // The completion-time term, where the scoring has one.
    const timeW = (w as { time?: number }).time ?? 0
    const total = timeW + w.load + w.speed + w.reliability + w.geo + w.fit + w.reputation + w.price + w.stake || 1
    this.timeW = timeW / total
    this.unknownPenalty = Math.log(options.unknownSpeedFactor ?? 1)
    this.probationSlots = options.probationSlots ?? Infinity
    this.shrinkage = options.speedShrinkage ?? DEFAULTS.speedShrinkage
    this.w = { load: w.load / total, speed: w.speed / total, reliability: w.reliability / total, geo: 0, fit: 0, reputation: w.reputation / total, price: w.price / total, stake: w.stake / total }
    this.saturated = options.saturatedLoadTerm
    this.speedExp = options.speedExponent
    this.invTolerance = 1 / options.failureTolerance
    this.invPriceScale = 1 / options.priceScale
    this.stakeScale = options.stakeScale
  }

  /** Quality in [0, 1] of the record at `at` (the placement score's task-independent terms, as placement computes them). */
  quality(d: Float32Array, at: number, stake: number): number {
    const w = this.w
    const util = d[at + F.UTIL]!
    const loadT = util < 1 ? 1 - 0.5 * util : this.saturated / util
    const sw = d[at + F.SPEED_WEIGHT]!
    const cores = d[at + F.CORES]!
    const fleet = this.fleetLogRate()
    const queued = util + 1 / cores - 1
    const learned = fleet !== fleet ? 0 : sw === 0 ? this.unknownPenalty : sw * (d[at + F.PESSIMISTIC_LOG_RATE]! - fleet) + (1 - sw) * this.unknownPenalty
    const logRatio = queued > 0 ? learned + Math.log1p(queued) : learned
    const speedT = logRatio === 0 ? 0.5 : 1 / (1 + Math.exp(this.speedExp * logRatio))
    // A node failing the success check keeps its mean here: placement rechecks it, and it recovers as evidence decays.
    const reliability = Math.abs(d[at + F.RELIABILITY]!)
    const relT = reliability >= 1 ? 1 : 1 - Math.min(1, (1 - reliability) * this.invTolerance)
    const price = d[at + F.PRICE]!
    const priceT = price !== price ? 0.5 : 1 / (1 + price * this.invPriceScale)
    // Time of a task of typical work, no distance, against its time on an idle par node: once no usable
    // core is free, the wait for all the tasks there (typical work each) shared by the usable cores, as
    // placement counts it when dispatches are not reported; plus its own run, at the learned speed, over the success odds.
    let timeT = 0.5
    if (this.timeW > 0 && fleet === fleet) {
      const timings = sw < 1 ? (this.shrinkage * sw) / (1 - sw) : cores
      const usable = cores < this.probationSlots + timings ? cores : this.probationSlots + timings
      const ahead = util * cores - usable + 1
      const runs = ahead > 0 ? 1 + (util * cores) / usable : 1
      timeT = 1 / (1 + (Math.exp(learned) * runs) / (reliability > 0.05 ? reliability : 0.05))
    }
    const q = this.timeW * timeT + w.load * loadT + w.speed * speedT + w.reliability * relT + w.reputation * d[at + F.REPUTATION]! + w.price * priceT + w.stake * (stake / (stake + this.stakeScale))
    return q === q ? q : 0
  }

  binOf(quality: number): number {
    const b = Math.floor(quality * BINS)
    return b < 0 ? 0 : b >= BINS ? BINS - 1 : b
  }

  add(bin: number): void {
    this.hist[bin]!++
    this.total++
  }

  remove(bin: number): void {
    this.hist[bin]!--
    this.total--
  }

  move(from: number, to: number): void {
    this.hist[from]!--
    this.hist[to]!++
  }

  /**
   * Whether the fleet's speed became known (or unknown) since the last call: every node's quality
   * changes then (learned speeds are compared with it, unknown ones assumed), so all should be
   * recomputed at once. Its later drift is gradual (an average over the fleet's outcomes; it
   * wanders by ~0.06 in log in the benchmark) and is followed by the sweep of one node per update.
   */
  fleetSpeedChanged(): boolean {
    const known = this.fleetLogRate() === this.fleetLogRate()
    if (known === this.fleetKnown) return false
    this.fleetKnown = known
    return true
  }

  /** Counts one update; recomputes the thresholds once enough accumulated. True when they were. */
  tick(): boolean {
    const every = Math.min(MAX_RECOMPUTE, Math.max(MIN_RECOMPUTE, this.total >> 2))
    if (++this.since < every) return false
    this.since = 0
    this.recompute()
    return true
  }

  /**
   * Tier thresholds from the histogram: each bin goes to the best tier whose share the nodes of
   * this and better bins do not exceed, so a tier never holds much more than its share (a tier may
   * stay empty when one bin holds more).
   */
  recompute(): void {
    let through = 0
    let t = 0
    for (let b = BINS - 1; b >= 0; b--) {
      through += this.hist[b]!
      while (t < TIERS - 1 && through > TIER_SHARES[t]! * this.total) t++
      this.tierOfBin[b] = t
    }
  }
}
