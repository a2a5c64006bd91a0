/** Validates router options once, fills defaults from constants.ts and freezes the result. */
import { DEFAULTS, DEFAULT_WEIGHTS, type ScoreWeights } from './constants.js'
import type { ResolvedRouterOptions, RouterOptions } from './types.js'

type NumericKey = keyof typeof DEFAULTS

const RANGES: Record<NumericKey, [min: number, max: number, integer?: boolean]> = {
  sampleSize: [1, 4096, true],
  sampleRun: [1, 64, true],
  probeFactor: [1, 100],
  minPool: [0, 1e9, true],
  exhaustiveLimit: [0, 1e6, true],
  fallbackScanLimit: [0, 1e7, true],
  epsilon: [0, 1],
  exploreMaxObservations: [0, 1e9],
  exploreMargin: [0, 1],
  priorSuccesses: [1e-6, 1e6],
  priorFailures: [1e-6, 1e6],
  confidenceZ: [0, 10],
  minSuccessLcb: [0, 1],
  evidenceHalfLifeMs: [1, Number.MAX_SAFE_INTEGER],
  speedAlpha: [1e-6, 1],
  fleetSpeedAlpha: [1e-6, 1],
  speedShrinkage: [0, 1e6],
  speedRiskAversion: [0, 100],
  saturatedLoadTerm: [0, 0.5],
  failureTolerance: [1e-6, 1],
  speedExponent: [0, 16],
  speedWorkExponent: [0, 4],
  speedWorkClamp: [1, 100],
  networkKmPerMs: [1e-3, 1e6],
  unknownSpeedFactor: [0.01, 100],
  probationSlots: [0, 1e6],
  geoScaleKm: [1e-6, 1e6],
  priceScale: [1e-12, 1e12],
  defaultReputation: [0, 1],
  stakeScale: [1e-12, 1e30],
  gpuFitShare: [0, 1],
}

/** Fills defaults and rejects out-of-range values with a message naming the option. */
export function resolveRouterOptions(options: RouterOptions = {}): ResolvedRouterOptions {
  const out: Record<string, unknown> = {
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  }
  for (const key of Object.keys(DEFAULTS) as NumericKey[]) {
    const value = options[key] ?? DEFAULTS[key]
    const [min, max, integer] = RANGES[key]
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max || (integer === true && !Number.isInteger(value))) {
      throw new RangeError(`router option ${key} must be ${integer === true ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(value)}`)
    }
    out[key] = value
  }
  const weights: ScoreWeights = { ...DEFAULT_WEIGHTS, ...options.weights }
  for (const [key, w] of Object.entries(weights)) {
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) throw new RangeError(`router weight ${key} must be a non-negative number, got ${String(w)}`)
  }
  out.weights = Object.freeze(weights)
  return Object.freeze(out) as ResolvedRouterOptions
}
