import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../src/backoff.js'

describe('reconnect backoff', () => {
  it('doubles from the base up to the maximum', () => {
    const top = (attempt: number) => backoffDelay(attempt, { baseMs: 500, maxMs: 10_000, random: () => 1 })
    expect([0, 1, 2, 3, 4, 5, 6].map(top)).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000])
  })

  it('never waits less than half the ceiling, so retries are not instant', () => {
    expect(backoffDelay(0, { baseMs: 500, random: () => 0 })).toBe(250)
    expect(backoffDelay(10, { maxMs: 10_000, random: () => 0 })).toBe(5000)
  })
})
