/** Labelled datasets for simulations: dense float features, integer class labels, and splits. */
import { permutation, seededRandom } from '@w3ai/util'

export interface LabelledData {
  /** Row-major, `count × featureCount`. */
  features: Float32Array
  /** Class ids 0..classes−1. */
  labels: Int32Array
  count: number
  featureCount: number
}

/** The rows `indices` of `data`, in that order. */
export function subset(data: LabelledData, indices: ArrayLike<number>): LabelledData {
  const f = data.featureCount
  const features = new Float32Array(indices.length * f)
  const labels = new Int32Array(indices.length)
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number
    features.set(data.features.subarray(i * f, (i + 1) * f), k * f)
    labels[k] = data.labels[i] as number
  }
  return { features, labels, count: indices.length, featureCount: f }
}

/** A seeded shuffle split: `testShare` of the rows held out, the rest for training. */
export function trainTestSplit(data: LabelledData, testShare: number, seed: number): { train: LabelledData; test: LabelledData } {
  const order = permutation(data.count, seededRandom(seed))
  const testCount = Math.round(data.count * testShare)
  return { train: subset(data, order.subarray(testCount)), test: subset(data, order.subarray(0, testCount)) }
}

/**
 * A CSV of numbers only (no header, no quoting; the label in the last column), like the repo's
 * digits file, with every feature multiplied by `scale`.
 */
export function numericCsv(text: string, scale = 1): LabelledData {
  const rows = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  const width = (rows[0] ?? '').split(',').length
  const featureCount = width - 1
  const features = new Float32Array(rows.length * featureCount)
  const labels = new Int32Array(rows.length)
  rows.forEach((line, r) => {
    const values = line.split(',').map(Number)
    if (values.length !== width || values.some((v) => !Number.isFinite(v))) throw new RangeError(`numericCsv: row ${r + 1} is not ${width} numbers`)
    for (let j = 0; j < featureCount; j++) features[r * featureCount + j] = (values[j] as number) * scale
    labels[r] = values[featureCount] as number
  })
  return { features, labels, count: rows.length, featureCount }
}

/** Number of classes: the largest label plus one, over all sets. */
export function classCount(...sets: LabelledData[]): number {
  let max = -1
  for (const s of sets) for (const l of s.labels) max = Math.max(max, l)
  return max + 1
}
