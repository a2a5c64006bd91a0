/**
 * A federated client's local training for benchmarks, done as the node's federated client task
 * does it: a model built from a layer spec by @w3ai/compute's buildModel (TF.js, WASM backend),
 * the global parameters set, one epoch of model.fit over a seeded shuffle of the local rows, the
 * new weights read back as float32 arrays. The data is synthetic: 784 features in [0, 1] (an
 * MNIST-sized row), 10 classes, each row its class's prototype plus Gaussian noise.
 */
import * as tf from '@tensorflow/tfjs'
import { buildModel, ensureBackend, validateTrainSpec, type TrainSpec } from '@w3ai/compute/train'
import { normal, permutation, seededRandom } from '@w3ai/util'

export const FEATURES = 784
export const CLASSES = 10

/** Hidden units of a 784-h-10 ReLU MLP with about `parameters` weights: 784h + h + 10h + 10. */
export function hiddenUnitsFor(parameters: number): number {
  return Math.max(1, Math.round((parameters - CLASSES) / (FEATURES + 1 + CLASSES)))
}

/** The training spec of that MLP: SGD, batches of 32, one local epoch. */
export function mlpSpec(hidden: number, seed: number): TrainSpec {
  return validateTrainSpec({
    inputShape: [FEATURES],
    layers: [
      { type: 'dense', units: hidden, activation: 'relu' },
      { type: 'dense', units: CLASSES, activation: 'softmax' },
    ],
    optimizer: { type: 'sgd', learningRate: 0.05 },
    loss: 'categoricalCrossentropy',
    metrics: ['accuracy'],
    epochs: 1,
    batchSize: 32,
    seed,
  })
}

export interface ClientData {
  x: tf.Tensor2D
  y: tf.Tensor2D
  rows: number
}

/** `rows` synthetic rows for client `client`: shared class prototypes, the client's own noise and labels. */
export function syntheticSplit(rows: number, client: number, seed: number): ClientData {
  const prototypes = seededRandom(seed)
  const centre = Float32Array.from({ length: CLASSES * FEATURES }, () => prototypes())
  const random = seededRandom(seed + 1000 + client)
  const features = new Float32Array(rows * FEATURES)
  const labels = new Int32Array(rows)
  for (let r = 0; r < rows; r++) {
    const label = Math.floor(random() * CLASSES)
    labels[r] = label
    for (let f = 0; f < FEATURES; f++) {
      const v = (centre[label * FEATURES + f] as number) + 0.3 * normal(random)
      features[r * FEATURES + f] = Math.min(1, Math.max(0, v))
    }
  }
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES).toFloat() as tf.Tensor2D)
  return { x: tf.tensor2d(features, [rows, FEATURES]), y, rows }
}

/** One node's model, kept between rounds (building it is not counted as training). */
export class LocalTrainer {
  readonly model: tf.Sequential
  private readonly spec: TrainSpec

  private constructor(spec: TrainSpec, model: tf.Sequential) {
    this.spec = spec
    this.model = model
  }

  /** Selects the WASM backend, as nodes do, and builds the model; says which backend is in use. */
  static async create(spec: TrainSpec): Promise<{ trainer: LocalTrainer; backend: string }> {
    const info = await ensureBackend('wasm')
    return { trainer: new LocalTrainer(spec, buildModel(spec, spec.seed ?? 0)), backend: info.warning ?? info.name }
  }

  /** The model's current weights as flat float32 arrays (model.getWeights() order). */
  parameters(): Float32Array[] {
    return this.model.getWeights().map((w) => Float32Array.from(w.dataSync()))
  }

  /** From `global`, one epoch on `data` shuffled by `shuffleSeed`; the new weights. */
  async train(global: readonly Float32Array[], data: ClientData, shuffleSeed: number): Promise<Float32Array[]> {
    const tensors = this.model.getWeights().map((w, i) => tf.tensor(global[i] as Float32Array, w.shape, 'float32'))
    this.model.setWeights(tensors)
    tensors.forEach((t) => t.dispose())
    const order = tf.tensor1d(permutation(data.rows, seededRandom(shuffleSeed)), 'int32')
    const [xs, ys] = [tf.gather(data.x, order), tf.gather(data.y, order)]
    order.dispose()
    try {
      await this.model.fit(xs, ys, { epochs: 1, batchSize: this.spec.batchSize ?? 32, shuffle: false, verbose: 0 })
    } finally {
      xs.dispose()
      ys.dispose()
    }
    return this.parameters()
  }

  dispose(): void {
    this.model.dispose()
  }
}
