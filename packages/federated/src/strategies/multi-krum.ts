/**
 * Multi-Krum (Blanchard et al. 2017): the m models with the lowest Krum scores are averaged by
 * examples, trading some of Krum's robustness for the variance reduction of averaging.
 */
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS } from './base.js'
import { krumAggregate, readByzantine, type KrumOptions } from './krum.js'

export interface MultiKrumOptions extends KrumOptions {
  /** m, the models kept; 0 (the default) keeps n − f. */
  numClientsToKeep?: number
}

export class MultiKrum extends BaseStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'numMaliciousClients', 'numClientsToKeep']
  readonly numMaliciousClients: number
  readonly numClientsToKeep: number

  constructor(options: MultiKrumOptions = {}) {
    const f = readByzantine('multikrum', options)
    super('multikrum', { minTrainClients: 2 * f + 3, minAvailableClients: 2 * f + 3, ...options })
    this.numMaliciousClients = f
    this.numClientsToKeep = this.reader(options).number('numClientsToKeep', 0, { min: 0, integer: true })
  }

  protected aggregate(_round: number, _current: Parameters, replies: readonly TrainReply[]): Aggregate {
    const keep = this.numClientsToKeep === 0 ? replies.length - this.numMaliciousClients : this.numClientsToKeep
    return krumAggregate(replies, this.numMaliciousClients, Math.max(1, keep))
  }
}
