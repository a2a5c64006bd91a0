/**
 * Client-side adaptive clipping (Flower's DifferentialPrivacyClientSideAdaptiveClipping): the
 * train config carries the current norm C; each client clips its update with `clipUpdate` and
 * reports `normBit` (1 when its update was within C) in its metrics; the server noises the mean
 * and the count of bits, and moves C towards the γ-quantile of update norms (Andrew et al. 2021).
 */
import { W3aiError } from '@w3ai/protocol'
import { clipToNorm } from '../aggregate.js'
import type { Parameters, Scalars, Strategy, TrainReply } from '../types.js'
import { CLIPPING_NORM_KEY, NORM_BIT_KEY, nextClippingNorm } from './clipping.js'
import { readAdaptive, type AdaptiveOptions } from './server-adaptive-clipping.js'
import { DpWrapper, updatesOf, type Privatized } from './wrapper.js'

export class DpClientAdaptiveClipping extends DpWrapper {
  private readonly adaptive: ReturnType<typeof readAdaptive>
  private norm: number

  constructor(inner: Strategy, options: AdaptiveOptions) {
    super('dp-client-adaptive', inner, options)
    this.adaptive = readAdaptive(this.name, options)
    this.norm = this.adaptive.initialClippingNorm
  }

  /** The clipping norm the next round sends to clients. */
  get clippingNorm(): number {
    return this.norm
  }

  protected override extraConfig(): Scalars {
    return { [CLIPPING_NORM_KEY]: this.norm }
  }

  protected override clippingState(): number {
    return this.norm
  }

  protected override restoreClipping(norm: number): void {
    this.norm = norm
  }

  protected privatize(_round: number, current: Parameters, replies: readonly TrainReply[]): Privatized {
    const bits = replies.map((r) => {
      const bit = r.metrics[NORM_BIT_KEY]
      if (bit !== 0 && bit !== 1) throw new W3aiError('FL_BAD_UPDATE', `The update of client ${r.clientId} has no ${NORM_BIT_KEY} metric (0 or 1), which adaptive clipping needs.`, { clientId: r.clientId })
      return bit
    })
    const used = this.norm
    const clipped = updatesOf(current, replies).map((u) => clipToNorm(u, used).clipped)
    const noised = this.noisedMean(current, clipped, used, this.adaptive.updateNoise)
    this.norm = nextClippingNorm(used, bits, this.adaptive, this.normal)
    return { mean: noised, metrics: { clippingNorm: used } }
  }
}
