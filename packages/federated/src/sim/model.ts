/**
 * Two small classifiers in plain TypeScript for simulations: softmax regression (hidden = 0) and
 * a one-hidden-layer ReLU MLP, with cross-entropy loss. Parameters are the federated layout:
 * [W1 (inputs × hidden), b1, W2 (hidden × classes), b2], or [W (inputs × classes), b]. Training
 * works on float64 copies and writes float32 parameters back.
 */
import type { Random } from '@w3ai/util'
import type { Parameters } from '../types.js'
import type { LabelledData } from './data.js'

export interface ModelSpec {
  inputs: number
  /** Hidden units; 0 is softmax regression. */
  hidden: number
  classes: number
}

/** Seeded initial parameters: He-uniform for the ReLU layer, Glorot-uniform for the output, zero biases. */
export function initParameters(spec: ModelSpec, random: Random): Parameters {
  const uniform = (n: number, limit: number) => Float32Array.from({ length: n }, () => (random() * 2 - 1) * limit)
  const { inputs, hidden, classes } = spec
  if (hidden === 0) return [uniform(inputs * classes, Math.sqrt(6 / (inputs + classes))), new Float32Array(classes)]
  return [uniform(inputs * hidden, Math.sqrt(6 / inputs)), new Float32Array(hidden), uniform(hidden * classes, Math.sqrt(6 / (hidden + classes))), new Float32Array(classes)]
}

/** Float64 working copies of the layers: weights and biases of one or two layers. */
export type Layers = Float64Array[]

export const toLayers = (params: Parameters): Layers => params.map((t) => Float64Array.from(t))
export const toParameters = (layers: Layers): Parameters => layers.map((t) => Float32Array.from(t))

/** Softmax in place over one row; returns −log p[label]. */
function softmaxLoss(z: Float64Array, label: number): number {
  let max = -Infinity
  for (const v of z) max = Math.max(max, v)
  let sum = 0
  for (let c = 0; c < z.length; c++) {
    z[c] = Math.exp((z[c] as number) - max)
    sum += z[c] as number
  }
  for (let c = 0; c < z.length; c++) z[c] = (z[c] as number) / sum
  return -Math.log(Math.max(z[label] as number, 1e-300))
}

/** out = b + Σ_j input[inOff + j] · w[j, ·] for a row-major (n × out.length) w; zero inputs skipped (digits are sparse). */
function dense(input: ArrayLike<number>, inOff: number, n: number, w: Float64Array, b: Float64Array, out: Float64Array): void {
  const m = out.length
  out.set(b)
  for (let j = 0; j < n; j++) {
    const v = input[inOff + j] as number
    if (v === 0) continue
    const row = j * m
    for (let k = 0; k < m; k++) out[k] = (out[k] as number) + v * (w[row + k] as number)
  }
}

/**
 * Forward pass of row `i`: fills `h` (hidden activations, when there is a hidden layer) and `p`
 * (class probabilities) and returns the row's loss.
 */
function forward(spec: ModelSpec, layers: Layers, data: LabelledData, i: number, h: Float64Array, p: Float64Array): number {
  const off = i * spec.inputs
  if (spec.hidden === 0) {
    dense(data.features, off, spec.inputs, layers[0] as Float64Array, layers[1] as Float64Array, p)
  } else {
    dense(data.features, off, spec.inputs, layers[0] as Float64Array, layers[1] as Float64Array, h)
    for (let k = 0; k < h.length; k++) if ((h[k] as number) < 0) h[k] = 0
    dense(h, 0, spec.hidden, layers[2] as Float64Array, layers[3] as Float64Array, p)
  }
  return softmaxLoss(p, data.labels[i] as number)
}

/** g[j, ·] += input[inOff + j] · d for a row-major gradient g; zero inputs skipped. */
function outer(input: ArrayLike<number>, inOff: number, n: number, d: Float64Array, g: Float64Array): void {
  const m = d.length
  for (let j = 0; j < n; j++) {
    const v = input[inOff + j] as number
    if (v === 0) continue
    const row = j * m
    for (let k = 0; k < m; k++) g[row + k] = (g[row + k] as number) + v * (d[k] as number)
  }
}

/** Mean cross-entropy and accuracy of `params` on `data`. */
export function evaluate(spec: ModelSpec, params: Parameters, data: LabelledData): { loss: number; accuracy: number } {
  const layers = toLayers(params)
  const h = new Float64Array(spec.hidden)
  const p = new Float64Array(spec.classes)
  let loss = 0
  let correct = 0
  for (let i = 0; i < data.count; i++) {
    loss += forward(spec, layers, data, i, h, p)
    let best = 0
    for (let c = 1; c < p.length; c++) if ((p[c] as number) > (p[best] as number)) best = c
    if (best === data.labels[i]) correct++
  }
  return { loss: loss / Math.max(1, data.count), accuracy: correct / Math.max(1, data.count) }
}

function addTo(acc: Float64Array, d: Float64Array): void {
  for (let k = 0; k < d.length; k++) acc[k] = (acc[k] as number) + (d[k] as number)
}

/**
 * One SGD step on the rows `batch`: the mean cross-entropy gradient, plus μ·(w − anchor) when a
 * FedProx anchor is given. Returns the batch's mean loss.
 */
export function sgdStep(spec: ModelSpec, layers: Layers, data: LabelledData, batch: ArrayLike<number>, learningRate: number, prox?: { mu: number; anchor: Layers }): number {
  const grads = layers.map((l) => new Float64Array(l.length))
  const h = new Float64Array(spec.hidden)
  const p = new Float64Array(spec.classes)
  const dh = new Float64Array(spec.hidden)
  const x = data.features
  let loss = 0
  for (let b = 0; b < batch.length; b++) {
    const i = batch[b] as number
    loss += forward(spec, layers, data, i, h, p)
    // dLoss/dz = p − onehot(label), then back through the output layer (and the ReLU layer).
    p[data.labels[i] as number] = (p[data.labels[i] as number] as number) - 1
    const off = i * spec.inputs
    if (spec.hidden === 0) {
      outer(x, off, spec.inputs, p, grads[0] as Float64Array)
      addTo(grads[1] as Float64Array, p)
      continue
    }
    outer(h, 0, spec.hidden, p, grads[2] as Float64Array)
    addTo(grads[3] as Float64Array, p)
    const w2 = layers[2] as Float64Array
    for (let k = 0; k < spec.hidden; k++) {
      if ((h[k] as number) <= 0) {
        dh[k] = 0
        continue
      }
      let s = 0
      const row = k * spec.classes
      for (let c = 0; c < spec.classes; c++) s += (w2[row + c] as number) * (p[c] as number)
      dh[k] = s
    }
    outer(x, off, spec.inputs, dh, grads[0] as Float64Array)
    addTo(grads[1] as Float64Array, dh)
  }
  const n = batch.length
  layers.forEach((w, t) => {
    const g = grads[t] as Float64Array
    const a = prox?.anchor[t]
    for (let i = 0; i < w.length; i++) {
      let step = (g[i] as number) / n
      if (prox !== undefined && a !== undefined) step += prox.mu * ((w[i] as number) - (a[i] as number))
      w[i] = (w[i] as number) - learningRate * step
    }
  })
  return loss / n
}
