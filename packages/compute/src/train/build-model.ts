/** Turns a validated TrainSpec into a compiled TF.js Sequential model with seeded initialisers. */
import * as tf from '@tensorflow/tfjs'
import { executorError } from '../errors.js'
import type { LayerSpec, TrainSpec } from './spec.js'

/** TF.js knows the regression metrics only by their short names. */
export const TFJS_METRIC = { accuracy: 'accuracy', meanSquaredError: 'mse', meanAbsoluteError: 'mae' } as const

const DEFAULT_LEARNING_RATE = { sgd: 0.01, adam: 0.001, rmsprop: 0.001 } as const

/** Largest model accepted, in trainable and non-trainable parameters. */
export const MAX_PARAMS = 50_000_000

function makeLayer(layer: LayerSpec, index: number, seed: number, inputShape: number[] | undefined): tf.layers.Layer {
  const common = { name: `${layer.type}_${index}`, ...(inputShape === undefined ? {} : { inputShape }) }
  // Each layer gets its own seed so two identical layers do not start with identical weights.
  const kernelInitializer = tf.initializers.glorotUniform({ seed: seed * 1000 + index })
  switch (layer.type) {
    case 'dense':
      return tf.layers.dense({ ...common, units: layer.units, activation: layer.activation ?? 'linear', useBias: layer.useBias ?? true, kernelInitializer })
    case 'conv2d':
      return tf.layers.conv2d({
        ...common, filters: layer.filters, kernelSize: layer.kernelSize, strides: layer.strides ?? 1,
        padding: layer.padding ?? 'valid', activation: layer.activation ?? 'linear', useBias: layer.useBias ?? true, kernelInitializer,
      })
    case 'maxPooling2d':
      return tf.layers.maxPooling2d({ ...common, poolSize: layer.poolSize ?? 2, padding: layer.padding ?? 'valid', ...(layer.strides === undefined ? {} : { strides: layer.strides }) })
    case 'flatten':
      return tf.layers.flatten(common)
    case 'dropout':
      return tf.layers.dropout({ ...common, rate: layer.rate, seed: seed * 1000 + index })
    case 'batchNormalization':
      return tf.layers.batchNormalization({ ...common, momentum: layer.momentum ?? 0.99, epsilon: layer.epsilon ?? 0.001 })
  }
}

/** Builds and compiles the model; shape errors (e.g. a kernel larger than its input) become COMPUTE_BAD_SPEC. */
export function buildModel(spec: TrainSpec, seed: number): tf.Sequential {
  let model: tf.Sequential
  try {
    model = tf.sequential({ name: 'w3ai_model', layers: spec.layers.map((layer, i) => makeLayer(layer, i, seed, i === 0 ? spec.inputShape : undefined)) })
  } catch (error) {
    throw executorError('COMPUTE_BAD_SPEC', `Invalid training spec: the layers do not fit together: ${(error as Error).message}`)
  }
  // TF.js accepts a kernel or pool larger than its input and yields empty tensors; refuse instead.
  model.layers.forEach((layer, i) => {
    const shape = (layer.outputShape as Array<number | null>).slice(1)
    if (shape.some((d) => d === null || d < 1)) {
      model.dispose()
      throw executorError('COMPUTE_BAD_SPEC', `Invalid training spec: layers[${i}] (${spec.layers[i]?.type}) would output shape [${shape.join(', ')}]; its kernel or pool is larger than its input.`, { path: `/layers/${i}` })
    }
  })
  const outputShape = model.outputs[0]?.shape ?? []
  if (outputShape.length !== 2) {
    model.dispose()
    throw executorError('COMPUTE_BAD_SPEC', `Invalid training spec: the model outputs shape [${outputShape.join(', ')}]; add a flatten layer before the final dense layers.`)
  }
  if (model.countParams() > MAX_PARAMS) {
    const count = model.countParams()
    model.dispose()
    throw executorError('COMPUTE_BAD_SPEC', `Invalid training spec: the model has ${count} parameters; the limit is ${MAX_PARAMS}.`)
  }
  const rate = spec.optimizer.learningRate ?? DEFAULT_LEARNING_RATE[spec.optimizer.type]
  const optimizer = spec.optimizer.type === 'sgd' ? tf.train.sgd(rate) : spec.optimizer.type === 'adam' ? tf.train.adam(rate) : tf.train.rmsprop(rate)
  model.compile({ optimizer, loss: spec.loss, metrics: (spec.metrics ?? []).map((m) => TFJS_METRIC[m]) })
  return model
}
