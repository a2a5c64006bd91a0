/**
 * FedAvgM (Hsu et al. 2019): FedAvg with server momentum. The pseudo-gradient current − mean is
 * folded into a momentum vector v ← μ·v + g, and the server steps current − η·v.
 */
import { cloneParameters } from '../aggregate.js'
import type { Aggregate, Parameters } from '../types.js'
import { COMMON_OPTION_KEYS, LinearStrategy, type StrategyOptions } from './base.js'
import { tensorsFromJson, tensorsToJson, type StrategyCheckpoint } from './checkpoint.js'
import { DEFAULT_SERVER_LEARNING_RATE, DEFAULT_SERVER_MOMENTUM } from './constants.js'

export interface FedAvgMOptions extends StrategyOptions {
  /** Server step η. Default 1 (with momentum 0 this is FedAvg). */
  serverLearningRate?: number
  /** Server momentum μ in [0, 1). Default 0. */
  serverMomentum?: number
}

export class FedAvgM extends LinearStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'serverLearningRate', 'serverMomentum']
  private readonly lr: number
  private readonly momentum: number
  private velocity: Float64Array[] | undefined

  constructor(options: FedAvgMOptions = {}) {
    super('fedavgm', options)
    const r = this.reader(options)
    this.lr = r.number('serverLearningRate', DEFAULT_SERVER_LEARNING_RATE, { min: 0, aboveMin: true })
    this.momentum = r.number('serverMomentum', DEFAULT_SERVER_MOMENTUM, { min: 0, max: 1, belowMax: true })
  }

  override checkpoint(): StrategyCheckpoint {
    return { velocity: tensorsToJson(this.velocity) }
  }

  override restore(checkpoint: StrategyCheckpoint): void {
    this.velocity = tensorsFromJson(this.name, checkpoint.velocity)
  }

  protected fromMean(_round: number, current: Parameters, mean: Parameters): Aggregate {
    const first = this.velocity === undefined
    const velocity = this.velocity ?? current.map((t) => new Float64Array(t.length))
    const next = cloneParameters(current)
    current.forEach((x, t) => {
      const m = mean[t] as Float32Array
      const v = velocity[t] as Float64Array
      const out = next[t] as Float32Array
      for (let i = 0; i < x.length; i++) {
        const g = (x[i] as number) - (m[i] as number)
        v[i] = first ? g : this.momentum * (v[i] as number) + g
        out[i] = (x[i] as number) - this.lr * (v[i] as number)
      }
    })
    if (this.momentum > 0) this.velocity = velocity
    return { parameters: next, metrics: {} }
  }
}
