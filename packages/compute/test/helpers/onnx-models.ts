/** Small ONNX models built in the tests, with the same maths in plain JS to compare against. */
import { encodeModel, floatInit, floatValueInfo, node } from '../../src/onnx/proto.js'

export interface Dense {
  w: number[][] // [in][out]
  b: number[]
}

/** y = x·W + b with a symbolic batch dim (or a fixed one). */
export function linearModel(layer: Dense, batch: number | string = 'batch'): Uint8Array {
  const inDim = layer.w.length
  const outDim = layer.b.length
  return encodeModel({
    name: 'linear',
    nodes: [node('MatMul', ['x', 'W'], ['xw']), node('Add', ['xw', 'B'], ['y'])],
    inputs: [floatValueInfo('x', [batch, inDim])],
    outputs: [floatValueInfo('y', [batch, outDim])],
    initializers: [floatInit('W', [inDim, outDim], layer.w.flat()), floatInit('B', [outDim], layer.b)],
  })
}

/** softmax(relu(x·W1 + b1)·W2 + b2). */
export function mlpModel(l1: Dense, l2: Dense): Uint8Array {
  return encodeModel({
    name: 'mlp',
    nodes: [
      node('MatMul', ['x', 'W1'], ['h0']), node('Add', ['h0', 'B1'], ['h1']), node('Relu', ['h1'], ['h']),
      node('MatMul', ['h', 'W2'], ['o0']), node('Add', ['o0', 'B2'], ['logits']), node('Softmax', ['logits'], ['probs'], { axis: -1 }),
    ],
    inputs: [floatValueInfo('x', ['batch', l1.w.length])],
    outputs: [floatValueInfo('probs', ['batch', l2.b.length])],
    initializers: [
      floatInit('W1', [l1.w.length, l1.b.length], l1.w.flat()), floatInit('B1', [l1.b.length], l1.b),
      floatInit('W2', [l2.w.length, l2.b.length], l2.w.flat()), floatInit('B2', [l2.b.length], l2.b),
    ],
  })
}

/** Two inputs sharing the batch dim: y = a + b. */
export function addModel(width: number): Uint8Array {
  return encodeModel({
    name: 'add',
    nodes: [node('Add', ['a', 'b'], ['y'])],
    inputs: [floatValueInfo('a', ['batch', width]), floatValueInfo('b', ['batch', width])],
    outputs: [floatValueInfo('y', ['batch', width])],
    initializers: [],
  })
}

export function denseJs(x: number[][], layer: Dense): number[][] {
  return x.map((row) => layer.b.map((bias, j) => row.reduce((s, v, i) => s + v * (layer.w[i]?.[j] ?? 0), bias)))
}

export function mlpJs(x: number[][], l1: Dense, l2: Dense): number[][] {
  const h = denseJs(x, l1).map((row) => row.map((v) => Math.max(0, v)))
  return denseJs(h, l2).map((row) => {
    const max = Math.max(...row)
    const e = row.map((v) => Math.exp(v - max))
    const sum = e.reduce((a, b) => a + b, 0)
    return e.map((v) => v / sum)
  })
}

/** Deterministic pseudo-random layer weights. */
export function randomDense(inDim: number, outDim: number, seed: number): Dense {
  let s = seed >>> 0
  const rnd = () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
  return { w: Array.from({ length: inDim }, () => Array.from({ length: outDim }, rnd)), b: Array.from({ length: outDim }, rnd) }
}
