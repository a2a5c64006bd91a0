/**
 * FedYogi (Reddi et al. 2021): v ← v − (1 − β2)·Δ²·sign(v − Δ²), which grows v as Adam does but
 * shrinks it more slowly, so a burst of large updates does not shrink later steps for long.
 */
import { DEFAULT_BETA_1, DEFAULT_BETA_2, DEFAULT_YOGI_ETA, DEFAULT_YOGI_TAU } from './constants.js'
import { FED_OPT_OPTION_KEYS, FedOpt, type FedOptOptions } from './fed-opt.js'

export type FedYogiOptions = FedOptOptions

export class FedYogi extends FedOpt {
  static readonly optionKeys: readonly string[] = FED_OPT_OPTION_KEYS

  constructor(options: FedYogiOptions = {}) {
    super('fedyogi', options, { eta: DEFAULT_YOGI_ETA, beta1: DEFAULT_BETA_1, beta2: DEFAULT_BETA_2, tau: DEFAULT_YOGI_TAU })
  }

  protected secondMoment(v: number, delta2: number): number {
    return v - (1 - this.beta2) * delta2 * Math.sign(v - delta2)
  }
}
