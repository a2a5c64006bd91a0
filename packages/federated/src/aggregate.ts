/**
 * Pure aggregation maths on model parameters (lists of Float32Array tensors): weighted means,
 * robust aggregates (median, trimmed mean, Krum, Bulyan), norms, clipping and deltas. Sums run in
 * Float64 so that averaging many float32 updates loses no more precision than one rounding at the
 * end. No state, no randomness: strategies and wrappers build on these.
 */
import type { Parameters } from './types.js'

/** Throws unless every set has the same tensor count and sizes as the first. */
function sameShape(sets: readonly Parameters[]): Parameters {
  const first = sets[0]
  if (first === undefined) throw new RangeError('aggregate: no parameter sets')
  for (const set of sets) {
    if (set.length !== first.length) throw new RangeError(`aggregate: ${set.length} tensors where ${first.length} were expected`)
    for (let t = 0; t < first.length; t++) {
      if ((set[t] as Float32Array).length !== (first[t] as Float32Array).length) throw new RangeError(`aggregate: tensor ${t} has ${(set[t] as Float32Array).length} values where ${(first[t] as Float32Array).length} were expected`)
    }
  }
  return first
}

/** A copy of `params` with fresh buffers. */
export function cloneParameters(params: Parameters): Parameters {
  return params.map((t) => new Float32Array(t))
}

/** Zeros shaped like `params`. */
export function zerosLike(params: Parameters): Parameters {
  return params.map((t) => new Float32Array(t.length))
}

/** Total number of values over all tensors. */
export function parameterCount(params: Parameters): number {
  let n = 0
  for (const t of params) n += t.length
  return n
}

/** True when `a` and `b` have the same tensor count and sizes. */
export function sameShapes(a: Parameters, b: Parameters): boolean {
  return a.length === b.length && a.every((t, i) => t.length === (b[i] as Float32Array).length)
}

/** Mean of `sets` weighted by `weights` (e.g. example counts); weights must sum to more than zero. */
export function weightedMean(sets: readonly Parameters[], weights: readonly number[]): Parameters {
  const first = sameShape(sets)
  if (weights.length !== sets.length) throw new RangeError('weightedMean: one weight per parameter set')
  let total = 0
  for (const w of weights) {
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weightedMean: weight ${w} is not a finite number >= 0`)
    total += w
  }
  if (!(total > 0)) throw new RangeError('weightedMean: the weights sum to zero')
  return first.map((tensor, t) => {
    const acc = new Float64Array(tensor.length)
    sets.forEach((set, s) => {
      const w = (weights[s] as number) / total
      if (w === 0) return
      const x = set[t] as Float32Array
      for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + w * (x[i] as number)
    })
    return Float32Array.from(acc)
  })
}

/** Unweighted mean of `sets`. */
export function mean(sets: readonly Parameters[]): Parameters {
  return weightedMean(sets, sets.map(() => 1))
}

/**
 * Coordinate-wise reduction: for each coordinate, `reduce` receives the sorted values of all sets
 * (a reused Float64Array) and returns the aggregate.
 */
function coordinateWise(sets: readonly Parameters[], reduce: (sorted: Float64Array) => number): Parameters {
  const first = sameShape(sets)
  const column = new Float64Array(sets.length)
  return first.map((tensor, t) => {
    const out = new Float32Array(tensor.length)
    for (let i = 0; i < out.length; i++) {
      for (let s = 0; s < sets.length; s++) column[s] = ((sets[s] as Parameters)[t] as Float32Array)[i] as number
      column.sort()
      out[i] = reduce(column)
    }
    return out
  })
}

/** Coordinate-wise median (the mean of the two middle values for an even count). */
export function coordinateMedian(sets: readonly Parameters[]): Parameters {
  return coordinateWise(sets, (v) => {
    const mid = v.length >> 1
    return v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2
  })
}

/** How many values `trimmedMean` cuts from each end for `n` sets and fraction `beta`. */
export function trimCount(n: number, beta: number): number {
  return Math.floor(n * beta)
}

/**
 * Coordinate-wise trimmed mean: drops the floor(beta·n) largest and smallest values of each
 * coordinate and averages the rest. `beta` must be in [0, 0.5) and leave at least one value.
 */
export function trimmedMean(sets: readonly Parameters[], beta: number): Parameters {
  const cut = trimCount(sets.length, beta)
  if (!(beta >= 0 && beta < 0.5) || sets.length - 2 * cut < 1) throw new RangeError(`trimmedMean: beta ${beta} leaves no values of ${sets.length}`)
  return coordinateWise(sets, (v) => {
    let sum = 0
    for (let i = cut; i < v.length - cut; i++) sum += v[i] as number
    return sum / (v.length - 2 * cut)
  })
}

/** Squared Euclidean distance between two parameter sets of the same shape. */
export function squaredDistance(a: Parameters, b: Parameters): number {
  let sum = 0
  for (let t = 0; t < a.length; t++) {
    const x = a[t] as Float32Array
    const y = b[t] as Float32Array
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] as number) - (y[i] as number)
      sum += d * d
    }
  }
  return sum
}

/** The symmetric matrix of squared distances between all pairs of sets. */
export function distanceMatrix(sets: readonly Parameters[]): Float64Array[] {
  sameShape(sets)
  const n = sets.length
  const d = Array.from({ length: n }, () => new Float64Array(n))
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = squaredDistance(sets[i] as Parameters, sets[j] as Parameters)
      ;(d[i] as Float64Array)[j] = v
      ;(d[j] as Float64Array)[i] = v
    }
  }
  return d
}

/** For each index in `pool`, the sum of squared distances to its `k` nearest others in `pool`. */
function neighbourScores(d: readonly Float64Array[], pool: readonly number[], k: number): number[] {
  return pool.map((i) => {
    const row = d[i] as Float64Array
    const others = pool.filter((j) => j !== i).map((j) => row[j] as number).sort((a, b) => a - b)
    let score = 0
    for (let x = 0; x < Math.min(k, others.length); x++) score += others[x] as number
    return score
  })
}

/** Position in `scores` of the lowest score (the first on ties, so choices are deterministic). */
function lowest(scores: readonly number[]): number {
  let best = 0
  for (let i = 1; i < scores.length; i++) if ((scores[i] as number) < (scores[best] as number)) best = i
  return best
}

/**
 * Krum scores (Blanchard et al. 2017): for each set, the sum of squared distances to its
 * n − f − 2 nearest other sets, where f is the number of Byzantine sets tolerated. Needs n > 2f + 2.
 */
export function krumScores(sets: readonly Parameters[], f: number): number[] {
  const n = sets.length
  if (!(Number.isInteger(f) && f >= 0) || n <= 2 * f + 2) throw new RangeError(`krumScores: Krum with f=${f} needs more than ${2 * f + 2} sets, got ${n}`)
  return neighbourScores(distanceMatrix(sets), sets.map((_, i) => i), n - f - 2)
}

/**
 * The indices of the `m` sets with the lowest Krum scores, best first (ties by index, so the
 * choice is deterministic). m = 1 is Krum, m > 1 Multi-Krum.
 */
export function krumSelect(sets: readonly Parameters[], f: number, m: number): number[] {
  const scores = krumScores(sets, f)
  if (!(Number.isInteger(m) && m >= 1 && m <= sets.length)) throw new RangeError(`krumSelect: m=${m} must be 1..${sets.length}`)
  return scores
    .map((score, i) => ({ score, i }))
    .sort((a, b) => a.score - b.score || a.i - b.i)
    .slice(0, m)
    .map((x) => x.i)
}

/** Mean of the `beta` values of a sorted column nearest its median (a contiguous window). */
function meanAroundMedian(v: Float64Array, beta: number): number {
  const mid = v.length >> 1
  const median = v.length % 2 === 1 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2
  let bestLo = 0
  let bestCost = Infinity
  for (let lo = 0; lo + beta <= v.length; lo++) {
    const cost = Math.max(median - (v[lo] as number), (v[lo + beta - 1] as number) - median)
    if (cost < bestCost) {
      bestCost = cost
      bestLo = lo
    }
  }
  let sum = 0
  for (let i = bestLo; i < bestLo + beta; i++) sum += v[i] as number
  return sum / beta
}

/**
 * Bulyan (El Mhamdi et al. 2018): picks θ = n − 2f sets by repeated Krum (each pick leaves the
 * pool), then for each coordinate averages the β = θ − 2f picked values closest to their median.
 * Needs n >= 4f + 3.
 */
export function bulyan(sets: readonly Parameters[], f: number): Parameters {
  const n = sets.length
  if (!(Number.isInteger(f) && f >= 0) || n < 4 * f + 3) throw new RangeError(`bulyan: Bulyan with f=${f} needs at least ${4 * f + 3} sets, got ${n}`)
  const d = distanceMatrix(sets)
  const theta = n - 2 * f
  const pool = sets.map((_, i) => i)
  const picked: Parameters[] = []
  while (picked.length < theta) {
    // Late picks see a pool of 2f + 2 or fewer, where n − f − 2 neighbours would be < 1: at least
    // one neighbour is scored, as in the reference implementations.
    const best = lowest(neighbourScores(d, pool, Math.max(1, pool.length - f - 2)))
    picked.push(sets[pool[best] as number] as Parameters)
    pool.splice(best, 1)
  }
  const beta = theta - 2 * f
  return coordinateWise(picked, (v) => meanAroundMedian(v, beta))
}

/** Euclidean (L2) norm over all tensors. */
export function l2Norm(params: Parameters): number {
  let sum = 0
  for (const t of params) for (let i = 0; i < t.length; i++) sum += (t[i] as number) * (t[i] as number)
  return Math.sqrt(sum)
}

/** `params` scaled by `factor` (new buffers). */
export function scaled(params: Parameters, factor: number): Parameters {
  return params.map((t) => t.map((v) => v * factor))
}

/**
 * `params` scaled down so its L2 norm is at most `maxNorm` (unchanged when already within), with
 * the norm before clipping; the factor is min(1, maxNorm / norm) as in DP-SGD.
 */
export function clipToNorm(params: Parameters, maxNorm: number): { clipped: Parameters; norm: number; scale: number } {
  if (!(maxNorm > 0)) throw new RangeError(`clipToNorm: the clipping norm ${maxNorm} must be > 0`)
  const norm = l2Norm(params)
  const scale = norm > maxNorm ? maxNorm / norm : 1
  return { clipped: scale === 1 ? cloneParameters(params) : scaled(params, scale), norm, scale }
}

/** a − b, tensor by tensor. */
export function subtract(a: Parameters, b: Parameters): Parameters {
  sameShape([a, b])
  return a.map((x, t) => {
    const y = b[t] as Float32Array
    return x.map((v, i) => v - (y[i] as number))
  })
}

/** a + factor·b, tensor by tensor. */
export function addScaled(a: Parameters, b: Parameters, factor = 1): Parameters {
  sameShape([a, b])
  return a.map((x, t) => {
    const y = b[t] as Float32Array
    return x.map((v, i) => v + factor * (y[i] as number))
  })
}

/** True when every value is finite (no NaN or ±Infinity). */
export function allFinite(params: Parameters): boolean {
  for (const t of params) for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i] as number)) return false
  return true
}
