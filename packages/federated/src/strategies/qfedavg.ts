/**
 * q-FedAvg (Li et al. 2020, "Fair Resource Allocation in Federated Learning"): clients with a
 * higher loss F_k weigh more, by F_k^q. With L = 1/learningRate, each reply gives
 * Δw_k = L·(current − w_k), Δ_k = F_k^q·Δw_k and h_k = q·F_k^(q−1)·‖Δw_k‖² + L·F_k^q, and the
 * server steps current − ΣΔ_k / Σh_k. q = 0 is the unweighted mean of the replies.
 *
 * F_k is the client's loss of the received parameters on its own data: the reply's metric
 * `initialLoss`, else `loss` (the paper evaluates F_k before local training).
 */
import { W3aiError } from '@w3ai/protocol'
import type { Aggregate, Parameters, TrainReply } from '../types.js'
import { BaseStrategy, COMMON_OPTION_KEYS, type StrategyOptions } from './base.js'
import { DEFAULT_Q, DEFAULT_QFFL_LEARNING_RATE } from './constants.js'

/** Reply metrics q-FedAvg reads F_k from, in order of preference. */
export const QFFL_LOSS_METRICS = ['initialLoss', 'loss'] as const

export interface QFedAvgOptions extends StrategyOptions {
  /** Fairness q >= 0. Default 0.2. */
  q?: number
  /** The clients' learning rate (1/L). Default 0.1. */
  learningRate?: number
}

const EPSILON = 1e-10

export class QFedAvg extends BaseStrategy {
  static readonly optionKeys: readonly string[] = [...COMMON_OPTION_KEYS, 'q', 'learningRate']
  readonly q: number
  readonly learningRate: number

  constructor(options: QFedAvgOptions = {}) {
    super('qfedavg', options)
    const r = this.reader(options)
    this.q = r.number('q', DEFAULT_Q, { min: 0 })
    this.learningRate = r.number('learningRate', DEFAULT_QFFL_LEARNING_RATE, { min: 0, aboveMin: true })
  }

  protected aggregate(_round: number, current: Parameters, replies: readonly TrainReply[]): Aggregate {
    const L = 1 / this.learningRate
    const sums = current.map((t) => new Float64Array(t.length))
    let hSum = 0
    for (const reply of replies) {
      const key = QFFL_LOSS_METRICS.find((k) => Number.isFinite(reply.metrics[k]))
      if (key === undefined) throw new W3aiError('FL_BAD_UPDATE', `The update of client ${reply.clientId} reports no loss; q-FedAvg needs metrics.initialLoss or metrics.loss.`, { clientId: reply.clientId })
      const loss = Math.max(0, reply.metrics[key] as number) + EPSILON
      const weight = loss ** this.q
      let norm2 = 0
      current.forEach((x, t) => {
        const w = reply.parameters[t] as Float32Array
        const s = sums[t] as Float64Array
        for (let i = 0; i < x.length; i++) {
          const g = L * ((x[i] as number) - (w[i] as number))
          norm2 += g * g
          s[i] = (s[i] as number) + weight * g
        }
      })
      hSum += this.q * loss ** (this.q - 1) * norm2 + L * weight
    }
    const parameters = current.map((x, t) => {
      const s = sums[t] as Float64Array
      return x.map((v, i) => v - (s[i] as number) / hSum)
    })
    return { parameters, metrics: {} }
  }
}
