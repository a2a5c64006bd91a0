import { describe, expect, it } from 'vitest'
import { seededRandom } from '@w3ai/util'
import { quantizeUpdate, resolveSecAggConfig, runSecAggRound, type SecAggStage } from '../src/index.js'

const SIZE = 20_000
const ids = Array.from({ length: 10 }, (_, i) => `client-${i}`)

/** Runs a round where client-0 sends `first` and the others random values; returns what the server received. */
function serverView(first: Float32Array, dropAt: Record<string, SecAggStage> = {}): Record<string, unknown>[] {
  const view: Record<string, unknown>[] = []
  const random = seededRandom(7)
  runSecAggRound({
    roundId: 'r',
    updates: ids.map((clientId, i) => ({ clientId, parameters: [i === 0 ? first : Float32Array.from({ length: SIZE }, () => random() - 0.5)], numExamples: 1000 + i })),
    dropAt,
    onServerMessage: (m) => view.push(m as Record<string, unknown>),
  })
  return view
}

function vectorOf(view: Record<string, unknown>[], clientId: string): Uint32Array {
  const message = view.find((m) => m.stage === 'collect-masked-vectors' && m.clientId === clientId) as { vector: string }
  const bytes = Buffer.from(message.vector, 'base64url')
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
}

/** Counts of the top byte of each word: 256 buckets. */
function buckets(words: Uint32Array): number[] {
  const counts = new Array<number>(256).fill(0)
  for (const w of words) counts[w >>> 24] = (counts[w >>> 24] as number) + 1
  return counts
}

/** Pearson's chi-square against the uniform distribution. */
function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0)
  const expected = total / counts.length
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0)
}

/** Chi-square test of homogeneity: do two histograms come from the same distribution? */
function chiSquareTwoSample(a: number[], b: number[]): number {
  const na = a.reduce((x, y) => x + y, 0)
  const nb = b.reduce((x, y) => x + y, 0)
  return a.reduce((s, ai, i) => {
    const bi = b[i] as number
    const pooled = (ai + bi) / (na + nb)
    return pooled === 0 ? s : s + (ai - na * pooled) ** 2 / (na * pooled) + (bi - nb * pooled) ** 2 / (nb * pooled)
  }, 0)
}

// 255 degrees of freedom: the statistic averages 255 with a standard deviation of 22.6; 400 is
// beyond p = 1e-7, so these tests flake about once in ten million runs.
const CHI2_LIMIT = 400

describe('what the SecAgg+ aggregator sees', () => {
  it('is uniform mod 2^32 whatever the update: all +c and all -c give indistinguishable masked vectors', () => {
    const high = vectorOf(serverView(new Float32Array(SIZE).fill(8)), 'client-0')
    const low = vectorOf(serverView(new Float32Array(SIZE).fill(-8)), 'client-0')
    // The quantized updates are constant (every word the same), the masked ones spread evenly.
    expect(chiSquareUniform(buckets(high))).toBeLessThan(CHI2_LIMIT)
    expect(chiSquareUniform(buckets(low))).toBeLessThan(CHI2_LIMIT)
    expect(chiSquareTwoSample(buckets(high), buckets(low))).toBeLessThan(CHI2_LIMIT)
    // Low bytes too (a carry-free leak would show there first).
    const lowByte = (v: Uint32Array): number[] => buckets(v.map((w) => (w & 0xff) << 24))
    expect(chiSquareTwoSample(lowByte(high), lowByte(low))).toBeLessThan(CHI2_LIMIT)
  })

  it('holds no unmasked value: no number fields, no word equal to the quantized update, no example count', () => {
    const update = Float32Array.from({ length: SIZE }, (_, i) => (i % 7) / 10)
    const view = serverView(update, { 'client-3': 'collect-masked-vectors' })
    const numbers: unknown[] = []
    const walk = (value: unknown): void => {
      if (typeof value === 'number') numbers.push(value)
      else if (typeof value === 'object' && value !== null) Object.values(value).forEach(walk)
    }
    view.forEach(walk)
    expect(numbers).toEqual([])
    const config = resolveSecAggConfig({ roundId: 'r', clients: ids, tensorSizes: [SIZE] })
    const plain = quantizeUpdate([update], 1000, config)
    const masked = vectorOf(view, 'client-0')
    // Equal words would turn up by chance once in 2^32 per position.
    expect(masked.filter((w, i) => w === plain[i]).length).toBe(0)
    expect(masked[SIZE]).not.toBe(1000)
  })

  it('learns nothing from adding the masked vectors up: self masks, and a dropped client\'s pairwise masks, stay until unmasking', () => {
    const update = new Float32Array(SIZE).fill(0.5)
    const view = serverView(update, { 'client-3': 'collect-masked-vectors' })
    const sum = new Uint32Array(SIZE + 1)
    for (const id of ids.filter((id) => id !== 'client-3')) {
      const v = vectorOf(view, id)
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (v[i] as number)
    }
    expect(chiSquareUniform(buckets(sum))).toBeLessThan(CHI2_LIMIT)
  })

  it('gets key shares only of clients that dropped and seed shares only of clients that did not, never both', () => {
    const view = serverView(new Float32Array(SIZE), { 'client-2': 'collect-masked-vectors', 'client-5': 'collect-masked-vectors' })
    const reveals = view.filter((m) => m.stage === 'unmask') as { seedShares: Record<string, string>; keyShares: Record<string, string> }[]
    const seedOwners = new Set(reveals.flatMap((r) => Object.keys(r.seedShares)))
    const keyOwners = new Set(reveals.flatMap((r) => Object.keys(r.keyShares)))
    expect([...keyOwners].sort()).toEqual(['client-2', 'client-5'])
    expect([...seedOwners].filter((id) => keyOwners.has(id))).toEqual([])
  })
})
