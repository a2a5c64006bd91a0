/**
 * Seeded pseudo-random numbers, so a simulation, a benchmark fleet or a training run with the same
 * seed gives the same result everywhere (Node and browsers alike). Not for secrets: use
 * crypto.getRandomValues for keys and nonces.
 */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Random = () => number

/** mulberry32: a fast 32-bit generator; the same seed gives the same sequence. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A standard normal deviate (Box–Muller) from a uniform source. */
export function normal(random: Random): number {
  const u = 1 - random()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
}

/** A permutation of 0..n-1 drawn from `random` (Fisher–Yates). */
export function permutation(n: number, random: Random): Int32Array {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const t = out[i] as number
    out[i] = out[j] as number
    out[j] = t
  }
  return out
}
