import { describe, expect, it } from 'vitest'
import { Backoff, backoffDelay, backoffProblem, type BackoffOptions } from '../src/index.js'

const top = (): number => 0.999999
const bottom = (): number => 0
const delays = (options: BackoffOptions, attempts: number[]): number[] => attempts.map((a) => backoffDelay(a, options))

describe('backoffDelay', () => {
  it('full jitter draws from 0 up to an exponential base capped at maxMs', () => {
    const o = { initialMs: 100, maxMs: 1000, jitter: 'full' } as const
    expect(delays({ ...o, random: top }, [0, 1, 2, 3, 4, 5, 10])).toEqual([99, 199, 399, 799, 999, 999, 999])
    expect(backoffDelay(7, { ...o, random: bottom })).toBe(0)
    expect(backoffDelay(1, { ...o, random: () => 0.5 })).toBe(100)
  })

  it('equal jitter never waits less than half the base, so retries are not instant', () => {
    const o = { initialMs: 500, maxMs: 10_000, jitter: 'equal' } as const
    expect(delays({ ...o, random: () => 1 }, [0, 1, 2, 3, 4, 5, 6])).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000])
    expect(backoffDelay(0, { ...o, random: bottom })).toBe(250)
    expect(backoffDelay(10, { ...o, random: bottom })).toBe(5000)
  })

  it('a jitter share keeps the delay within base · (1 ± share); share 0 gives the base', () => {
    const o = { initialMs: 1000, maxMs: 1000, jitter: 0.2 }
    expect(backoffDelay(0, { ...o, random: bottom })).toBe(800)
    expect(backoffDelay(0, { ...o, random: top })).toBe(1199)
    expect(backoffDelay(0, { ...o, random: () => 0.5 })).toBe(1000)
    expect(delays({ initialMs: 250, maxMs: 1000, jitter: 0 }, [0, 1, 2, 3])).toEqual([250, 500, 1000, 1000])
  })

  it('treats a negative attempt as the first', () => {
    expect(backoffDelay(-3, { initialMs: 40, maxMs: 100, jitter: 0 })).toBe(40)
  })
})

describe('Backoff', () => {
  it('doubles per failure up to the ceiling and starts over after reset()', () => {
    const b = new Backoff({ initialMs: 250, maxMs: 1000, jitter: 0 })
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([250, 500, 1000, 1000])
    b.reset()
    expect(b.next()).toBe(250)
  })

  it('draws its jitter from the injected source', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 1000, jitter: 'full', random: () => 0.5 })
    expect([b.next(), b.next(), b.next()]).toEqual([5, 10, 20])
  })

  it('stays at the ceiling however many failures come', () => {
    const b = new Backoff({ initialMs: 1, maxMs: 8, jitter: 0 })
    for (let i = 0; i < 5000; i++) b.next()
    expect(b.next()).toBe(8)
  })
})

describe('backoffProblem', () => {
  it('accepts sound options and names what is wrong otherwise', () => {
    expect(backoffProblem({ initialMs: 1, maxMs: 1, jitter: 'full' })).toBeUndefined()
    expect(backoffProblem({ initialMs: 1, maxMs: 2, jitter: 1 })).toBeUndefined()
    expect(backoffProblem({ initialMs: 0, maxMs: 2, jitter: 0 })).toMatch(/initialMs/)
    expect(backoffProblem({ initialMs: 3, maxMs: 2, jitter: 0 })).toMatch(/initialMs <= maxMs/)
    expect(backoffProblem({ initialMs: 1, maxMs: 2, jitter: 1.5 })).toMatch(/jitter/)
    expect(backoffProblem({ initialMs: 1, maxMs: 2, jitter: 'half' as never })).toMatch(/jitter/)
  })
})
