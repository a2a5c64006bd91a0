/**
 * FedMedian (Yin et al. 2018): the coordinate-wise median of the clients' models. Robust to a
 * minority of arbitrary updates; example counts are ignored (an attacker could inflate them).
 */
import { coordinateMedian } from '../aggregate.js'
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS, type StrategyOptions } from './base.js'

export type FedMedianOptions = StrategyOptions

export class FedMedian extends BaseStrategy {
  static readonly optionKeys: readonly string[] = COMMON_OPTION_KEYS

  constructor(options: FedMedianOptions = {}) {
    super('fedmedian', options)
  }

  protected aggregate(_round: number, _current: Parameters, replies: readonly TrainReply[]): Aggregate {
    return { parameters: coordinateMedian(replies.map((r) => r.parameters)), metrics: {} }
  }
}
