import { describe, expect, it } from 'vitest'
import { PhiAccrualDetector, phi, statusForPhi } from '../src/index.js'

describe('phi-accrual failure detector', () => {
  it('stays online while heartbeats arrive on time', () => {
    const d = new PhiAccrualDetector({ expectedIntervalMs: 1000 })
    for (let t = 0; t <= 20_000; t += 1000) d.heartbeat(t)
    expect(statusForPhi(d.phi(20_900))).toBe('online')
  })

  it('grows suspicion monotonically as a node falls silent, reaching offline within a few intervals', () => {
    const d = new PhiAccrualDetector({ expectedIntervalMs: 1000 })
    for (let t = 0; t <= 10_000; t += 1000) d.heartbeat(t)
    const values = [11_000, 12_000, 12_500, 13_000, 13_500, 14_000].map((t) => d.phi(t))
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!)
    expect(statusForPhi(d.phi(12_500))).not.toBe('offline')
    expect(statusForPhi(d.phi(14_500))).toBe('offline')
  })

  it('tolerates jittery heartbeats more than regular ones', () => {
    const regular = new PhiAccrualDetector({ expectedIntervalMs: 1000, minStdDevMs: 10, acceptablePauseMs: 0 })
    const jittery = new PhiAccrualDetector({ expectedIntervalMs: 1000, minStdDevMs: 10, acceptablePauseMs: 0 })
    let t = 0
    for (let i = 0; i < 50; i++) {
      regular.heartbeat(i * 1000)
      t += i % 2 === 0 ? 500 : 1500
      jittery.heartbeat(t)
    }
    expect(jittery.phi(t + 1800)).toBeLessThan(regular.phi(49_000 + 1800))
  })

  it('is zero before the first heartbeat and finite for huge silences', () => {
    const d = new PhiAccrualDetector({ expectedIntervalMs: 1000 })
    expect(d.phi(5000)).toBe(0)
    d.heartbeat(0)
    expect(Number.isFinite(d.phi(1e9))).toBe(true)
    expect(phi(0, 1000, 250)).toBeLessThan(0.01)
  })
})
