import { describe, expect, it } from 'vitest'
import { defaultParameters } from '../src/parameters.js'
import {
  computeCharge,
  computePriceBounds,
  priceWithin,
  quoteCompute,
  quoteServing,
  quoteStorage,
  resourceClassOf,
  shareOf,
  splitFee,
} from '../src/settlement.js'

/** A small deterministic generator (mulberry32) so the property runs replay. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('splitFee', () => {
  it('takes the fee, then the treasury and burn shares of it; the nodes keep the rest', () => {
    expect(splitFee(10_000n, { feeRateBps: 500, treasuryShareBps: 3000, burnShareBps: 2000 })).toEqual({ fee: 500n, treasury: 150n, burn: 100n, nodes: 9750n })
  })

  it('gives every unit the rounding leaves to the nodes', () => {
    // fee = floor(999 × 0.05) = 49; treasury floor(14.7) = 14; burn floor(9.8) = 9
    expect(splitFee(999n, { feeRateBps: 500, treasuryShareBps: 3000, burnShareBps: 2000 })).toEqual({ fee: 49n, treasury: 14n, burn: 9n, nodes: 976n })
    expect(splitFee(1n, { feeRateBps: 9999, treasuryShareBps: 5000, burnShareBps: 5000 })).toEqual({ fee: 0n, treasury: 0n, burn: 0n, nodes: 1n })
  })

  it('never loses or makes a unit, whatever the amount and parameters (seeded)', () => {
    const seed = 20251111
    const r = rng(seed)
    for (let i = 0; i < 5000; i++) {
      const amount = BigInt(Math.floor(r() * 2 ** 48)) * BigInt(Math.floor(r() * 2 ** 40)) + BigInt(Math.floor(r() * 1000))
      const treasuryShareBps = Math.floor(r() * 10_001)
      const burnShareBps = Math.floor(r() * (10_001 - treasuryShareBps))
      const p = { feeRateBps: Math.floor(r() * 10_001), treasuryShareBps, burnShareBps }
      const s = splitFee(amount, p)
      expect(s.nodes + s.treasury + s.burn, `seed ${seed}, case ${i}`).toBe(amount)
      expect(s.fee).toBe((amount * BigInt(p.feeRateBps)) / 10_000n)
      expect(s.treasury + s.burn <= s.fee).toBe(true)
      expect(s.nodes >= amount - s.fee).toBe(true)
    }
  })

  it('refuses shares that do not fit in the fee', () => {
    expect(() => splitFee(100n, { feeRateBps: 500, treasuryShareBps: 6000, burnShareBps: 5000 })).toThrow(RangeError)
    expect(() => shareOf(100n, 10_001)).toThrow(RangeError)
    expect(() => shareOf(-1n, 10)).toThrow(RangeError)
  })

  it('splits with the governed defaults', () => {
    const p = defaultParameters()
    const amount = 123_456_789_012_345_678n
    const s = splitFee(amount, p)
    const fee = (amount * BigInt(p.feeRateBps)) / 10_000n
    expect(s.treasury).toBe((fee * BigInt(p.treasuryShareBps)) / 10_000n)
    expect(s.burn).toBe((fee * BigInt(p.burnShareBps)) / 10_000n)
    expect(s.nodes).toBe(amount - s.treasury - s.burn)
  })
})

describe('prices', () => {
  const p = defaultParameters()

  it('clamps a node price into the governed bounds; no price is the minimum', () => {
    const b = computePriceBounds(p, 'cpu')
    expect(priceWithin(undefined, b)).toBe(p.computePricePerTaskSecondCpuMin)
    expect(priceWithin(0n, b)).toBe(b.min)
    expect(priceWithin(b.max + 1n, b)).toBe(b.max)
    expect(priceWithin(b.min + 7n, b)).toBe(b.min + 7n)
    expect(computePriceBounds(p, 'gpu')).toEqual({ min: p.computePricePerTaskSecondGpuMin, max: p.computePricePerTaskSecondGpuMax })
  })

  it('classes a task needing a GPU as gpu, any other as cpu', () => {
    expect(resourceClassOf({})).toBe('cpu')
    const needs = { memoryGb: 4, cpuCores: 2 }
    expect(resourceClassOf(needs)).toBe('cpu')
    expect(resourceClassOf({ gpus: 1 })).toBe('gpu')
    expect(resourceClassOf({ gpuMemoryGb: 8 })).toBe('gpu')
  })
})

describe('quotes and charges', () => {
  it('quotes a job at its time limit for every replica it may run', () => {
    const q = quoteCompute({ pricePerSecond: 1_000_000n, limitSeconds: 600, replicas: 2, tieBreakers: 2 })
    expect(q.perReplica).toBe(600_000_000n)
    expect(q.amount).toBe(2_400_000_000n)
    expect(() => quoteCompute({ pricePerSecond: 1n, limitSeconds: 1.5, replicas: 1, tieBreakers: 0 })).toThrow(RangeError)
  })

  it('charges measured time, rounded down to the unit and capped at the limit', () => {
    expect(computeCharge(1500, 1_000n, 600)).toBe(1_500n)
    expect(computeCharge(1, 999n, 600)).toBe(0n)
    expect(computeCharge(3, 999n, 600)).toBe(2n)
    expect(computeCharge(10_000_000, 1_000n, 600)).toBe(600_000n)
    expect(computeCharge(0, 1_000n, 600)).toBe(0n)
    expect(() => computeCharge(-1, 1n, 1)).toThrow(RangeError)
  })

  it('quotes storage per GiB-hour, rounding up, and serving per call', () => {
    expect(quoteStorage({ storedBytes: 1024n ** 3n, hours: 24, pricePerGiBHour: 10n })).toBe(240n)
    expect(quoteStorage({ storedBytes: 1n, hours: 1, pricePerGiBHour: 1n })).toBe(1n)
    expect(quoteStorage({ storedBytes: 0n, hours: 5, pricePerGiBHour: 7n })).toBe(0n)
    expect(quoteServing(5n, 3)).toBe(15n)
    expect(quoteServing(5n)).toBe(5n)
  })
})
