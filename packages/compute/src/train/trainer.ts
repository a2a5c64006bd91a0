/**
 * The `train` executor: a declarative spec plus a dataset in, a trained model out (TF.js artifacts
 * and an ONNX export). Everything random is seeded and the validation split is drawn from a seeded
 * shuffle (TF.js's own validationSplit takes the last rows, which for sorted files is one class),
 * so the same request gives the same model on any node: that is what result comparison relies on.
 */
import * as tf from '@tensorflow/tfjs'
import { permutation, seededRandom } from '@w3ai/util'
import { executorError } from '../errors.js'
import { exportToOnnx } from '../export/onnx-export.js'
import { saveArtifacts, type TfjsArtifacts } from './artifacts.js'
import { ensureBackend, type BackendName } from './backend.js'
import { buildModel } from './build-model.js'
import { parseCsv, type CsvOptions } from './csv.js'
import { fitPreprocess, gatherRows, type Dataset } from './dataset.js'
import { parseIdx } from './idx.js'
import { SPEC_DEFAULTS, validateTrainSpec, type TrainSpec } from './spec.js'

/** The dataset as bytes: CSV (label column by name or index) or an IDX images + labels pair; gzip or not. */
export type DatasetInput =
  | ({ format: 'csv'; bytes: Uint8Array } & CsvOptions)
  | { format: 'idx'; images: Uint8Array; labels: Uint8Array }

/** Metrics after one epoch; `metrics` has every value TF.js reported under its own name. */
export interface EpochMetrics {
  epoch: number
  loss: number
  acc?: number
  valLoss?: number
  valAcc?: number
  metrics: Record<string, number>
}

export interface TrainOptions {
  /** The training spec (validated here; see TrainSpecSchema). */
  spec: unknown
  dataset: DatasetInput
  /** Called after every epoch, awaited (so a slow consumer applies back-pressure). */
  onEpoch?: (metrics: EpochMetrics) => void | Promise<void>
  /** Stops between epochs; the model trained so far is not returned. */
  signal?: AbortSignal
  /** 'wasm' (default) or 'cpu'. */
  backend?: BackendName
}

export interface TrainResult {
  backend: BackendName
  /** Set when the WASM backend failed and cpu was used instead. */
  backendWarning?: string
  history: EpochMetrics[]
  tfjs: TfjsArtifacts
  /** ONNX model: input "input" [batch, ...inputShape] of raw features (the scaling is inside), output "output". */
  onnx: Uint8Array
  /** The scaling the TF.js model expects applied to raw features: (x - offset) * scale. */
  preprocess: { offset: number[]; scale: number[] }
  /** Class names when the labels were text; class id i is classes[i]. */
  classes?: string[]
  samples: { train: number; validation: number }
  durationMs: number
}

function loadDataset(input: DatasetInput): Dataset {
  if (input === null || typeof input !== 'object') throw executorError('COMPUTE_BAD_DATASET', 'The dataset must be { format: "csv", bytes } or { format: "idx", images, labels }.')
  if (input.format === 'csv') {
    if (!(input.bytes instanceof Uint8Array)) throw executorError('COMPUTE_BAD_DATASET', 'CSV datasets need the file as bytes.')
    return parseCsv(input.bytes, input)
  }
  if (input.format === 'idx') {
    if (!(input.images instanceof Uint8Array) || !(input.labels instanceof Uint8Array)) throw executorError('COMPUTE_BAD_DATASET', 'IDX datasets need images and labels as bytes.')
    return parseIdx(input.images, input.labels)
  }
  throw executorError('COMPUTE_BAD_DATASET', `Unknown dataset format ${JSON.stringify((input as { format?: unknown }).format)}; use "csv" or "idx".`)
}

/** Checks that data and spec agree: feature count vs inputShape, labels vs the last layer and loss. */
function checkFit(spec: TrainSpec, data: Dataset): number {
  const want = spec.inputShape.reduce((a, b) => a * b, 1)
  if (want !== data.featureCount) {
    throw executorError('COMPUTE_SHAPE_MISMATCH', `inputShape [${spec.inputShape.join(', ')}] holds ${want} features but each sample has ${data.featureCount}.`, { expected: want, actual: data.featureCount })
  }
  const last = spec.layers[spec.layers.length - 1]
  const units = last?.type === 'dense' ? last.units : 1
  const categorical = spec.loss === 'categoricalCrossentropy' || spec.loss === 'sparseCategoricalCrossentropy'
  if (spec.loss === 'meanSquaredError' && data.classes !== undefined) {
    throw executorError('COMPUTE_BAD_DATASET', 'meanSquaredError needs numeric labels; the label column holds text.')
  }
  if (spec.loss === 'meanSquaredError' && units !== 1) {
    throw executorError('COMPUTE_BAD_SPEC', 'Invalid training spec: with one label column, meanSquaredError needs a last dense layer of 1 unit.')
  }
  if (categorical || spec.loss === 'binaryCrossentropy') {
    const classes = spec.loss === 'binaryCrossentropy' ? 2 : units
    for (let i = 0; i < data.count; i++) {
      const label = data.labels[i] as number
      if (!Number.isInteger(label) || label < 0 || label >= classes) {
        throw executorError('COMPUTE_BAD_DATASET', `Sample ${i + 1} has label ${data.classes?.[label] ?? label}; ${spec.loss} with this model takes class ids 0..${classes - 1}.`, { sample: i + 1 })
      }
    }
  }
  return units
}

function labelTensor(spec: TrainSpec, labels: Float32Array, units: number): tf.Tensor {
  if (spec.loss === 'categoricalCrossentropy') return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), units).toFloat())
  return tf.tensor2d(labels, [labels.length, 1])
}

function toEpochMetrics(epoch: number, logs: Record<string, number | number[]>): EpochMetrics {
  const metrics: Record<string, number> = {}
  for (const [key, value] of Object.entries(logs)) {
    // Report metrics under the spec's names (TF.js logs mse/mae).
    const name = key.replace(/(^|_)mse$/, '$1meanSquaredError').replace(/(^|_)mae$/, '$1meanAbsoluteError')
    metrics[name] = Array.isArray(value) ? (value[value.length - 1] as number) : value
  }
  const out: EpochMetrics = { epoch, loss: metrics.loss ?? Number.NaN, metrics }
  if (metrics.acc !== undefined) out.acc = metrics.acc
  if (metrics.val_loss !== undefined) out.valLoss = metrics.val_loss
  if (metrics.val_acc !== undefined) out.valAcc = metrics.val_acc
  return out
}

/** Trains a model from a spec and a dataset; see TrainResult. Throws COMPUTE_* reasons on bad input. */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const started = Date.now()
  const spec = validateTrainSpec(options.spec)
  const data = loadDataset(options.dataset)
  const units = checkFit(spec, data)
  const backend = await ensureBackend(options.backend ?? 'wasm')
  const seed = spec.seed ?? SPEC_DEFAULTS.seed
  const random = seededRandom(seed)

  const order = permutation(data.count, random)
  const validationCount = Math.floor(data.count * (spec.validationSplit ?? SPEC_DEFAULTS.validationSplit))
  const trainRows = order.subarray(0, data.count - validationCount)
  if (trainRows.length === 0) throw executorError('COMPUTE_BAD_DATASET', 'No samples are left for training after the validation split.')
  const preprocess = fitPreprocess(data, trainRows, spec.normalize ?? SPEC_DEFAULTS.normalize)
  const trainPart = gatherRows(data, trainRows, preprocess)
  const shape = (n: number) => [n, ...spec.inputShape]

  const model = buildModel(spec, seed)
  const xTrain = tf.tensor(trainPart.features, shape(trainRows.length))
  const yTrain = labelTensor(spec, trainPart.labels, units)
  let validation: [tf.Tensor, tf.Tensor] | undefined
  if (validationCount > 0) {
    const valPart = gatherRows(data, order.subarray(data.count - validationCount), preprocess)
    validation = [tf.tensor(valPart.features, shape(validationCount)), labelTensor(spec, valPart.labels, units)]
  }

  const history: EpochMetrics[] = []
  try {
    for (let epoch = 0; epoch < spec.epochs; epoch++) {
      if (options.signal?.aborted) throw executorError('COMPUTE_RUN_FAILED', `Training was cancelled after ${epoch} epochs.`, { epoch })
      // Our own seeded shuffle each epoch: TF.js's shuffle uses Math.random.
      const idx = tf.tensor1d(permutation(trainRows.length, random), 'int32')
      const [x, y] = [tf.gather(xTrain, idx), tf.gather(yTrain, idx)]
      idx.dispose()
      try {
        const fit = await model.fit(x, y, {
          epochs: 1, batchSize: spec.batchSize ?? SPEC_DEFAULTS.batchSize, shuffle: false, verbose: 0,
          ...(validation === undefined ? {} : { validationData: validation }),
        })
        const metrics = toEpochMetrics(epoch + 1, fit.history as Record<string, number[]>)
        history.push(metrics)
        await options.onEpoch?.(metrics)
      } finally {
        x.dispose()
        y.dispose()
      }
    }
    const tfjs = await saveArtifacts(model)
    const onnx = exportToOnnx(model, { preprocess })
    const result: TrainResult = {
      backend: backend.name, history, tfjs, onnx,
      preprocess: { offset: Array.from(preprocess.offset), scale: Array.from(preprocess.scale) },
      samples: { train: trainRows.length, validation: validationCount },
      durationMs: Date.now() - started,
    }
    if (backend.warning !== undefined) result.backendWarning = backend.warning
    if (data.classes !== undefined) result.classes = data.classes
    return result
  } finally {
    xTrain.dispose()
    yTrain.dispose()
    validation?.forEach((t) => t.dispose())
    model.dispose()
  }
}
