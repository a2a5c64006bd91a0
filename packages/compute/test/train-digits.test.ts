import { describe, expect, it } from 'vitest'
import { createOnnxRunner } from '../src/onnx/runner.js'
import { loadTfjsModel } from '../src/train/artifacts.js'
import { train, type EpochMetrics } from '../src/train/trainer.js'
import { argmaxRows, digitsSplit, maxAbsDiff, scaled, tfjsProbabilities } from './helpers/digits.js'

const MLP = {
  inputShape: [64],
  layers: [
    { type: 'dense', units: 64, activation: 'relu' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 0.01 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
  epochs: 20,
  batchSize: 32,
  validationSplit: 0.1,
  seed: 7,
  normalize: 'max',
}

describe('train executor on digits', () => {
  it('trains an MLP to ≥ 95% held-out accuracy and exports an ONNX model that predicts the same', async () => {
    const { trainCsv, test } = digitsSplit(42)
    const epochs: EpochMetrics[] = []
    const started = Date.now()
    const result = await train({ spec: MLP, dataset: { format: 'csv', bytes: trainCsv }, onEpoch: (m) => void epochs.push(m) })
    const seconds = (Date.now() - started) / 1000

    expect(result.backend).toBe('wasm')
    expect(result.backendWarning).toBeUndefined()
    expect(epochs.map((m) => m.epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(epochs.every((m) => m.valAcc !== undefined && m.valLoss !== undefined && m.acc !== undefined)).toBe(true)
    expect((epochs.at(-1) as EpochMetrics).loss).toBeLessThan((epochs[0] as EpochMetrics).loss)
    expect(result.samples).toEqual({ train: 1295, validation: 143 })

    const model = await loadTfjsModel(result.tfjs)
    const tfProbs = tfjsProbabilities(model, scaled(result, test.features), [test.count, 64])
    const tfPred = argmaxRows(tfProbs, 10)
    const accuracy = tfPred.filter((p, i) => p === test.labels[i]).length / test.count
    model.dispose()

    // The ONNX graph takes raw features: the scaling is baked in.
    const runner = createOnnxRunner()
    const out = await runner.run(result.onnx, { input: { type: 'float32', dims: [test.count, 64], data: Array.from(test.features) } })
    await runner.close()
    const onnxProbs = out.output?.data as number[]
    expect(out.output?.dims).toEqual([test.count, 10])

    console.info(`digits MLP: ${seconds.toFixed(1)} s, test accuracy ${(accuracy * 100).toFixed(1)}%, last valAcc ${epochs.at(-1)?.valAcc?.toFixed(3)}`)
    expect(accuracy).toBeGreaterThanOrEqual(0.95)
    expect(argmaxRows(onnxProbs, 10)).toEqual(tfPred)
    expect(maxAbsDiff(onnxProbs, tfProbs)).toBeLessThan(1e-4)
  })

  it('gives the same weights for the same seed, and different ones for another seed', async () => {
    const { trainCsv } = digitsSplit(1)
    const spec = { ...MLP, epochs: 2 }
    const a = await train({ spec, dataset: { format: 'csv', bytes: trainCsv } })
    const b = await train({ spec, dataset: { format: 'csv', bytes: trainCsv } })
    const c = await train({ spec: { ...spec, seed: 8 }, dataset: { format: 'csv', bytes: trainCsv } })
    expect(Buffer.from(a.tfjs.weightsBin).equals(Buffer.from(b.tfjs.weightsBin))).toBe(true)
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).toBe(true)
    expect(Buffer.from(a.tfjs.weightsBin).equals(Buffer.from(c.tfjs.weightsBin))).toBe(false)
  })
})
