import { describe, expect, it } from 'vitest'
import { firstSuccesses } from '../src/index.js'
import { delay } from './helpers.js'

describe('firstSuccesses', () => {
  it('starts a replacement only when a task fails, and stops at `needed`', async () => {
    const started: number[] = []
    const outcome = await firstSuccesses({
      items: [0, 1, 2, 3, 4, 5],
      needed: 2,
      concurrency: 3,
      run: async (i, signal) => {
        started.push(i)
        await delay(i === 0 ? 1 : 5 + i, signal)
        if (i === 1) throw new Error('down')
        return i * 10
      },
    })
    expect(outcome.successes.map((s) => s.result)).toEqual([0, 20])
    expect(outcome.failures.map((f) => f.item)).toEqual([1])
    expect(started).toEqual([0, 1, 2, 3])
  })

  it('with a hedge delay, starts no spare when the first `needed` are quick', async () => {
    const started: number[] = []
    const outcome = await firstSuccesses({
      items: [0, 1, 2, 3],
      needed: 2,
      concurrency: 4,
      hedgeAfterMs: 60_000,
      run: async (i) => {
        started.push(i)
        return i
      },
    })
    expect(outcome.successes.map((s) => s.result)).toEqual([0, 1])
    expect(started).toEqual([0, 1])
  })

  it('with a hedge delay, races the spares against a stalled task once the delay passes', async () => {
    const started: number[] = []
    const outcome = await firstSuccesses({
      items: [0, 1, 2, 3],
      needed: 2,
      concurrency: 4,
      hedgeAfterMs: 20,
      run: async (i, signal) => {
        started.push(i)
        if (i === 1) await delay(60_000, signal)
        return i
      },
    })
    expect(outcome.successes.map((s) => s.result)).toEqual([0, 2])
    expect(started).toEqual([0, 1, 2, 3])
  })

  it('gives up as soon as `needed` is out of reach, aborting what still runs', async () => {
    let aborted = 0
    const outcome = await firstSuccesses({
      items: [0, 1, 2],
      needed: 2,
      concurrency: 3,
      run: async (i, signal) => {
        signal.addEventListener('abort', () => aborted++)
        if (i < 2) throw new Error('down')
        await delay(10_000, signal)
        return i
      },
    })
    expect(outcome.successes).toHaveLength(0)
    expect(outcome.failures).toHaveLength(2)
    expect(aborted).toBe(1)
  })

  it('treats a synchronous throw and a rejected result as failures', async () => {
    const outcome = await firstSuccesses({
      items: [0, 1, 2],
      needed: 1,
      concurrency: 1,
      run: (i) => {
        if (i === 0) throw new Error('sync')
        return Promise.resolve(i)
      },
      accept: (_i, r) => r !== 1,
    })
    expect(outcome.successes.map((s) => s.result)).toEqual([2])
    expect(outcome.failures).toHaveLength(2)
  })

  it('resolves at once for needed = 0 and with nothing to run', async () => {
    expect((await firstSuccesses({ items: [1], needed: 0, concurrency: 1, run: async () => 1 })).successes).toEqual([])
    expect((await firstSuccesses({ items: [], needed: 1, concurrency: 1, run: async () => 1 })).successes).toEqual([])
  })
})
