/**
 * Server-side fixed clipping (Flower's DifferentialPrivacyServerSideFixedClipping): the server
 * clips each client's update to norm C, averages them unweighted and adds N(0, (z·C/m)²). Clients
 * need not cooperate, but the server sees every update in the clear (no secure aggregation).
 */
import { clipToNorm } from '../aggregate.js'
import { badConfig } from '../strategies/options.js'
import type { Parameters, Strategy, TrainReply } from '../types.js'
import { DpWrapper, updatesOf, type DpOptions, type Privatized } from './wrapper.js'

export interface FixedClippingOptions extends DpOptions {
  /** C > 0: the largest update norm a client can contribute. */
  clippingNorm: number
}

/** Reads and checks C for `name`. */
export function checkClippingNorm(name: string, value: unknown, field = 'clippingNorm'): number {
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) throw badConfig(name, `${field} must be a number > 0, got ${JSON.stringify(value)}.`, { field })
  return value
}

export class DpServerFixedClipping extends DpWrapper {
  readonly clippingNorm: number

  constructor(inner: Strategy, options: FixedClippingOptions) {
    super('dp-server-fixed', inner, options)
    this.clippingNorm = checkClippingNorm(this.name, options.clippingNorm)
  }

  protected privatize(_round: number, current: Parameters, replies: readonly TrainReply[]): Privatized {
    const clipped = updatesOf(current, replies).map((u) => clipToNorm(u, this.clippingNorm).clipped)
    return { mean: this.noisedMean(current, clipped, this.clippingNorm, this.noiseMultiplier), metrics: { clippingNorm: this.clippingNorm } }
  }
}
