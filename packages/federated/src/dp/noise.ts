/**
 * Gaussian noise for differential privacy. The default source draws from the platform's
 * cryptographic generator (crypto.getRandomValues, in Node and browsers): noise an adversary could
 * predict from a seed protects nothing. Tests and simulations pass a seeded source instead.
 */
import type { Parameters } from '../types.js'

/** A source of standard normal deviates. */
export type NormalSource = () => number

/** A uniform double in (0, 1) with 53 random bits, never 0. */
function secureUniform(): number {
  const words = crypto.getRandomValues(new Uint32Array(2))
  const hi = (words[0] as number) >>> 5
  const lo = (words[1] as number) >>> 6
  return (hi * 67108864 + lo + 0.5) / 9007199254740992
}

/** A standard normal deviate from cryptographic randomness (Box–Muller). */
export const secureNormal: NormalSource = () => Math.sqrt(-2 * Math.log(secureUniform())) * Math.cos(2 * Math.PI * secureUniform())

/** `params` plus independent N(0, stddev²) noise on every value (new buffers). */
export function addGaussianNoise(params: Parameters, stddev: number, normal: NormalSource = secureNormal): Parameters {
  if (!(stddev >= 0)) throw new RangeError(`addGaussianNoise: stddev ${stddev} must be >= 0`)
  return params.map((t) => t.map((v) => v + stddev * normal()))
}
