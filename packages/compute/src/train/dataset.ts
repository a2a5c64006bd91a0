/**
 * A labelled dataset in memory: features row-major in one Float32Array (so TF.js can take it
 * without copying row arrays) and one label per sample. Parsers for CSV and IDX produce it.
 */
import { gunzipSync } from 'node:zlib'
import { executorError } from '../errors.js'

export interface Dataset {
  /** Sample count. */
  count: number
  /** Features per sample (product of the sample shape). */
  featureCount: number
  /** Shape of one sample as the source describes it (e.g. [28, 28] for IDX images). */
  sampleShape: number[]
  features: Float32Array
  /** Numeric labels: class ids for classification, targets for regression. */
  labels: Float32Array
  /** Class names when the labels were text (label i is classes[i]). */
  classes?: string[]
}

/** Largest decompressed dataset accepted (bytes). */
export const MAX_DATASET_BYTES = 512 * 1024 * 1024

/** Gunzips when the bytes start with the gzip magic; refuses archives that inflate past the limit. */
export function maybeGunzip(bytes: Uint8Array, what: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DATASET_BYTES })
  } catch (error) {
    const tooLarge = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
    throw tooLarge
      ? executorError('COMPUTE_INPUT_TOO_LARGE', `${what} inflates past ${MAX_DATASET_BYTES} bytes.`)
      : executorError('COMPUTE_BAD_DATASET', `${what} looks gzipped but does not decompress: ${(error as Error).message}`)
  }
}

/** Feature scaling: x' = (x - offset) * scale, per feature. */
export interface Preprocess {
  offset: Float32Array
  scale: Float32Array
}

export type Normalization = 'none' | 'max' | 'minmax' | 'standard'

/** Fits the scaling on the given rows only (the training part), so validation data does not leak in. */
export function fitPreprocess(data: Dataset, rows: ArrayLike<number>, mode: Normalization): Preprocess {
  const f = data.featureCount
  const offset = new Float32Array(f)
  const scale = new Float32Array(f).fill(1)
  if (mode === 'none' || rows.length === 0) return { offset, scale }
  if (mode === 'max') {
    let max = 0
    for (let r = 0; r < rows.length; r++) {
      const base = (rows[r] as number) * f
      for (let j = 0; j < f; j++) max = Math.max(max, Math.abs(data.features[base + j] as number))
    }
    scale.fill(max > 0 ? 1 / max : 1)
    return { offset, scale }
  }
  const a = new Float64Array(f).fill(mode === 'minmax' ? Infinity : 0)
  const b = new Float64Array(f).fill(mode === 'minmax' ? -Infinity : 0)
  for (let r = 0; r < rows.length; r++) {
    const base = (rows[r] as number) * f
    for (let j = 0; j < f; j++) {
      const v = data.features[base + j] as number
      if (mode === 'minmax') {
        a[j] = Math.min(a[j] as number, v)
        b[j] = Math.max(b[j] as number, v)
      } else {
        a[j] = (a[j] as number) + v
        b[j] = (b[j] as number) + v * v
      }
    }
  }
  for (let j = 0; j < f; j++) {
    if (mode === 'minmax') {
      const range = (b[j] as number) - (a[j] as number)
      offset[j] = a[j] as number
      scale[j] = range > 0 ? 1 / range : 1
    } else {
      const mean = (a[j] as number) / rows.length
      const std = Math.sqrt(Math.max(0, (b[j] as number) / rows.length - mean * mean))
      offset[j] = mean
      scale[j] = std > 1e-12 ? 1 / std : 1
    }
  }
  return { offset, scale }
}

/** Gathers rows into one scaled feature block and their labels. */
export function gatherRows(data: Dataset, rows: ArrayLike<number>, pre: Preprocess): { features: Float32Array; labels: Float32Array } {
  const f = data.featureCount
  const features = new Float32Array(rows.length * f)
  const labels = new Float32Array(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const src = (rows[r] as number) * f
    for (let j = 0; j < f; j++) features[r * f + j] = ((data.features[src + j] as number) - (pre.offset[j] as number)) * (pre.scale[j] as number)
    labels[r] = data.labels[rows[r] as number] as number
  }
  return { features, labels }
}
