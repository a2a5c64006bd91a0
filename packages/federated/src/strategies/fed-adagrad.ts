/** FedAdagrad (Reddi et al. 2021): the second moment accumulates v ← v + Δ². */
import { DEFAULT_ETA, DEFAULT_TAU } from './constants.js'
import { FED_OPT_OPTION_KEYS, FedOpt, type FedOptOptions } from './fed-opt.js'

export type FedAdagradOptions = Omit<FedOptOptions, 'beta2'>

export class FedAdagrad extends FedOpt {
  static readonly optionKeys: readonly string[] = FED_OPT_OPTION_KEYS.filter((k) => k !== 'beta2')

  /** β1 defaults to 0 (no server momentum), as in Flower. */
  constructor(options: FedAdagradOptions = {}) {
    super('fedadagrad', options, { eta: DEFAULT_ETA, beta1: 0, beta2: 0, tau: DEFAULT_TAU })
  }

  protected secondMoment(v: number, delta2: number): number {
    return v + delta2
  }
}
