import { describe, expect, it } from 'vitest'
import { createOnnxRunner } from '../src/onnx/runner.js'
import { train } from '../src/train/trainer.js'
import { seededRandom } from '@w3ai/util'
import { idxUbyte } from './helpers/idx.js'

const csv = (rows: number[][]) => new TextEncoder().encode(rows.map((r) => r.join(',')).join('\n'))

describe('train executor on small tasks', () => {
  it('fits a linear regression with meanSquaredError and sgd; the ONNX export predicts from raw features', async () => {
    const rnd = seededRandom(1)
    const rows = Array.from({ length: 200 }, () => {
      const a = rnd() * 10
      const b = rnd() * 10
      return [a, b, 2 * a - b + 1]
    })
    const result = await train({
      spec: { inputShape: [2], layers: [{ type: 'dense', units: 1 }], optimizer: { type: 'sgd', learningRate: 0.05 }, loss: 'meanSquaredError', metrics: ['meanAbsoluteError'], epochs: 30, batchSize: 16, normalize: 'standard', seed: 1 },
      dataset: { format: 'csv', bytes: csv(rows) },
    })
    expect(result.history.at(-1)?.loss).toBeLessThan(0.01)
    expect(result.history.at(-1)?.metrics.meanAbsoluteError).toBeDefined()
    const runner = createOnnxRunner()
    const out = await runner.run(result.onnx, { input: { type: 'float32', dims: [2, 2], data: [3, 4, 0, 0] } })
    await runner.close()
    const [p, q] = out.output?.data as number[]
    expect(p).toBeCloseTo(3, 0)
    expect(q).toBeCloseTo(1, 0)
  })

  it('trains a binary classifier with text labels and reports the class names', async () => {
    const rnd = seededRandom(2)
    const lines = ['x,y,label', ...Array.from({ length: 200 }, () => {
      const x = rnd() * 2 - 1
      const y = rnd() * 2 - 1
      return `${x},${y},${x + y > 0 ? 'up' : 'down'}`
    })]
    const result = await train({
      spec: { inputShape: [2], layers: [{ type: 'dense', units: 1, activation: 'sigmoid' }], optimizer: { type: 'adam', learningRate: 0.1 }, loss: 'binaryCrossentropy', metrics: ['accuracy'], epochs: 20, validationSplit: 0.25 },
      dataset: { format: 'csv', bytes: new TextEncoder().encode(lines.join('\n')), labelColumn: 'label' },
    })
    expect(result.classes).toEqual(['down', 'up'])
    expect(result.history.at(-1)?.valAcc).toBeGreaterThan(0.9)
  })

  it('trains on IDX images (bright top half vs bright bottom half) with a conv net', async () => {
    const n = 120
    const pixels: number[] = []
    const labels: number[] = []
    const rnd = seededRandom(3)
    for (let i = 0; i < n; i++) {
      const label = i % 2
      labels.push(label)
      for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) pixels.push(Math.round(((r < 3) === (label === 0) ? 200 : 30) + rnd() * 50))
    }
    const epochs: number[] = []
    const result = await train({
      spec: {
        inputShape: [6, 6, 1],
        layers: [{ type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' }, { type: 'maxPooling2d' }, { type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }],
        optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 10, normalize: 'max', validationSplit: 0.2,
      },
      dataset: { format: 'idx', images: idxUbyte([n, 6, 6], pixels), labels: idxUbyte([n], labels) },
      onEpoch: async ({ epoch }) => void epochs.push(epoch),
    })
    expect(epochs).toHaveLength(10)
    expect(result.history.at(-1)?.valAcc).toBeGreaterThan(0.9)
    expect(result.preprocess.scale[0]).toBeCloseTo(1 / 250, 3)
  })

  it('stops between epochs when the signal is aborted', async () => {
    const controller = new AbortController()
    const rows = Array.from({ length: 20 }, (_, i) => [i, i % 2])
    await expect(train({
      spec: { inputShape: [1], layers: [{ type: 'dense', units: 2, activation: 'softmax' }], optimizer: { type: 'sgd' }, loss: 'sparseCategoricalCrossentropy', epochs: 50 },
      dataset: { format: 'csv', bytes: csv(rows) },
      signal: controller.signal,
      onEpoch: ({ epoch }) => { if (epoch === 2) controller.abort() },
    })).rejects.toThrow(/cancelled after 2 epochs/)
  })
})
