/**
 * Encrypted inference end to end: the requester encrypts rows, the node evaluates the model on
 * ciphertexts with public material only, the requester decrypts; the answers are those of
 * onnxruntime on the same model in plaintext.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileHeModel, evaluateHe, evaluatePlain, HE_PRESETS, HeClient, heParamsForDepth, SIGMOID_CUBIC, type HeModel } from '../src/he/index.js'
import { createOnnxRunner, type OnnxRunner } from '../src/onnx/runner.js'
import { breastCancerSplit, FEATURES, logisticOnnx, squareNetOnnx, trainLogistic } from './helpers/breast-cancer.js'
import { randomDense } from './helpers/onnx-models.js'

const split = breastCancerSplit(1)
// Every row (train and test), standardized with the training statistics: 569 samples in one block.
const rows = [...split.train.rows, ...split.test.rows]
const trained = trainLogistic(split.train.rows, split.train.labels)

let runner: OnnxRunner
beforeAll(() => {
  runner = createOnnxRunner({ maxCachedModels: 4 })
})
afterAll(async () => {
  await runner.close()
})

/** onnxruntime's answer per row (float32), one output column. */
async function plaintext(model: Uint8Array, x: readonly Float64Array[]): Promise<number[][]> {
  const out = await runner.run(model, { x: { type: 'float32', dims: [x.length, FEATURES], data: x.flatMap((r) => Array.from(r)) } })
  const y = out['y']!
  const width = y.dims[1]!
  return Array.from({ length: x.length }, (_, r) => (y.data as number[]).slice(r * width, (r + 1) * width))
}

async function encrypted(model: HeModel, x: readonly Float64Array[]): Promise<{ outputs: Float64Array[]; client: HeClient }> {
  const client = await HeClient.create(heParamsForDepth(model.depth))
  const result = await evaluateHe(model, client.evaluationKeys(model), client.encryptRows(x, model.features))
  return { outputs: client.decryptOutputs(result, model), client }
}

describe('encrypted logistic regression on breast cancer', () => {
  it('is accurate in plaintext, so the comparison means something', async () => {
    const probs = await plaintext(logisticOnnx(trained), split.test.rows)
    const correct = probs.filter((p, i) => (p[0]! >= 0.5 ? 1 : 0) === split.test.labels[i]).length
    expect(correct / split.test.rows.length).toBeGreaterThan(0.93)
  })

  it('predicts what onnxruntime predicts on at least 99.9% of the samples, probabilities within 1e-3', async () => {
    const onnx = logisticOnnx(trained)
    const model = compileHeModel(onnx)
    expect(model).toMatchObject({ features: FEATURES, outputs: 1, depth: 1, clientSigmoid: true, needsRelinKeys: false })
    const want = await plaintext(onnx, rows)
    const { outputs, client } = await encrypted(model, rows)
    expect(client.params).toEqual(HE_PRESETS.depth1)
    client.close()
    expect(outputs).toHaveLength(rows.length)
    const agree = outputs.filter((p, i) => p[0]! >= 0.5 === want[i]![0]! >= 0.5).length
    expect(agree / rows.length).toBeGreaterThanOrEqual(0.999)
    const worst = Math.max(...outputs.map((p, i) => Math.abs(p[0]! - want[i]![0]!)))
    expect(worst).toBeLessThan(1e-3)
  })

  it('spans blocks: rows past the first 4096 come back in order', async () => {
    const many = Array.from({ length: 4096 + 300 }, (_, i) => rows[i % rows.length]!)
    const model = compileHeModel(logisticOnnx(trained))
    const { outputs, client } = await encrypted(model, many)
    client.close()
    expect(outputs).toHaveLength(many.length)
    for (const i of [0, 4095, 4096, 4097, many.length - 1]) expect(outputs[i]![0]).toBeCloseTo(evaluatePlain(model, many[i]!)[0]!, 6)
  })

  it("evaluates the sigmoid on the node as a cubic when asked (sigmoid 'poly')", async () => {
    // Smaller weights keep the logits inside [-8, 8], where the cubic follows the sigmoid.
    const damped = { weights: trained.weights.map((w) => w / 4), bias: trained.bias / 4 }
    const model = compileHeModel(logisticOnnx(damped), { sigmoid: 'poly' })
    expect(model).toMatchObject({ depth: 3, clientSigmoid: false, needsRelinKeys: true })
    expect(model.layers.at(-1)).toEqual(SIGMOID_CUBIC)
    const { outputs, client } = await encrypted(model, rows)
    expect(client.params).toEqual(HE_PRESETS.depth3)
    client.close()
    const worst = Math.max(...outputs.map((p, i) => Math.abs(p[0]! - evaluatePlain(model, rows[i]!)[0]!)))
    expect(worst).toBeLessThan(1e-3)
    // Against the true sigmoid: the fit's error on [-8, 8] is at most 0.115.
    const logits = rows.map((r) => damped.bias + r.reduce((s, v, f) => s + v * damped.weights[f]!, 0))
    const inRange = logits.map((z, i) => [z, outputs[i]![0]!] as const).filter(([z]) => Math.abs(z) <= 8)
    expect(inRange.length).toBeGreaterThan(rows.length * 0.9)
    for (const [z, p] of inRange) expect(Math.abs(p - 1 / (1 + Math.exp(-z)))).toBeLessThan(0.115)
  })
})

describe('encrypted square-activation network', () => {
  const l1 = randomDense(FEATURES, 6, 11)
  const l2 = randomDense(6, 2, 12)
  const scaled = (m: number[][], k: number) => m.map((r) => r.map((v) => v * k))

  for (const square of ['mul', 'pow'] as const) {
    it(`matches onnxruntime (one hidden layer of 6, ${square === 'mul' ? 'Mul(h, h)' : 'Pow(h, 2)'}, 2 outputs)`, async () => {
      const onnx = squareNetOnnx(scaled(l1.w, 0.5), l1.b, l2.w, l2.b, square)
      const model = compileHeModel(onnx)
      expect(model).toMatchObject({ features: FEATURES, outputs: 2, depth: 3, clientSigmoid: false, needsRelinKeys: true })
      const want = await plaintext(onnx, rows)
      const { outputs, client } = await encrypted(model, rows)
      client.close()
      const scale = Math.max(1, ...want.flat().map(Math.abs))
      const worst = Math.max(...outputs.flatMap((p, i) => [0, 1].map((k) => Math.abs(p[k]! - want[i]![k]!))))
      expect(worst / scale).toBeLessThan(1e-4)
    })
  }
})
