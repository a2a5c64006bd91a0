/**
 * Bulyan (El Mhamdi et al. 2018): Krum picks n − 2f models one by one, then each coordinate
 * averages the n − 4f picked values nearest its median. Needs n >= 4f + 3 replies; a round with
 * fewer keeps the old parameters.
 */
import { bulyan } from '../aggregate.js'
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS } from './base.js'
import { readByzantine, type KrumOptions } from './krum.js'

export type BulyanOptions = KrumOptions

export class Bulyan extends BaseStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'numMaliciousClients']
  readonly numMaliciousClients: number

  constructor(options: BulyanOptions = {}) {
    const f = readByzantine('bulyan', options)
    super('bulyan', { minTrainClients: 4 * f + 3, minAvailableClients: 4 * f + 3, ...options })
    this.numMaliciousClients = f
  }

  protected aggregate(_round: number, _current: Parameters, replies: readonly TrainReply[]): Aggregate {
    if (replies.length < 4 * this.numMaliciousClients + 3) return { parameters: undefined, metrics: {} }
    return { parameters: bulyan(replies.map((r) => r.parameters), this.numMaliciousClients), metrics: {} }
  }
}
