/**
 * The repo's breast-cancer dataset (569 × 30, labels 0/1), standardized with the training split's
 * statistics, a logistic regression trained on it by plain gradient descent, and small ONNX
 * models for encrypted inference. Also read by bench/he-inference.ts.
 */
import { readFileSync } from 'node:fs'
import { permutation, seededRandom } from '@w3ai/util'
import { encodeModel, floatInit, floatValueInfo, node } from '../../src/onnx/proto.js'

export const BREAST_CANCER_PATH = new URL('../../data/breast_cancer.csv', import.meta.url)
export const FEATURES = 30

export interface Split {
  train: { rows: Float64Array[]; labels: number[] }
  test: { rows: Float64Array[]; labels: number[] }
}

/** 80/20 split with a seeded shuffle; features standardized with the training rows' mean and deviation. */
export function breastCancerSplit(seed = 1): Split {
  const lines = readFileSync(BREAST_CANCER_PATH, 'utf8').trim().split('\n').slice(1)
  const all = lines.map((line) => line.split(',').map(Number))
  const order = permutation(all.length, seededRandom(seed))
  const testCount = Math.round(all.length * 0.2)
  const pick = (indices: ArrayLike<number>) => Array.from(indices, (i) => all[i]!)
  const trainRaw = pick(order.subarray(testCount))
  const testRaw = pick(order.subarray(0, testCount))
  const mean = Array.from({ length: FEATURES }, (_, f) => trainRaw.reduce((s, r) => s + r[f]!, 0) / trainRaw.length)
  const std = mean.map((m, f) => Math.sqrt(trainRaw.reduce((s, r) => s + (r[f]! - m) ** 2, 0) / trainRaw.length) || 1)
  const standardize = (raw: number[][]) => raw.map((r) => Float64Array.from({ length: FEATURES }, (_, f) => (r[f]! - mean[f]!) / std[f]!))
  return {
    train: { rows: standardize(trainRaw), labels: trainRaw.map((r) => r[FEATURES]!) },
    test: { rows: standardize(testRaw), labels: testRaw.map((r) => r[FEATURES]!) },
  }
}

export interface Logistic {
  weights: Float64Array
  bias: number
}

/** Full-batch gradient descent on the mean log-loss with a little L2 (deterministic). */
export function trainLogistic(rows: readonly Float64Array[], labels: readonly number[], epochs = 300, rate = 0.5, l2 = 1e-3): Logistic {
  const weights = new Float64Array(FEATURES)
  let bias = 0
  const grad = new Float64Array(FEATURES)
  for (let e = 0; e < epochs; e++) {
    grad.fill(0)
    let gradBias = 0
    rows.forEach((x, r) => {
      let z = bias
      for (let f = 0; f < FEATURES; f++) z += weights[f]! * x[f]!
      const err = 1 / (1 + Math.exp(-z)) - labels[r]!
      for (let f = 0; f < FEATURES; f++) grad[f]! += err * x[f]!
      gradBias += err
    })
    for (let f = 0; f < FEATURES; f++) weights[f]! -= rate * (grad[f]! / rows.length + l2 * weights[f]!)
    bias -= (rate * gradBias) / rows.length
  }
  return { weights, bias }
}

/** sigmoid(Gemm(x, W, B)) with W stored [1, features] and transB, as sklearn-onnx and torch export it. */
export function logisticOnnx(model: Logistic, options: { alpha?: number; sigmoid?: boolean } = {}): Uint8Array {
  const alpha = options.alpha ?? 1
  const weights = Array.from(model.weights, (w) => w / alpha)
  const sigmoid = options.sigmoid ?? true
  return encodeModel({
    name: 'logistic',
    nodes: [node('Gemm', ['x', 'W', 'B'], [sigmoid ? 'z' : 'y'], { transB: 1, alpha: { float: alpha } }), ...(sigmoid ? [node('Sigmoid', ['z'], ['y'])] : [])],
    inputs: [floatValueInfo('x', ['batch', FEATURES])],
    outputs: [floatValueInfo('y', ['batch', 1])],
    initializers: [floatInit('W', [1, FEATURES], weights), floatInit('B', [1], [model.bias])],
  })
}

/** x·W1 + b1, squared (Mul(h, h) or Pow(h, 2)), then ·W2 + b2: a one-hidden-layer square network. */
export function squareNetOnnx(w1: number[][], b1: number[], w2: number[][], b2: number[], square: 'mul' | 'pow' = 'mul'): Uint8Array {
  const inputs = w1.length
  const hidden = b1.length
  const outputs = b2.length
  return encodeModel({
    name: 'square-net',
    nodes: [
      node('MatMul', ['x', 'W1'], ['h0']),
      node('Add', ['h0', 'B1'], ['h1']),
      square === 'mul' ? node('Mul', ['h1', 'h1'], ['h']) : node('Pow', ['h1', 'P'], ['h']),
      node('MatMul', ['h', 'W2'], ['o0']),
      node('Add', ['o0', 'B2'], ['y']),
    ],
    inputs: [floatValueInfo('x', ['batch', inputs])],
    outputs: [floatValueInfo('y', ['batch', outputs])],
    initializers: [
      floatInit('W1', [inputs, hidden], w1.flat()), floatInit('B1', [hidden], b1),
      floatInit('W2', [hidden, outputs], w2.flat()), floatInit('B2', [outputs], b2),
      ...(square === 'pow' ? [floatInit('P', [], [2])] : []),
    ],
  })
}
