import { describe, expect, it } from 'vitest'
import { createOnnxRunner } from '../src/onnx/runner.js'
import { loadTfjsModel } from '../src/train/artifacts.js'
import { train } from '../src/train/trainer.js'
import { argmaxRows, digitsSplit, maxAbsDiff, scaled, tfjsProbabilities } from './helpers/digits.js'

// Exercises every exported op: 'same' padding with an odd remainder (stride 2 on 8 pixels), a
// second 'valid' conv, max pooling, batch normalisation on NCHW and on a dense output, dropout.
const CONV = {
  inputShape: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'batchNormalization' },
    { type: 'conv2d', filters: 12, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'tanh' },
    { type: 'maxPooling2d', poolSize: 2, strides: 1, padding: 'valid' },
    { type: 'flatten' },
    { type: 'dense', units: 16, activation: 'sigmoid' },
    { type: 'batchNormalization', epsilon: 0.01 },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'rmsprop', learningRate: 0.005 },
  loss: 'categoricalCrossentropy',
  metrics: ['accuracy'],
  epochs: 4,
  batchSize: 64,
  seed: 3,
  normalize: 'standard',
}

describe('train executor, conv net', () => {
  it('exports a conv net whose ONNX outputs match TF.js in shape, probabilities and predictions', async () => {
    const { trainCsv, test } = digitsSplit(5)
    const result = await train({ spec: CONV, dataset: { format: 'csv', bytes: trainCsv } })
    const n = 40
    const raw = test.features.subarray(0, n * 64)

    const model = await loadTfjsModel(result.tfjs)
    const tfProbs = tfjsProbabilities(model, scaled(result, raw), [n, 8, 8, 1])
    model.dispose()

    const runner = createOnnxRunner()
    const info = await runner.load(result.onnx)
    expect(info.inputs).toEqual([{ name: 'input', type: 'float32', shape: ['batch', 8, 8, 1] }])
    expect(info.outputs).toEqual([{ name: 'output', type: 'float32', shape: ['batch', 10] }])
    const out = await runner.run(result.onnx, { input: { type: 'float32', dims: [n, 8, 8, 1], data: Array.from(raw) } })
    await runner.close()

    expect(out.output?.dims).toEqual([n, 10])
    const onnxProbs = out.output?.data as number[]
    expect(argmaxRows(onnxProbs, 10)).toEqual(argmaxRows(tfProbs, 10))
    expect(maxAbsDiff(onnxProbs, tfProbs)).toBeLessThan(1e-4)
    // Four epochs is enough to be far better than chance; the exporter, not accuracy, is under test.
    const accuracy = argmaxRows(tfProbs, 10).filter((p, i) => p === test.labels[i]).length / n
    expect(accuracy).toBeGreaterThan(0.7)
  })
})
