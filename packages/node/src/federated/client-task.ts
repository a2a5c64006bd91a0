/**
 * The federated client's TF.js work, run in the node's federated host (a sandboxed child process,
 * see host.ts): build the model from the training's spec, and
 * - init: answer the seeded initial weights,
 * - train: start from the global parameters and fit `localEpochs` epochs on the local dataset,
 *   shuffled by a seed of (training seed, round, client), answering the new weights,
 * - evaluate: answer loss and accuracy of the global parameters on the local dataset.
 * Features are multiplied by the training's input scale; text labels become ids in the class
 * order of the whole training, so every client means the same class by the same id.
 */
import { createHash } from 'node:crypto'
import * as tf from '@tensorflow/tfjs'
import { executorError, parseCsv, parseIdx, type CsvOptions, type Dataset, type TrainSpec } from '@w3ai/compute/train'
import { permutation, seededRandom } from '@w3ai/util'
import { federatedModel, getParameters, setParameters, type Tensors } from './model.js'

export type FlDatasetBytes = ({ format: 'csv'; bytes: Uint8Array } & { csv?: CsvOptions }) | { format: 'idx'; images: Uint8Array; labels: Uint8Array }

export interface FlClientPayload {
  kind: 'init' | 'train' | 'evaluate'
  spec: unknown
  inputScale: number
  localEpochs: number
  seed: number
  round: number
  clientId: string
  classes?: string[]
  /** FedProx: weight of the proximal term (0 or absent: plain local training). */
  proximalMu?: number
  dataset?: FlDatasetBytes
  parameters?: Tensors
}

export interface FlClientResult {
  parameters?: Tensors
  numExamples: number
  loss?: number
  metrics: Record<string, number>
}

const categorical = (spec: TrainSpec): boolean => spec.loss === 'categoricalCrossentropy' || spec.loss === 'sparseCategoricalCrossentropy'
const unitsOf = (spec: TrainSpec): number => {
  const last = spec.layers[spec.layers.length - 1]
  return last?.type === 'dense' ? last.units : 1
}

function parse(dataset: FlDatasetBytes): Dataset {
  return dataset.format === 'idx' ? parseIdx(dataset.images, dataset.labels) : parseCsv(dataset.bytes, dataset.csv ?? {})
}

/** Local labels as ids of the training's class order (text labels), checked against the model. */
function labelsOf(data: Dataset, spec: TrainSpec, classes: string[] | undefined): Float32Array {
  const labels = Float32Array.from(data.labels)
  if (data.classes !== undefined) {
    if (classes === undefined) throw executorError('COMPUTE_BAD_DATASET', 'This dataset has text labels but the training has numeric ones.')
    const global = new Map(classes.map((c, i) => [c, i]))
    const local = data.classes.map((c) => global.get(c))
    for (let i = 0; i < labels.length; i++) {
      const id = local[labels[i] as number]
      if (id === undefined) throw executorError('COMPUTE_BAD_DATASET', `Label ${data.classes[labels[i] as number]} is not one of the training's classes.`)
      labels[i] = id
    }
  }
  if (categorical(spec) || spec.loss === 'binaryCrossentropy') {
    const limit = spec.loss === 'binaryCrossentropy' ? 2 : unitsOf(spec)
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i] as number
      if (!Number.isInteger(l) || l < 0 || l >= limit) throw executorError('COMPUTE_BAD_DATASET', `Sample ${i + 1} has label ${l}; this model takes class ids 0..${limit - 1}.`)
    }
  }
  return labels
}

/** Targets are one-hot for categoricalCrossentropy, and for every class loss under FedProx (a custom loss gets targets shaped like the output). */
function tensorsOf(spec: TrainSpec, data: Dataset, labels: Float32Array, inputScale: number, oneHot: boolean): { x: tf.Tensor; y: tf.Tensor } {
  const want = spec.inputShape.reduce((a, b) => a * b, 1)
  if (want !== data.featureCount) throw executorError('COMPUTE_SHAPE_MISMATCH', `inputShape [${spec.inputShape.join(', ')}] holds ${want} features but each sample has ${data.featureCount}.`)
  const features = inputScale === 1 ? data.features : data.features.map((v) => v * inputScale)
  const x = tf.tensor(features, [data.count, ...spec.inputShape])
  const y = oneHot ? tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), unitsOf(spec)).toFloat()) : tf.tensor2d(labels, [labels.length, 1])
  return { x, y }
}

/** A 32-bit seed from the training seed, the round, the client and the epoch: reproducible, different per client. */
function shuffleSeed(seed: number, round: number, clientId: string, epoch: number): number {
  return createHash('sha256').update(`${seed}:${round}:${clientId}:${epoch}`).digest().readUInt32LE(0)
}

/** The per-sample loss function of a spec's loss (TF.js's metrics of the same names). */
function baseLoss(spec: TrainSpec): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  switch (spec.loss) {
    case 'categoricalCrossentropy':
      return (t, p) => tf.metrics.categoricalCrossentropy(t, p)
    case 'sparseCategoricalCrossentropy':
      // Under FedProx the targets are one-hot (see tensorsOf).
      return (t, p) => tf.metrics.categoricalCrossentropy(t, p)
    case 'binaryCrossentropy':
      return (t, p) => tf.metrics.binaryCrossentropy(t, p)
    case 'meanSquaredError':
      return (t, p) => tf.metrics.meanSquaredError(t, p)
  }
}

/** FedProx: the spec's loss plus μ/2·‖w − w_global‖² over the trainable weights. */
function compileProximal(model: tf.Sequential, spec: TrainSpec, mu: number, optimizer: tf.Optimizer): tf.Tensor[] {
  const anchors = model.trainableWeights.map((w) => tf.keep(w.read().clone()))
  const base = baseLoss(spec)
  model.compile({
    optimizer,
    metrics: (spec.metrics ?? []).includes('accuracy') ? ['accuracy'] : [],
    loss: (yTrue: tf.Tensor, yPred: tf.Tensor) =>
      tf.tidy(() => {
        const prox = model.trainableWeights.reduce((sum, w, i) => sum.add(tf.sum(tf.square(tf.sub(w.read(), anchors[i] as tf.Tensor)))), tf.scalar(0))
        return tf.add(tf.mean(base(yTrue, yPred)), prox.mul(mu / 2))
      }),
  })
  return anchors
}

async function fitLocal(model: tf.Sequential, spec: TrainSpec, payload: FlClientPayload, x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number; metrics: Record<string, number> }> {
  const anchors = (payload.proximalMu ?? 0) > 0 ? compileProximal(model, spec, payload.proximalMu as number, model.optimizer) : []
  let last: Record<string, number> = {}
  try {
    for (let epoch = 0; epoch < payload.localEpochs; epoch++) {
      const order = tf.tensor1d(permutation(x.shape[0] as number, seededRandom(shuffleSeed(payload.seed, payload.round, payload.clientId, epoch))), 'int32')
      const [xs, ys] = [tf.gather(x, order), tf.gather(y, order)]
      order.dispose()
      try {
        const fit = await model.fit(xs, ys, { epochs: 1, batchSize: spec.batchSize ?? 32, shuffle: false, verbose: 0 })
        last = Object.fromEntries(Object.entries(fit.history).map(([k, v]) => [k, Number((v as number[]).at(-1))]))
      } finally {
        xs.dispose()
        ys.dispose()
      }
    }
  } finally {
    anchors.forEach((t) => t.dispose())
  }
  const metrics: Record<string, number> = { loss: last.loss ?? Number.NaN }
  if (last.acc !== undefined) metrics.accuracy = last.acc
  return { loss: metrics.loss as number, metrics }
}

function evaluateLocal(model: tf.Sequential, spec: TrainSpec, x: tf.Tensor, y: tf.Tensor): { loss: number; metrics: Record<string, number> } {
  const out = model.evaluate(x, y, { batchSize: spec.batchSize ?? 32 })
  const values = (Array.isArray(out) ? out : [out]).map((t) => t.dataSync()[0] as number)
  ;(Array.isArray(out) ? out : [out]).forEach((t) => t.dispose())
  const names = model.metricsNames
  const metrics: Record<string, number> = {}
  names.forEach((name, i) => {
    const value = values[i]
    if (value !== undefined && Number.isFinite(value)) metrics[name === 'acc' ? 'accuracy' : name] = value
  })
  return { loss: values[0] ?? Number.NaN, metrics }
}

/** Does one piece of federated work; throws W3aiErrors with COMPUTE_* codes for bad specs and data. */
export async function runClientTask(payload: FlClientPayload): Promise<FlClientResult> {
  const { spec, model } = await federatedModel(payload.spec, payload.seed)
  try {
    if (payload.kind === 'init') return { parameters: getParameters(model), numExamples: 0, metrics: {} }
    if (payload.parameters === undefined || payload.dataset === undefined) throw executorError('COMPUTE_BAD_INPUT', 'Federated work needs the global parameters and the local dataset.')
    setParameters(model, payload.parameters)
    const data = parse(payload.dataset)
    const proximal = payload.kind === 'train' && (payload.proximalMu ?? 0) > 0
    const oneHot = spec.loss === 'categoricalCrossentropy' || (proximal && spec.loss === 'sparseCategoricalCrossentropy')
    const { x, y } = tensorsOf(spec, data, labelsOf(data, spec, payload.classes), payload.inputScale, oneHot)
    try {
      if (payload.kind === 'evaluate') return { numExamples: data.count, ...evaluateLocal(model, spec, x, y) }
      const { loss, metrics } = await fitLocal(model, spec, payload, x, y)
      return { parameters: getParameters(model), numExamples: data.count, loss, metrics }
    } finally {
      x.dispose()
      y.dispose()
    }
  } finally {
    model.dispose()
  }
}
