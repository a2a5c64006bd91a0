/**
 * Krum (Blanchard et al. 2017): each model is scored by the squared distances to its n − f − 2
 * nearest neighbours and the lowest-scoring one becomes the global model. Tolerates f Byzantine
 * clients among n > 2f + 2; a round with fewer replies keeps the old parameters.
 */
import { krumSelect, weightedMean } from '../aggregate.js'
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS, type StrategyOptions } from './base.js'
import { DEFAULT_BYZANTINE } from './constants.js'
import { OptionReader } from './options.js'

export interface KrumOptions extends StrategyOptions {
  /** Byzantine clients tolerated, f >= 0. Default 0. Minimum clients default to 2f + 3. */
  numMaliciousClients?: number
}

/** f, read before the base options so the client minimums can default from it. */
export function readByzantine(name: string, options: object): number {
  return new OptionReader(name, options).number('numMaliciousClients', DEFAULT_BYZANTINE, { min: 0, integer: true })
}

/** Krum's selection step, shared by Krum and Multi-Krum: the `keep` best replies averaged by examples. */
export function krumAggregate(replies: readonly TrainReply[], f: number, keep: number): Aggregate {
  if (replies.length <= 2 * f + 2) return { parameters: undefined, metrics: {} }
  const chosen = krumSelect(replies.map((r) => r.parameters), f, Math.min(keep, replies.length)).map((i) => replies[i] as TrainReply)
  const parameters = chosen.length === 1 ? (chosen[0] as TrainReply).parameters.map((t) => new Float32Array(t)) : weightedMean(chosen.map((r) => r.parameters), chosen.map((r) => r.numExamples))
  return { parameters, metrics: { selected: chosen.length } }
}

export class Krum extends BaseStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'numMaliciousClients']
  readonly numMaliciousClients: number

  constructor(options: KrumOptions = {}) {
    const f = readByzantine('krum', options)
    super('krum', { minTrainClients: 2 * f + 3, minAvailableClients: 2 * f + 3, ...options })
    this.numMaliciousClients = f
  }

  protected aggregate(_round: number, _current: Parameters, replies: readonly TrainReply[]): Aggregate {
    return krumAggregate(replies, this.numMaliciousClients, 1)
  }
}
