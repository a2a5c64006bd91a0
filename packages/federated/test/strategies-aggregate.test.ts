import { describe, expect, it } from 'vitest'
import { bulyan, clipToNorm, coordinateMedian, krumScores, krumSelect, l2Norm, subtract, addScaled, trimmedMean, weightedMean, type Parameters } from '../src/index.js'

const p = (...tensors: number[][]): Parameters => tensors.map((t) => Float32Array.from(t))
const plain = (x: Parameters): number[][] => x.map((t) => Array.from(t))
const scalars = (...values: number[]): Parameters[] => values.map((v) => p([v]))

describe('aggregation maths', () => {
  it('weightedMean accumulates in float64: a thousand small values average to the float32 of the exact mean', () => {
    const sets = Array.from({ length: 1000 }, (_, i) => p([i % 2 === 0 ? 1e-3 : 3e-3]))
    const out = weightedMean(sets, sets.map(() => 1))
    expect(out[0]?.[0]).toBe(Math.fround(2e-3))
  })

  it('weightedMean refuses mismatched shapes and all-zero weights', () => {
    expect(() => weightedMean([p([1, 2]), p([1])], [1, 1])).toThrow(RangeError)
    expect(() => weightedMean([p([1]), p([2])], [0, 0])).toThrow(/sum to zero/)
  })

  it('coordinateMedian takes the middle value, or the mean of the two middle ones', () => {
    expect(plain(coordinateMedian([p([1, 9]), p([5, 2]), p([100, 4])]))).toEqual([[5, 4]])
    expect(plain(coordinateMedian(scalars(1, 2, 3, 100)))).toEqual([[2.5]])
  })

  it('trimmedMean drops ⌊β·n⌋ values at each end of every coordinate', () => {
    expect(plain(trimmedMean(scalars(-1000, 1, 2, 3, 1000), 0.2))).toEqual([[2]])
    expect(plain(trimmedMean(scalars(1, 2, 3, 6), 0))).toEqual([[3]])
    expect(() => trimmedMean(scalars(1, 2), 0.5)).toThrow(RangeError)
  })

  it('krumScores sums the n − f − 2 smallest squared distances to the others', () => {
    // n = 5, f = 1: two neighbours each. Distances from 0: 1, 4, 9, 10000.
    const scores = krumScores(scalars(0, 1, 2, 3, 100), 1)
    expect(scores[0]).toBe(1 + 4)
    expect(scores[1]).toBe(1 + 1)
    expect(scores[4]).toBe(97 ** 2 + 98 ** 2)
    expect(() => krumScores(scalars(0, 1, 2, 3), 1)).toThrow(/more than 4/)
  })

  it('krumSelect returns the m best, ties broken by index', () => {
    expect(krumSelect(scalars(0, 1, 2, 3, 100), 1, 1)).toEqual([1])
    expect(krumSelect(scalars(0, 1, 2, 3, 100), 1, 3)).toEqual([1, 2, 0])
    expect(krumSelect(scalars(5, 5, 5, 5, 5), 1, 2)).toEqual([0, 1])
  })

  it('bulyan ignores f far-off sets and needs n >= 4f + 3', () => {
    const honest = [0.9, 1, 1.1, 1, 0.95, 1.05, 1, 0.98, 1.02]
    const out = bulyan(scalars(...honest, 1e6, -1e6), 2)
    expect(Math.abs((out[0]?.[0] ?? 0) - 1)).toBeLessThan(0.1)
    expect(() => bulyan(scalars(1, 2, 3, 4, 5, 6), 1)).toThrow(/at least 7/)
  })

  it('clipToNorm scales down to the norm only when above it', () => {
    const x = p([3, 0], [4])
    expect(l2Norm(x)).toBe(5)
    const { clipped, norm, scale } = clipToNorm(x, 1)
    expect([norm, scale]).toEqual([5, 0.2])
    expect(l2Norm(clipped)).toBeCloseTo(1, 6)
    expect(plain(clipToNorm(x, 10).clipped)).toEqual(plain(x))
  })

  it('subtract and addScaled are inverse', () => {
    const a = p([1, 2], [3])
    const b = p([0.5, -1], [2])
    expect(plain(addScaled(b, subtract(a, b)))).toEqual(plain(a))
  })
})
