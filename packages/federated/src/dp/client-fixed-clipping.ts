/**
 * Client-side fixed clipping (Flower's DifferentialPrivacyClientSideFixedClipping): the train
 * config tells clients the norm C (`clippingNorm`); each client clips its own update with
 * `clipUpdate` before sending, so the server adds N(0, (z·C/m)²) to a mean it may only ever see
 * through secure aggregation. Linear: `linear.fromMean` noises the securely summed mean.
 * Updates that arrive in the clear are clipped again, which changes nothing for honest clients.
 */
import { addScaled, clipToNorm, subtract } from '../aggregate.js'
import type { Aggregate, LinearAggregation, Parameters, Scalars, Strategy, TrainReply } from '../types.js'
import { CLIPPING_NORM_KEY } from './clipping.js'
import { checkClippingNorm, type FixedClippingOptions } from './server-fixed-clipping.js'
import { addGaussianNoise } from './noise.js'
import { DpWrapper, updatesOf, type Privatized } from './wrapper.js'

export class DpClientFixedClipping extends DpWrapper {
  readonly clippingNorm: number
  override readonly linear: LinearAggregation

  constructor(inner: Strategy, options: FixedClippingOptions) {
    super('dp-client-fixed', inner, options)
    this.clippingNorm = checkClippingNorm(this.name, options.clippingNorm)
    this.linear = { fromMean: (round, current, mean, _total, clients) => this.fromSecureMean(round, current, mean, clients) }
  }

  protected override extraConfig(): Scalars {
    return { [CLIPPING_NORM_KEY]: this.clippingNorm }
  }

  protected privatize(_round: number, current: Parameters, replies: readonly TrainReply[]): Privatized {
    const clipped = updatesOf(current, replies).map((u) => clipToNorm(u, this.clippingNorm).clipped)
    return { mean: this.noisedMean(current, clipped, this.clippingNorm, this.noiseMultiplier), metrics: { clippingNorm: this.clippingNorm } }
  }

  /** The mean of already-clipped client models (secure aggregation's output), noised and released. */
  private fromSecureMean(round: number, current: Parameters, mean: Parameters, clients: number): Aggregate {
    const stddev = (this.noiseMultiplier * this.clippingNorm) / Math.max(1, clients)
    const noised = addScaled(current, addGaussianNoise(subtract(mean, current), stddev, this.normal))
    return this.release(round, current, noised, clients, { clippingNorm: this.clippingNorm })
  }
}
