/**
 * FedProx (Li et al. 2020): FedAvg on the server; each client adds the proximal term
 * μ/2·‖w − w_global‖² to its local loss, which keeps heterogeneous clients near the global model.
 * The server's part is telling clients μ (`proximalMu` in the train config).
 */
import type { Scalars } from '../types.js'
import { COMMON_OPTION_KEYS } from './base.js'
import { DEFAULT_PROXIMAL_MU } from './constants.js'
import { FedAvg, type FedAvgOptions } from './fed-avg.js'

/** The train-config key carrying μ to clients. */
export const PROXIMAL_MU_KEY = 'proximalMu'

export interface FedProxOptions extends FedAvgOptions {
  /** μ >= 0; 0 is FedAvg. Default 0.01. */
  proximalMu?: number
}

export class FedProx extends FedAvg {
  static override readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'proximalMu']
  readonly proximalMu: number

  constructor(options: FedProxOptions = {}) {
    super(options, 'fedprox')
    this.proximalMu = this.reader(options).number('proximalMu', DEFAULT_PROXIMAL_MU, { min: 0 })
  }

  protected override trainConfig(round: number): Scalars {
    return { ...super.trainConfig(round), [PROXIMAL_MU_KEY]: this.proximalMu }
  }
}
