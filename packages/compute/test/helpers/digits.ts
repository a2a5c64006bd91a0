/** The repo's digits dataset split 80/20 with a seeded shuffle, and helpers to compare predictions. */
import { readFileSync } from 'node:fs'
import * as tf from '@tensorflow/tfjs'
import { parseCsv } from '../../src/train/csv.js'
import { permutation, seededRandom } from '@w3ai/util'
import type { TrainResult } from '../../src/train/trainer.js'

export const DIGITS_PATH = new URL('../../data/digits.csv.gz', import.meta.url)

export interface Split {
  trainCsv: Uint8Array
  test: { features: Float32Array; labels: number[]; count: number }
}

/** 80% as CSV bytes for train(), 20% kept as raw features and labels. */
export function digitsSplit(seed: number): Split {
  const data = parseCsv(readFileSync(DIGITS_PATH))
  const order = permutation(data.count, seededRandom(seed))
  const testCount = Math.round(data.count * 0.2)
  const f = data.featureCount
  const row = (i: number) => Array.from(data.features.subarray(i * f, (i + 1) * f))
  const trainRows = Array.from(order.subarray(testCount))
  const testRows = Array.from(order.subarray(0, testCount))
  const trainCsv = new TextEncoder().encode(trainRows.map((i) => [...row(i), data.labels[i]].join(',')).join('\n'))
  const features = new Float32Array(testRows.flatMap(row))
  return { trainCsv, test: { features, labels: testRows.map((i) => data.labels[i] as number), count: testCount } }
}

/** Applies the trained scaling to raw features, as the TF.js model expects. */
export function scaled(result: TrainResult, raw: Float32Array): Float32Array {
  const f = result.preprocess.offset.length
  return raw.map((v, i) => (v - (result.preprocess.offset[i % f] as number)) * (result.preprocess.scale[i % f] as number))
}

/** TF.js class probabilities for a batch (rows of `classes`). */
export function tfjsProbabilities(model: tf.LayersModel, features: Float32Array, shape: number[]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor(features, shape)) as tf.Tensor).dataSync() as Float32Array)
}

export function argmaxRows(probs: ArrayLike<number>, classes: number): number[] {
  const out: number[] = []
  for (let r = 0; r < probs.length / classes; r++) {
    let best = 0
    for (let c = 1; c < classes; c++) if ((probs[r * classes + c] as number) > (probs[r * classes + best] as number)) best = c
    out.push(best)
  }
  return out
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)))
  return max
}
