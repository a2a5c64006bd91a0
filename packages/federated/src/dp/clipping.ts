/**
 * Clipping of model updates for differential privacy, and the adaptive clipping norm of Andrew et
 * al. 2021 ("Differentially Private Learning with Adaptive Clipping"). The client-side functions
 * here are what a client runs when the train config carries a clipping norm.
 */
import { addScaled, clipToNorm, l2Norm, subtract } from '../aggregate.js'
import type { Parameters } from '../types.js'
import type { NormalSource } from './noise.js'

/** The train-config key that tells clients the clipping norm. */
export const CLIPPING_NORM_KEY = 'clippingNorm'
/** The reply metric in which clients report whether their update was within the norm (1) or not (0). */
export const NORM_BIT_KEY = 'normBit'

/**
 * Clips the update `trained − received` to L2 norm `clippingNorm` and returns the parameters the
 * client sends (received + clipped update) with the update's norm before clipping.
 */
export function clipUpdate(received: Parameters, trained: Parameters, clippingNorm: number): { parameters: Parameters; norm: number } {
  const { clipped, norm } = clipToNorm(subtract(trained, received), clippingNorm)
  return { parameters: addScaled(received, clipped), norm }
}

/** 1 when the update `trained − received` is within `clippingNorm`, else 0 (the adaptive rule's signal). */
export function normBit(received: Parameters, trained: Parameters, clippingNorm: number): 0 | 1 {
  return l2Norm(subtract(trained, received)) <= clippingNorm ? 1 : 0
}

export interface AdaptiveClippingOptions {
  /** The quantile γ of update norms the clipping norm tracks. Default 0.5 (the median). */
  targetClippedQuantile?: number
  /** Step η_C of the geometric update. Default 0.2. */
  clipNormLr?: number
  /** σ_b of the noise on the count of unclipped updates. Default: clients / 20. */
  clippedCountStddev?: number
}

export const DEFAULT_TARGET_QUANTILE = 0.5
export const DEFAULT_CLIP_NORM_LR = 0.2
/** σ_b defaults to the expected number of clients over this (Andrew et al. use m/20). */
export const CLIPPED_COUNT_STDDEV_DIVISOR = 20

/**
 * The next clipping norm: C · exp(−η_C · (b̃ − γ)), where b̃ is the noised share of updates that
 * were within C. Too many unclipped updates shrink C, too few grow it.
 */
export function nextClippingNorm(norm: number, bits: readonly number[], options: Required<AdaptiveClippingOptions>, normal: NormalSource): number {
  if (bits.length === 0) return norm
  const within = bits.reduce((a, b) => a + b, 0)
  const share = (within + options.clippedCountStddev * normal()) / bits.length
  return norm * Math.exp(-options.clipNormLr * (share - options.targetClippedQuantile))
}

/**
 * The noise multiplier left for the updates when the count of unclipped updates also gets noise
 * σ_b, so that the pair of queries together has noise multiplier z (Andrew et al., Thm. 1):
 * z_Δ = (z^−2 − (2σ_b)^−2)^−1/2. Undefined when σ_b is too small for z.
 */
export function updateNoiseMultiplier(z: number, clippedCountStddev: number): number | undefined {
  const rest = z ** -2 - (2 * clippedCountStddev) ** -2
  return rest > 0 ? rest ** -0.5 : undefined
}
