/**
 * FedAdam (Reddi et al. 2021): v ← β2·v + (1 − β2)·Δ², with Adam's bias correction of the step
 * (η·√(1 − β2^t)/(1 − β1^t)) so the first rounds are not damped by the moments' zero start.
 */
import { DEFAULT_BETA_1, DEFAULT_BETA_2, DEFAULT_ETA, DEFAULT_TAU } from './constants.js'
import { FED_OPT_OPTION_KEYS, FedOpt, type FedOptOptions } from './fed-opt.js'

export type FedAdamOptions = FedOptOptions

export class FedAdam extends FedOpt {
  static readonly optionKeys: readonly string[] = FED_OPT_OPTION_KEYS

  constructor(options: FedAdamOptions = {}) {
    super('fedadam', options, { eta: DEFAULT_ETA, beta1: DEFAULT_BETA_1, beta2: DEFAULT_BETA_2, tau: DEFAULT_TAU })
  }

  protected secondMoment(v: number, delta2: number): number {
    return this.beta2 * v + (1 - this.beta2) * delta2
  }

  protected override stepSize(): number {
    return (this.eta * Math.sqrt(1 - this.beta2 ** this.steps)) / (1 - this.beta1 ** this.steps)
  }
}
