/**
 * CKKS parameters for inference on ciphertexts. Every multiplication (a layer's plaintext weights,
 * a square, a polynomial's products) is followed by a rescale that drops one prime, so a circuit
 * of depth d needs d primes between the first (which carries the result) and the last (SEAL's
 * special key-switching prime): depth = coeffModulusBits.length - 2.
 *
 * Precision and room: values are encoded at 2^scaleBits; the result sits on the first prime
 * alone, so it must stay below 2^(first prime bits - scaleBits - 1) in magnitude.
 */
import { createHash } from 'node:crypto'
import { heError } from './errors.js'

export interface HeParams {
  /** Ring dimension N; a ciphertext holds N/2 values (one per row of a block). */
  polyModulusDegree: 8192 | 16384
  /** Bit sizes of the modulus primes: the result's prime, one per level of depth, the special prime. */
  coeffModulusBits: number[]
  /** log2 of the scale inputs are encoded at. */
  scaleBits: number
}

/** SEAL's largest total modulus for 128-bit security, per ring dimension. */
const MAX_MODULUS_BITS = { 8192: 218, 16384: 438 } as const

/** Bits the result keeps above the scale: values up to ±2^(bits - 1) decrypt correctly. */
const MIN_HEADROOM_BITS = 10

const preset = (polyModulusDegree: 8192 | 16384, coeffModulusBits: number[], scaleBits: number): Readonly<HeParams> =>
  Object.freeze({ polyModulusDegree, coeffModulusBits: Object.freeze(coeffModulusBits) as number[], scaleBits })

/**
 * Parameter sets by the depth they allow, smallest first. depth1 fits a linear model (logistic
 * regression with the sigmoid on the client); depth3 a linear layer and a polynomial sigmoid, or
 * linear, square, linear; depth7 (N = 16384, 8192 rows per block) deeper square networks.
 */
export const HE_PRESETS = Object.freeze({
  depth1: preset(8192, [60, 40, 60], 40),
  depth3: preset(8192, [50, 35, 35, 35, 50], 35),
  depth7: preset(16384, [60, 40, 40, 40, 40, 40, 40, 40, 60], 40),
})

/** Multiplicative depth a parameter set allows. */
export function heDepth(params: HeParams): number {
  return params.coeffModulusBits.length - 2
}

/** Rows per block: one per CKKS slot. */
export function heSlots(params: HeParams): number {
  return params.polyModulusDegree / 2
}

const bad = (message: string, params: unknown): Error => heError('HE_BAD_PARAMS', `Invalid HE parameters: ${message}.`, { params })

/** Checks parameters as received from anyone; returns a clean frozen copy, or HE_BAD_PARAMS. */
export function checkHeParams(p: unknown): HeParams {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) throw bad('expected an object { polyModulusDegree, coeffModulusBits, scaleBits }', p)
  const { polyModulusDegree: n, coeffModulusBits: bits, scaleBits } = p as Record<string, unknown>
  if (n !== 8192 && n !== 16384) throw bad('polyModulusDegree must be 8192 or 16384', p)
  if (!Array.isArray(bits) || bits.length < 3 || bits.length > 16 || !bits.every((b) => Number.isInteger(b) && b >= 20 && b <= 60)) {
    throw bad('coeffModulusBits must list 3 to 16 prime sizes (the result prime, one per level, the special prime), each 20 to 60 bits', p)
  }
  const primes = bits as number[]
  const total = primes.reduce((a, b) => a + b, 0)
  if (total > MAX_MODULUS_BITS[n]) throw bad(`the modulus has ${total} bits; N = ${n} allows ${MAX_MODULUS_BITS[n]} for 128-bit security`, p)
  const first = primes[0]!
  if (!Number.isInteger(scaleBits) || (scaleBits as number) < 20 || (scaleBits as number) > first - MIN_HEADROOM_BITS) {
    throw bad(`scaleBits must be an integer from 20 to ${first - MIN_HEADROOM_BITS} (the first prime's bits less ${MIN_HEADROOM_BITS} bits of room for the result)`, p)
  }
  if (primes[primes.length - 1]! < Math.max(...primes.slice(0, -1))) throw bad('the last (special) prime must be at least as large as every other', p)
  return preset(n, [...primes], scaleBits as number)
}

/** The smallest preset with at least `depth` levels, or HE_DEPTH_EXCEEDED. */
export function heParamsForDepth(depth: number): HeParams {
  if (!Number.isInteger(depth) || depth < 0) throw heError('HE_DEPTH_EXCEEDED', `A depth must be a non-negative integer, not ${String(depth)}.`, { depth })
  const fit = Object.values(HE_PRESETS).find((p) => heDepth(p) >= depth)
  if (fit === undefined) {
    const most = Math.max(...Object.values(HE_PRESETS).map(heDepth))
    throw heError('HE_DEPTH_EXCEEDED', `The model needs a multiplicative depth of ${depth}; the presets reach ${most}. Use a shallower model.`, { depth, max: most })
  }
  return fit
}

/** One canonical text per parameter set. */
export function heParamsFingerprint(params: HeParams): string {
  return JSON.stringify([params.polyModulusDegree, params.coeffModulusBits, params.scaleBits])
}

/** 16 bytes of SHA-256 over the fingerprint: what batches and results carry to name their parameters. */
export function heParamsHash(params: HeParams): Uint8Array {
  return createHash('sha256').update('w3ai/he/params/v1\n').update(heParamsFingerprint(params)).digest().subarray(0, 16)
}
