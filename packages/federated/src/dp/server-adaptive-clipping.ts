/**
 * Server-side adaptive clipping (Andrew et al. 2021; Flower's
 * DifferentialPrivacyServerSideAdaptiveClipping): like fixed clipping, but after each round the
 * norm C moves geometrically towards the γ-quantile of the update norms, from a noised count of
 * the updates that were within C. The noise budget z is split between the count (σ_b) and the
 * updates (z_Δ), so the accountant charges z.
 */
import { clipToNorm } from '../aggregate.js'
import { badConfig } from '../strategies/options.js'
import type { Parameters, Strategy, TrainReply } from '../types.js'
import { CLIPPED_COUNT_STDDEV_DIVISOR, DEFAULT_CLIP_NORM_LR, DEFAULT_TARGET_QUANTILE, nextClippingNorm, updateNoiseMultiplier, type AdaptiveClippingOptions } from './clipping.js'
import { checkClippingNorm } from './server-fixed-clipping.js'
import { DpWrapper, updatesOf, type DpOptions, type Privatized } from './wrapper.js'

export interface AdaptiveOptions extends DpOptions, AdaptiveClippingOptions {
  /** C at the first round. Default 0.1. */
  initialClippingNorm?: number
  /** Clients expected per round (sets the default σ_b = m/20). Required unless clippedCountStddev is given. */
  numSampledClients?: number
}

export const DEFAULT_INITIAL_CLIPPING_NORM = 0.1

/** The adaptive settings, checked, with z_Δ. */
export function readAdaptive(name: string, options: AdaptiveOptions): Required<AdaptiveClippingOptions> & { initialClippingNorm: number; updateNoise: number } {
  const initialClippingNorm = checkClippingNorm(name, options.initialClippingNorm ?? DEFAULT_INITIAL_CLIPPING_NORM, 'initialClippingNorm')
  const targetClippedQuantile = options.targetClippedQuantile ?? DEFAULT_TARGET_QUANTILE
  if (typeof targetClippedQuantile !== 'number' || !(targetClippedQuantile >= 0 && targetClippedQuantile <= 1)) throw badConfig(name, `targetClippedQuantile must be a number in [0, 1], got ${JSON.stringify(targetClippedQuantile)}.`, { field: 'targetClippedQuantile' })
  const clipNormLr = options.clipNormLr ?? DEFAULT_CLIP_NORM_LR
  if (typeof clipNormLr !== 'number' || !(clipNormLr > 0) || !Number.isFinite(clipNormLr)) throw badConfig(name, `clipNormLr must be a number > 0, got ${JSON.stringify(clipNormLr)}.`, { field: 'clipNormLr' })
  let sigmaB = options.clippedCountStddev
  if (sigmaB === undefined) {
    const m = options.numSampledClients
    if (typeof m !== 'number' || !(Number.isInteger(m) && m >= 1)) throw badConfig(name, 'numSampledClients (an integer >= 1) is needed to size the noise on the clipped count; or give clippedCountStddev.', { field: 'numSampledClients' })
    sigmaB = m / CLIPPED_COUNT_STDDEV_DIVISOR
  }
  if (typeof sigmaB !== 'number' || !(sigmaB >= 0) || !Number.isFinite(sigmaB)) throw badConfig(name, `clippedCountStddev must be a number >= 0, got ${JSON.stringify(sigmaB)}.`, { field: 'clippedCountStddev' })
  const z = options.noiseMultiplier
  const updateNoise = z === 0 ? 0 : updateNoiseMultiplier(z, sigmaB)
  if (updateNoise === undefined) throw badConfig(name, `clippedCountStddev ${sigmaB} is too small for noiseMultiplier ${z}: it must exceed z/2 = ${z / 2} (more clients per round, or less noise).`, { field: 'clippedCountStddev' })
  return { initialClippingNorm, targetClippedQuantile, clipNormLr, clippedCountStddev: sigmaB, updateNoise }
}

export class DpServerAdaptiveClipping extends DpWrapper {
  private readonly adaptive: ReturnType<typeof readAdaptive>
  private norm: number

  constructor(inner: Strategy, options: AdaptiveOptions) {
    super('dp-server-adaptive', inner, options)
    this.adaptive = readAdaptive(this.name, options)
    this.norm = this.adaptive.initialClippingNorm
  }

  /** The clipping norm the next round uses. */
  get clippingNorm(): number {
    return this.norm
  }

  protected override clippingState(): number {
    return this.norm
  }

  protected override restoreClipping(norm: number): void {
    this.norm = norm
  }

  protected privatize(_round: number, current: Parameters, replies: readonly TrainReply[]): Privatized {
    const used = this.norm
    const clips = updatesOf(current, replies).map((u) => clipToNorm(u, used))
    const bits = clips.map((c) => (c.norm <= used ? 1 : 0))
    const noised = this.noisedMean(current, clips.map((c) => c.clipped), used, this.adaptive.updateNoise)
    this.norm = nextClippingNorm(used, bits, this.adaptive, this.normal)
    return { mean: noised, metrics: { clippingNorm: used } }
  }
}
