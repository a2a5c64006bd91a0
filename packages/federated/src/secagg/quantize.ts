/**
 * Quantization between float parameters and the integers mod 2^32 that SecAgg+ sums.
 *
 * A client of weight w = min(numExamples, maxWeight) / maxWeight sends, per parameter x clipped to
 * [-c, c], q = round(w · (x + c) · s) with s = (levels - 1) / 2c, and its capped example count as one
 * more word. Scaling by w before rounding (rather than multiplying an integer by the count) keeps
 * every q below levels, so the sum of n clients stays below 2^32 and no precision is spent on the
 * weight: the sum gives Σ w·x = Σq / s - c·Σw, and the weighted mean is that over Σw.
 */
import { W3aiError } from '@w3ai/protocol'
import type { Parameters } from '../types.js'
import { vectorLength, type SecAggConfig } from './stages.js'

type QuantizeConfig = Pick<SecAggConfig, 'tensorSizes' | 'clipRange' | 'levels' | 'maxWeight'>

function scale(config: QuantizeConfig): number {
  return (config.levels - 1) / (2 * config.clipRange)
}

/** The example count a client contributes (its weight times maxWeight). */
export function cappedExamples(numExamples: number, config: Pick<SecAggConfig, 'maxWeight'>): number {
  return Math.min(numExamples, config.maxWeight)
}

/** Quantizes a client's parameters and example count into the vector it masks. */
export function quantizeUpdate(parameters: Parameters, numExamples: number, config: QuantizeConfig): Uint32Array {
  if (!Number.isSafeInteger(numExamples) || numExamples < 1) throw new W3aiError('FL_BAD_UPDATE', `numExamples is ${numExamples}; it must be a whole number of at least 1`)
  if (parameters.length !== config.tensorSizes.length || parameters.some((t, i) => t.length !== config.tensorSizes[i])) {
    throw new W3aiError('FL_BAD_UPDATE', 'the update does not have the tensor sizes of the round', { expected: config.tensorSizes, actual: parameters.map((t) => t.length) })
  }
  const c = config.clipRange
  const count = cappedExamples(numExamples, config)
  const ws = (count / config.maxWeight) * scale(config)
  const out = new Uint32Array(vectorLength(config))
  let k = 0
  for (const tensor of parameters) {
    for (let i = 0; i < tensor.length; i++) {
      const x = tensor[i] as number
      // x - x is NaN exactly for NaN and ±Infinity.
      if (x - x !== 0) throw new W3aiError('FL_BAD_UPDATE', `the update holds ${x} at position ${k}`)
      const clipped = x > c ? c : x < -c ? -c : x
      // The store truncates a non-negative double: + 0.5 makes it round to nearest.
      out[k++] = (clipped + c) * ws + 0.5
    }
  }
  out[k] = count
  return out
}

/** The example-weighted mean and the total (capped) example count from an unmasked sum. */
export function dequantizeSum(sum: Uint32Array, config: QuantizeConfig): { mean: Parameters; totalExamples: number } {
  const length = vectorLength(config)
  if (sum.length !== length) throw new RangeError(`dequantize: ${sum.length} words where ${length} were expected`)
  const totalExamples = sum[length - 1] as number
  if (totalExamples === 0) throw new RangeError('dequantize: the summed example count is zero')
  const factor = config.maxWeight / (scale(config) * totalExamples)
  const c = config.clipRange
  const mean: Parameters = []
  let k = 0
  for (const size of config.tensorSizes) {
    const tensor = new Float32Array(size)
    for (let i = 0; i < size; i++) tensor[i] = (sum[k++] as number) * factor - c
    mean.push(tensor)
  }
  return { mean, totalExamples }
}

/**
 * The largest error quantization can put on a mean of `clients` updates totalling `totalExamples`
 * (capped) examples: each client rounds by at most half a step, and a step shrinks with the total
 * weight. Float32 rounding of the result comes on top.
 */
export function quantizationErrorBound(config: QuantizeConfig, clients: number, totalExamples: number): number {
  return (clients / 2) * (config.maxWeight / (scale(config) * totalExamples))
}
