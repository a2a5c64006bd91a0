/**
 * A simulated client's local training: minibatch SGD on its own split from the parameters it was
 * sent, honouring what the train config says (epochs, batchSize, learningRate, FedProx's
 * proximalMu, client-side DP's clippingNorm). It reports its loss of the received model
 * (`initialLoss`, which q-FedAvg weighs by) and, under clipping, its `normBit`.
 */
import { permutation, type Random } from '@w3ai/util'
import { CLIPPING_NORM_KEY, clipUpdate, NORM_BIT_KEY } from '../dp/clipping.js'
import { PROXIMAL_MU_KEY } from '../strategies/fed-prox.js'
import type { Metrics, Parameters, Scalars, TrainReply } from '../types.js'
import type { LabelledData } from './data.js'
import { evaluate, sgdStep, toLayers, toParameters, type ModelSpec } from './model.js'

export interface TrainSettings {
  epochs: number
  batchSize: number
  learningRate: number
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = Object.freeze({ epochs: 1, batchSize: 32, learningRate: 0.1 })

const numberIn = (config: Scalars, key: string): number | undefined => (typeof config[key] === 'number' ? (config[key] as number) : undefined)

/** Trains from `received` on `data` as `config` (else `defaults`) says and returns the reply. */
export function trainLocally(spec: ModelSpec, data: LabelledData, clientId: string, received: Parameters, config: Scalars, defaults: TrainSettings, random: Random): TrainReply {
  const epochs = numberIn(config, 'epochs') ?? defaults.epochs
  const batchSize = numberIn(config, 'batchSize') ?? defaults.batchSize
  const learningRate = numberIn(config, 'learningRate') ?? defaults.learningRate
  const mu = numberIn(config, PROXIMAL_MU_KEY) ?? 0
  const initialLoss = evaluate(spec, received, data).loss
  const layers = toLayers(received)
  const prox = mu > 0 ? { mu, anchor: toLayers(received) } : undefined
  let loss = 0
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = permutation(data.count, random)
    let sum = 0
    let batches = 0
    for (let start = 0; start < data.count; start += batchSize) {
      sum += sgdStep(spec, layers, data, order.subarray(start, Math.min(data.count, start + batchSize)), learningRate, prox)
      batches++
    }
    loss = sum / Math.max(1, batches)
  }
  let parameters = toParameters(layers)
  const metrics: Metrics = { loss, initialLoss }
  const clippingNorm = numberIn(config, CLIPPING_NORM_KEY)
  if (clippingNorm !== undefined) {
    const clipped = clipUpdate(received, parameters, clippingNorm)
    parameters = clipped.parameters
    metrics[NORM_BIT_KEY] = clipped.norm <= clippingNorm ? 1 : 0
  }
  return { clientId, parameters, numExamples: data.count, metrics }
}
