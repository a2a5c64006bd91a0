/**
 * CKKS parameters for summing encrypted vectors (no multiplications): one data prime is enough,
 * and every extra prime would double ciphertext size and encryption time for nothing.
 *
 * Precision with the defaults (N = 4096, one 60-bit prime, scale 2^28), measured: a fresh
 * encryption adds an error of about 4e-5 rms (3e-4 at most over 40k values) to each value, and a
 * sum of K ciphertexts about sqrt(K) times that; a sum must stay below `ckksCapacity` (2^29, about
 * 5.4e8) in every value, or it wraps around and decrypts to garbage. Security: 60 bits of modulus
 * at N = 4096 is well inside SEAL's 128-bit bound (109 bits).
 */
import { W3aiError } from '@w3ai/protocol'

export interface CkksParams {
  /** Ring dimension N (4096, 8192 or 16384); a ciphertext holds N values (two per complex slot). */
  polyModulusDegree: number
  /**
   * Bit sizes of the coefficient modulus primes. With more than one, SEAL keeps the last as the
   * special (key-switching) prime: ciphertexts carry the others, and public-key encryption gets
   * less noise (it is divided by the special prime) at about 1.8x the time.
   */
  coeffModulusBits: number[]
  /** log2 of the fixed-point scale values are multiplied by before rounding. */
  scaleBits: number
}

export const DEFAULT_CKKS_PARAMS: Readonly<CkksParams> = Object.freeze({ polyModulusDegree: 4096, coeffModulusBits: [60], scaleBits: 28 })

/** SEAL's largest total modulus for 128-bit security, per ring dimension. */
const MAX_MODULUS_BITS: Record<number, number> = { 4096: 109, 8192: 218, 16384: 438 }

/** Bits of the modulus ciphertexts carry (every prime but the special one). */
export function dataModulusBits(params: CkksParams): number {
  const bits = params.coeffModulusBits
  const data = bits.length > 1 ? bits.slice(0, -1) : bits
  return data.reduce((a, b) => a + b, 0)
}

/** Primes ciphertexts carry. */
export function dataPrimes(params: CkksParams): number {
  return Math.max(1, params.coeffModulusBits.length - 1)
}

/**
 * The largest magnitude a value may reach, summed over every vector added into it. The data
 * modulus q is at least 2^(bits-1) and decoding reads coefficients in (-q/2, q/2); a coefficient
 * is at most the largest slot magnitude, and a slot holds two values (real and imaginary parts,
 * so up to sqrt(2) times the largest of them): one bit for that and one more as margin for the noise.
 */
export function ckksCapacity(params: CkksParams): number {
  return 2 ** (dataModulusBits(params) - 3 - params.scaleBits)
}

/** Complex slots per ciphertext (each carries two values, see embedding.ts). */
export function ckksSlots(params: CkksParams): number {
  return params.polyModulusDegree / 2
}

function bad(message: string, params: unknown): W3aiError {
  return new W3aiError('FL_CKKS_BAD_PARAMS', `Invalid CKKS parameters: ${message}.`, { params })
}

/** Checks parameters (as received from anyone) and returns a clean, frozen copy; FL_CKKS_BAD_PARAMS otherwise. */
export function checkParams(params: unknown): CkksParams {
  if (typeof params !== 'object' || params === null) throw bad('expected an object', params)
  const { polyModulusDegree: n, coeffModulusBits: bits, scaleBits } = params as Record<string, unknown>
  const max = typeof n === 'number' ? MAX_MODULUS_BITS[n] : undefined
  if (max === undefined) throw bad(`polyModulusDegree must be one of ${Object.keys(MAX_MODULUS_BITS).join(', ')}`, params)
  if (!Array.isArray(bits) || bits.length < 1 || bits.length > 16 || !bits.every((b) => Number.isInteger(b) && b >= 20 && b <= 60)) {
    throw bad('coeffModulusBits must list 1 to 16 prime sizes, each 20 to 60 bits', params)
  }
  const total = (bits as number[]).reduce((a, b) => a + b, 0)
  if (total > max) throw bad(`the modulus has ${total} bits; N = ${n} allows ${max} for 128-bit security`, params)
  const clean: CkksParams = { polyModulusDegree: n as number, coeffModulusBits: Object.freeze([...(bits as number[])]) as number[], scaleBits: scaleBits as number }
  if (!Number.isInteger(scaleBits) || (scaleBits as number) < 10 || ckksCapacity(clean) < 1) {
    throw bad(`scaleBits must be an integer from 10 to ${dataModulusBits(clean) - 3}`, params)
  }
  return Object.freeze(clean)
}

/** One canonical text per parameter set (key ids hash it; contexts are cached under it). */
export function paramsFingerprint(params: CkksParams): string {
  return JSON.stringify([params.polyModulusDegree, params.coeffModulusBits, params.scaleBits])
}

export function sameParams(a: CkksParams, b: CkksParams): boolean {
  return paramsFingerprint(a) === paramsFingerprint(b)
}
