import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { executorErrorCode } from '../src/errors.js'
import { exportToOnnx } from '../src/export/onnx-export.js'
import { createOnnxRunner } from '../src/onnx/runner.js'
import { ensureBackend } from '../src/train/backend.js'
import { buildModel } from '../src/train/build-model.js'
import { validateTrainSpec } from '../src/train/spec.js'
import { maxAbsDiff } from './helpers/digits.js'

async function compare(spec: unknown, inputShape: number[], n: number): Promise<{ diff: number; dims: number[] }> {
  await ensureBackend('wasm')
  const model = buildModel(validateTrainSpec(spec), 11)
  const size = n * inputShape.reduce((a, b) => a * b, 1)
  const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.7) * 2)
  const expected = tf.tidy(() => (model.predict(tf.tensor(x, [n, ...inputShape])) as tf.Tensor).dataSync() as Float32Array)
  const bytes = exportToOnnx(model)
  model.dispose()
  const runner = createOnnxRunner()
  const out = await runner.run(bytes, { input: { type: 'float32', dims: [n, ...inputShape], data: Array.from(x) } })
  await runner.close()
  return { diff: maxAbsDiff(out.output?.data as number[], expected), dims: out.output?.dims ?? [] }
}

const head = { optimizer: { type: 'sgd' }, loss: 'categoricalCrossentropy', epochs: 1 }

describe('ONNX export of untrained models (layout and padding)', () => {
  it("matches TF.js for 'same' conv and pooling with odd sizes and uneven strides", async () => {
    const spec = {
      ...head,
      inputShape: [7, 5, 2],
      layers: [
        { type: 'conv2d', filters: 3, kernelSize: [2, 3], strides: [2, 1], padding: 'same', activation: 'relu' },
        { type: 'maxPooling2d', poolSize: 3, strides: 2, padding: 'same' },
        { type: 'batchNormalization' },
        { type: 'conv2d', filters: 4, kernelSize: 1, useBias: false, activation: 'sigmoid' },
        { type: 'flatten' },
        { type: 'dense', units: 5, activation: 'softmax' },
      ],
    }
    const { diff, dims } = await compare(spec, [7, 5, 2], 6)
    expect(dims).toEqual([6, 5])
    expect(diff).toBeLessThan(1e-5)
  })

  it('matches TF.js for dense nets with tanh and linear layers and a flatten on 2-D input', async () => {
    const spec = {
      ...head,
      loss: 'meanSquaredError',
      inputShape: [3, 4],
      layers: [{ type: 'flatten' }, { type: 'dense', units: 6, activation: 'tanh' }, { type: 'dropout', rate: 0.5 }, { type: 'dense', units: 1 }],
    }
    const { diff, dims } = await compare(spec, [3, 4], 4)
    expect(dims).toEqual([4, 1])
    expect(diff).toBeLessThan(1e-5)
  })

  it('refuses layers it cannot express', async () => {
    await ensureBackend('wasm')
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, activation: 'elu' })] })
    let code: string | undefined
    try {
      exportToOnnx(model)
    } catch (error) {
      code = executorErrorCode(error)
    }
    model.dispose()
    expect(code).toBe('COMPUTE_EXPORT_UNSUPPORTED')
  })
})
