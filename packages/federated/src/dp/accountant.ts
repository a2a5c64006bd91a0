/**
 * A privacy accountant over RDP: each round of noisy aggregation is one sampled Gaussian step
 * (clients sampled with rate q, noise multiplier z); RDP composes by addition per order, and ε at
 * a given δ is read off after each round. With a `targetEpsilon` it also answers whether the next
 * round would go over budget, so training can stop before it does.
 */
import { epsilonFromRdp, RDP_ORDERS, rdpSampledGaussian, type RdpConversion } from './rdp.js'

export interface AccountantOptions {
  /** δ of the reported (ε, δ). Default 1e-5 (keep it below 1 / number of clients). */
  delta?: number
  /** Stop before ε would exceed this. Default: no budget. */
  targetEpsilon?: number
  /** RDP orders to track. Default RDP_ORDERS. */
  orders?: readonly number[]
  /** RDP to (ε, δ) conversion. Default 'tight'. */
  conversion?: RdpConversion
}

/** Default δ of the accountant. */
export const DEFAULT_DELTA = 1e-5

export class RdpAccountant {
  readonly delta: number
  readonly targetEpsilon: number | undefined
  readonly orders: readonly number[]
  readonly conversion: RdpConversion
  private readonly rdp: Float64Array
  private stepCount = 0
  /** Per-step RDP by (q, z): rounds usually repeat the same pair, and each costs ~10 ms to compute. */
  private readonly cache = new Map<string, Float64Array>()

  constructor(options: AccountantOptions = {}) {
    this.delta = options.delta ?? DEFAULT_DELTA
    this.targetEpsilon = options.targetEpsilon
    this.orders = options.orders ?? RDP_ORDERS
    this.conversion = options.conversion ?? 'tight'
    if (!(this.delta > 0 && this.delta < 1)) throw new RangeError(`RdpAccountant: delta ${this.delta} must be in (0, 1)`)
    if (this.targetEpsilon !== undefined && !(this.targetEpsilon > 0)) throw new RangeError(`RdpAccountant: targetEpsilon ${this.targetEpsilon} must be > 0`)
    this.rdp = new Float64Array(this.orders.length)
  }

  private perStep(q: number, noiseMultiplier: number): Float64Array {
    const key = `${q}:${noiseMultiplier}`
    let rdp = this.cache.get(key)
    if (rdp === undefined) {
      rdp = Float64Array.from(this.orders, (alpha) => rdpSampledGaussian(q, noiseMultiplier, alpha))
      this.cache.set(key, rdp)
    }
    return rdp
  }

  /** Records `steps` rounds of the Gaussian mechanism with noise multiplier z on a q-sample. */
  step(q: number, noiseMultiplier: number, steps = 1): void {
    const add = this.perStep(q, noiseMultiplier)
    for (let i = 0; i < this.rdp.length; i++) this.rdp[i] = (this.rdp[i] as number) + steps * (add[i] as number)
    this.stepCount += steps
  }

  /** Rounds recorded so far. */
  get steps(): number {
    return this.stepCount
  }

  /** ε spent so far at this accountant's δ (0 before any step). */
  spent(): number {
    return this.stepCount === 0 ? 0 : epsilonFromRdp(this.orders, this.rdp, this.delta, this.conversion).epsilon
  }

  /** ε at `delta` so far, and the order that gives it. */
  epsilon(delta = this.delta): { epsilon: number; order: number } {
    return epsilonFromRdp(this.orders, this.rdp, delta, this.conversion)
  }

  /** ε after `steps` more rounds like (q, z), without recording them. */
  projected(q: number, noiseMultiplier: number, steps = 1): number {
    const add = this.perStep(q, noiseMultiplier)
    const rdp = this.rdp.map((r, i) => r + steps * (add[i] as number))
    return epsilonFromRdp(this.orders, rdp, this.delta, this.conversion).epsilon
  }

  /** The composed RDP per order and the step count, as JSON (for checkpoints). */
  snapshot(): { orders: number[]; rdp: number[]; steps: number } {
    return { orders: [...this.orders], rdp: Array.from(this.rdp), steps: this.stepCount }
  }

  /** Takes back a snapshot of an accountant with the same orders; RangeError when it does not fit. */
  restoreSnapshot(snapshot: { orders: readonly number[]; rdp: readonly number[]; steps: number }): void {
    const fits = snapshot.orders.length === this.orders.length && snapshot.orders.every((o, i) => o === this.orders[i]) && snapshot.rdp.length === this.orders.length
    if (!fits || !Number.isInteger(snapshot.steps) || snapshot.steps < 0 || !snapshot.rdp.every((r) => r >= 0)) throw new RangeError('RdpAccountant: the snapshot was taken with other orders or is corrupt')
    this.rdp.set(snapshot.rdp)
    this.stepCount = snapshot.steps
  }

  /** True when a budget is set and one more round like (q, z) would take ε past it. */
  wouldExceed(q: number, noiseMultiplier: number): boolean {
    return this.targetEpsilon !== undefined && this.projected(q, noiseMultiplier) > this.targetEpsilon
  }
}
