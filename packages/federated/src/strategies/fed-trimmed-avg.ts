/**
 * FedTrimmedAvg (Yin et al. 2018): per coordinate, the ⌊β·n⌋ largest and smallest values are
 * dropped and the rest averaged (unweighted, so inflated example counts buy an attacker nothing).
 */
import { trimCount, trimmedMean } from '../aggregate.js'
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS, type StrategyOptions } from './base.js'
import { DEFAULT_TRIM_BETA } from './constants.js'

export interface FedTrimmedAvgOptions extends StrategyOptions {
  /** Share cut from each end, in [0, 0.5). Default 0.2. */
  beta?: number
}

export class FedTrimmedAvg extends BaseStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'beta']
  readonly beta: number

  constructor(options: FedTrimmedAvgOptions = {}) {
    super('fedtrimmedavg', options)
    this.beta = this.reader(options).number('beta', DEFAULT_TRIM_BETA, { min: 0, max: 0.5, belowMax: true })
  }

  protected aggregate(_round: number, _current: Parameters, replies: readonly TrainReply[]): Aggregate {
    const trimmed = trimCount(replies.length, this.beta)
    return { parameters: trimmedMean(replies.map((r) => r.parameters), this.beta), metrics: { trimmed } }
  }
}
