/**
 * Rényi differential privacy of the sampled Gaussian mechanism (Mironov, Talwar and Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism"): the RDP of one step at each
 * order α, and the conversion of composed RDP to (ε, δ). Everything runs in log space, since the
 * terms overflow doubles long before the orders of interest do.
 */

/**
 * The orders RDP is tracked at (the usual grid of the reference accountants): fine steps near 1,
 * where small ε is found, integers up to 63 and a few large ones for small noise.
 */
export const RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, i) => 1 + (i + 1) / 10),
  ...Array.from({ length: 53 }, (_, i) => 11 + i),
  128,
  256,
  512,
])

/** How composed RDP becomes (ε, δ). */
export type RdpConversion = 'classic' | 'tight'

/** log(e^a + e^b) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b
  if (b === -Infinity) return a
  const hi = Math.max(a, b)
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi))
}

/** log(e^a − e^b) for a >= b (−Infinity when equal). */
function logSub(a: number, b: number): number {
  if (b === -Infinity) return a
  if (b > a) throw new RangeError('logSub: the result would be negative')
  if (a === b) return -Infinity
  return a + Math.log(-Math.expm1(b - a))
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI)

/** log erfc(x), accurate to about 1e-14 relative over the whole line. */
export function logErfc(x: number): number {
  if (x >= 2) {
    // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by modified Lentz.
    const tiny = 1e-300
    let f = x
    let c = x
    let d = 0
    for (let k = 1; k < 500; k++) {
      const a = k / 2
      d = x + a * d
      d = Math.abs(d) < tiny ? tiny : d
      c = x + a / c
      c = Math.abs(c) < tiny ? tiny : c
      d = 1 / d
      const delta = c * d
      f *= delta
      if (Math.abs(delta - 1) < 1e-16) break
    }
    return -x * x - LOG_SQRT_PI - Math.log(f)
  }
  if (x <= -2) return Math.log(2 - Math.exp(logErfc(-x)))
  // |x| < 2: erf by its Maclaurin series, 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)).
  let term = x
  let sum = x
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n
    const add = term / (2 * n + 1)
    sum += add
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
  }
  return Math.log(1 - (2 / Math.sqrt(Math.PI)) * sum)
}

/** log |C(α, k)| and its sign, for real α and integer k >= 0. */
function logBinomial(alpha: number, k: number): { log: number; sign: number } {
  let log = 0
  let sign = 1
  for (let j = 0; j < k; j++) {
    const num = alpha - j
    if (num === 0) return { log: -Infinity, sign: 0 }
    if (num < 0) sign = -sign
    log += Math.log(Math.abs(num)) - Math.log(j + 1)
  }
  return { log, sign }
}

/** log A_α for integer α: the binomial expansion of E[(1 − q + q·e^((2z−1)/(2σ²)))^α]. */
function logAInteger(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity
  for (let k = 0; k <= alpha; k++) {
    const term = logBinomial(alpha, k).log + k * Math.log(q) + (alpha - k) * Math.log1p(-q) + (k * k - k) / (2 * sigma * sigma)
    logA = logAdd(logA, term)
  }
  return logA
}

/**
 * log A_α for fractional α: the two series of Mironov et al. §3.3, split at
 * z0 = σ²·log(1/q − 1) + 1/2 where the integrand's two regimes meet; summed until the terms fall
 * below e^−30 of what they add to.
 */
function logAFractional(q: number, sigma: number, alpha: number): number {
  let pos0 = -Infinity
  let neg0 = -Infinity
  let pos1 = -Infinity
  let neg1 = -Infinity
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5
  const s2 = 2 * sigma * sigma
  const root2Sigma = Math.SQRT2 * sigma
  for (let i = 0; i < 100_000; i++) {
    const { log: logCoef, sign } = logBinomial(alpha, i)
    if (sign === 0) continue
    const j = alpha - i
    const t0 = logCoef + i * Math.log(q) + j * Math.log1p(-q) + (i * i - i) / s2 + Math.log(0.5) + logErfc((i - z0) / root2Sigma)
    const t1 = logCoef + j * Math.log(q) + i * Math.log1p(-q) + (j * j - j) / s2 + Math.log(0.5) + logErfc((z0 - j) / root2Sigma)
    if (sign > 0) {
      pos0 = logAdd(pos0, t0)
      pos1 = logAdd(pos1, t1)
    } else {
      neg0 = logAdd(neg0, t0)
      neg1 = logAdd(neg1, t1)
    }
    if (i > alpha && Math.max(t0, t1) < -30) break
  }
  return logAdd(logSub(pos0, neg0), logSub(pos1, neg1))
}

/**
 * RDP at order `alpha` of one step of the Gaussian mechanism with noise multiplier `sigma`
 * (noise stddev over sensitivity) applied to a Poisson sample with rate `q`.
 */
export function rdpSampledGaussian(q: number, sigma: number, alpha: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`rdpSampledGaussian: q ${q} must be in [0, 1]`)
  if (!(alpha > 1)) throw new RangeError(`rdpSampledGaussian: order ${alpha} must be > 1`)
  if (q === 0) return 0
  if (!(sigma > 0)) return Infinity
  if (alpha === Infinity) return Infinity
  if (q === 1) return alpha / (2 * sigma * sigma)
  const logA = Number.isInteger(alpha) ? logAInteger(q, sigma, alpha) : logAFractional(q, sigma, alpha)
  return Math.max(0, logA / (alpha - 1))
}

/**
 * The smallest ε over the orders for which composed RDP `rdp` (one value per order) gives
 * (ε, δ)-DP, and the order achieving it. `classic`: ε = rdp + log(1/δ)/(α − 1) (Mironov 2017,
 * Prop. 3). `tight`: ε = rdp + log((α − 1)/α) − (log δ + log α)/(α − 1) (Balle et al. 2020,
 * Canonne, Kamath and Steinke 2020), always at least as small.
 */
export function epsilonFromRdp(orders: readonly number[], rdp: ArrayLike<number>, delta: number, conversion: RdpConversion = 'tight'): { epsilon: number; order: number } {
  if (!(delta > 0 && delta < 1)) throw new RangeError(`epsilonFromRdp: delta ${delta} must be in (0, 1)`)
  if (orders.length !== rdp.length) throw new RangeError('epsilonFromRdp: one RDP value per order')
  let best = { epsilon: Infinity, order: NaN }
  orders.forEach((alpha, i) => {
    const r = rdp[i] as number
    if (!(alpha > 1) || !Number.isFinite(r)) return
    const epsilon =
      conversion === 'classic' ? r + Math.log(1 / delta) / (alpha - 1) : r + Math.log1p(-1 / alpha) - (Math.log(delta) + Math.log(alpha)) / (alpha - 1)
    if (epsilon < best.epsilon) best = { epsilon: Math.max(0, epsilon), order: alpha }
  })
  return best
}
