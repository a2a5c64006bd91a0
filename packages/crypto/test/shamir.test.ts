import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { combineShares, splitSecret, type SecretShare } from '../src/index.js'

/** Every k-element subset of `items`. */
function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]]
  if (items.length < k) return []
  const [head, ...rest] = items as [T, ...T[]]
  return [...subsets(rest, k - 1).map((s) => [head, ...s]), ...subsets(rest, k)]
}

/** Pearson's chi-square statistic of byte counts against the uniform distribution. */
function chiSquareBytes(bytes: Uint8Array): number {
  const counts = new Array<number>(256).fill(0)
  for (const b of bytes) counts[b] = (counts[b] as number) + 1
  const expected = bytes.length / 256
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
}

describe('Shamir secret sharing over GF(256)', () => {
  it('rebuilds a 32-byte secret from every subset of threshold shares', () => {
    const secret = randomBytes(32)
    const shares = splitSecret(secret, 3, 6)
    expect(shares.map((s) => s.x)).toEqual([1, 2, 3, 4, 5, 6])
    for (const subset of subsets(shares, 3)) expect(Buffer.from(combineShares(subset, 3))).toEqual(secret)
    expect(Buffer.from(combineShares([...shares].reverse(), 3))).toEqual(secret)
  })

  it('handles the edges: threshold 1 copies the secret, threshold n needs every share, 255 shares at most', () => {
    const secret = randomBytes(16)
    for (const share of splitSecret(secret, 1, 4)) expect(Buffer.from(share.y)).toEqual(secret)
    const all = splitSecret(secret, 5, 5)
    expect(Buffer.from(combineShares(all, 5))).toEqual(secret)
    const many = splitSecret(secret, 200, 255)
    expect(Buffer.from(combineShares(many.slice(55), 200))).toEqual(secret)
    expect(() => splitSecret(secret, 2, 256)).toThrow(RangeError)
    expect(() => splitSecret(secret, 4, 3)).toThrow(RangeError)
    expect(() => splitSecret(secret, 0, 3)).toThrow(RangeError)
    expect(() => splitSecret(new Uint8Array(0), 1, 3)).toThrow(RangeError)
  })

  it('is deterministic for a given randomness source', () => {
    const fixed = (n: number): Uint8Array => new Uint8Array(n).fill(7)
    const secret = Buffer.from('a secret of some length')
    expect(splitSecret(secret, 3, 5, fixed)).toEqual(splitSecret(secret, 3, 5, fixed))
  })

  it('refuses fewer than threshold shares, duplicate or out-of-range x, and mixed lengths', () => {
    const shares = splitSecret(randomBytes(32), 3, 5)
    const [a, b, c] = shares as [SecretShare, SecretShare, SecretShare]
    expect(() => combineShares([a, b], 3)).toThrow(/2 shares given, 3 needed/)
    expect(() => combineShares([a, b, { x: a.x, y: c.y }], 3)).toThrow(/two shares have x=1/)
    expect(() => combineShares([a, b, { x: 0, y: c.y }], 3)).toThrow(/outside/)
    expect(() => combineShares([a, b, { x: 256, y: c.y }], 3)).toThrow(/outside/)
    expect(() => combineShares([a, b, { x: c.x, y: c.y.subarray(1) }], 3)).toThrow(/length/)
  })

  it('catches a wrong share when more than threshold shares are given', () => {
    const secret = randomBytes(32)
    const shares = splitSecret(secret, 3, 5)
    const tampered = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }))
    const last = tampered[4] as SecretShare
    last.y[9] = (last.y[9] as number) ^ 1
    expect(() => combineShares(tampered, 3)).toThrow(/not on the same polynomial/)
    // Shares from two different splits of the same secret do not combine either.
    const other = splitSecret(secret, 3, 5)
    expect(() => combineShares([shares[0], shares[1], shares[2], other[3]] as SecretShare[], 3)).toThrow(/not on the same polynomial/)
  })

  it('gives fewer than threshold shares no information: the same uniform bytes whatever the secret', () => {
    // Two opposite secrets, many splits each: any threshold-1 shares are uniform bytes, so their
    // byte frequencies pass a chi-square test (255 degrees of freedom; 400 is p < 1e-7).
    for (const secret of [new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
      const seen: number[] = []
      for (let i = 0; i < 200; i++) {
        const shares = splitSecret(secret, 3, 5)
        for (const share of shares.slice(1, 3)) seen.push(...share.y)
      }
      expect(chiSquareBytes(Uint8Array.from(seen))).toBeLessThan(400)
    }
    // And two shares of a 3-of-n split rule out no secret: completed by each of the 256 possible
    // third shares they rebuild each of the 256 possible secrets exactly once.
    const [a, b] = splitSecret(Uint8Array.of(42), 3, 5) as [SecretShare, SecretShare]
    const secrets = new Set<number>()
    for (let y = 0; y < 256; y++) secrets.add(combineShares([a, b, { x: 255, y: Uint8Array.of(y) }], 3)[0] as number)
    expect(secrets.size).toBe(256)
  })
})
