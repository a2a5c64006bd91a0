/**
 * FedAvg (McMahan et al. 2017): the new global model is the example-weighted mean of the clients'
 * models. Linear, so it runs unchanged under secure aggregation.
 */
import type { Aggregate, Parameters } from '../types.js'
import { COMMON_OPTION_KEYS, LinearStrategy, type StrategyOptions } from './base.js'

export type FedAvgOptions = StrategyOptions

export class FedAvg extends LinearStrategy {
  static readonly optionKeys: readonly string[] = COMMON_OPTION_KEYS

  constructor(options: FedAvgOptions = {}, name = 'fedavg') {
    super(name, options)
  }

  protected fromMean(_round: number, _current: Parameters, mean: Parameters): Aggregate {
    return { parameters: mean, metrics: {} }
  }
}
