/**
 * Shamir secret sharing, t of n, over GF(2^8) byte by byte (each byte of the secret is the constant
 * term of its own random polynomial of degree t - 1). Any t shares rebuild the secret; fewer are
 * uniformly random whatever the secret. Share x-coordinates are 1..255, so at most 255 shares.
 *
 * GF(2^8) rather than a big prime field: secrets of any length (32-byte keys and seeds here) need no
 * encoding into field elements, and the arithmetic is table lookups.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto'

/** One share: its x-coordinate (1..255) and one field element per secret byte. */
export interface SecretShare {
  x: number
  y: Uint8Array
}

export const MAX_SHARES = 255

// exp/log tables for the AES field (x^8 + x^4 + x^3 + x + 1) with generator 3.
const EXP = new Uint8Array(510)
const LOG = new Uint8Array(256)
{
  let v = 1
  for (let i = 0; i < 255; i++) {
    EXP[i] = v
    EXP[i + 255] = v
    LOG[v] = i
    v ^= (v << 1) ^ (v & 0x80 ? 0x11b : 0)
    v &= 0xff
  }
}

function mul(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : (EXP[(LOG[a] as number) + (LOG[b] as number)] as number)
}

function div(a: number, b: number): number {
  if (b === 0) throw new RangeError('division by zero in GF(256)')
  return a === 0 ? 0 : (EXP[(LOG[a] as number) + 255 - (LOG[b] as number)] as number)
}

/** Splits `secret` into `count` shares (x = 1..count), any `threshold` of which rebuild it. */
export function splitSecret(
  secret: Uint8Array,
  threshold: number,
  count: number,
  randomBytes: (n: number) => Uint8Array = cryptoRandomBytes,
): SecretShare[] {
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError('the threshold is an integer of at least 1')
  if (!Number.isInteger(count) || count < threshold || count > MAX_SHARES) throw new RangeError(`the share count is an integer from the threshold to ${MAX_SHARES}`)
  if (secret.byteLength === 0) throw new RangeError('the secret is empty')
  const len = secret.byteLength
  // coefficients[d * len + b]: the degree-d coefficient of byte b's polynomial (degree 0 is the secret).
  const coefficients = new Uint8Array(threshold * len)
  coefficients.set(secret, 0)
  if (threshold > 1) coefficients.set(randomBytes((threshold - 1) * len).subarray(0, (threshold - 1) * len), len)
  const shares: SecretShare[] = []
  for (let x = 1; x <= count; x++) {
    const y = new Uint8Array(len)
    // Horner's rule from the highest degree down.
    for (let d = threshold - 1; d >= 0; d--) {
      const row = d * len
      for (let b = 0; b < len; b++) y[b] = mul(y[b] as number, x) ^ (coefficients[row + b] as number)
    }
    shares.push({ x, y })
  }
  coefficients.fill(0)
  return shares
}

/** The value at `at` of the polynomial through the shares (Lagrange), byte by byte. */
function interpolate(shares: readonly SecretShare[], at: number, len: number): Uint8Array {
  const out = new Uint8Array(len)
  const xs = shares.map((s) => s.x)
  shares.forEach((share, i) => {
    let w = 1
    xs.forEach((xj, j) => {
      if (j !== i) w = mul(w, div(xj ^ at, xj ^ (xs[i] as number)))
    })
    for (let b = 0; b < len; b++) out[b] = (out[b] as number) ^ mul(w, share.y[b] as number)
  })
  return out
}

/**
 * Rebuilds the secret from at least `threshold` shares. Refuses fewer shares, x outside 1..255,
 * duplicate x, and shares of different lengths; shares beyond the threshold must lie on the same
 * polynomial as the first `threshold` ones, so a wrong extra share is caught rather than blended in.
 */
export function combineShares(shares: readonly SecretShare[], threshold: number): Uint8Array {
  if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError('the threshold is an integer of at least 1')
  if (shares.length < threshold) throw new RangeError(`${shares.length} shares given, ${threshold} needed`)
  const len = shares[0]?.y.byteLength ?? 0
  const seen = new Set<number>()
  for (const share of shares) {
    if (!Number.isInteger(share.x) || share.x < 1 || share.x > MAX_SHARES) throw new RangeError(`share x=${share.x} is outside 1..${MAX_SHARES}`)
    if (seen.has(share.x)) throw new RangeError(`two shares have x=${share.x}`)
    seen.add(share.x)
    if (share.y.byteLength !== len || len === 0) throw new RangeError('shares differ in length')
  }
  const basis = shares.slice(0, threshold)
  for (const extra of shares.slice(threshold)) {
    const expected = interpolate(basis, extra.x, len)
    let diff = 0
    for (let b = 0; b < len; b++) diff |= (expected[b] as number) ^ (extra.y[b] as number)
    if (diff !== 0) throw new RangeError(`share x=${extra.x} is not on the same polynomial as the others`)
  }
  return interpolate(basis, 0, len)
}
