import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { backoffSchedule, isTransient, notDelivered, retry, whileUnreachable } from '../src/retry.js'

const noWait = async (): Promise<void> => undefined

describe('backoffSchedule', () => {
  it('fills in the defaults and always uses full jitter', () => {
    expect(backoffSchedule()).toEqual({ initialMs: 250, maxMs: 5000, jitter: 'full' })
    const random = (): number => 0.5
    expect(backoffSchedule({ initialMs: 10, maxMs: 100, random })).toEqual({ initialMs: 10, maxMs: 100, jitter: 'full', random })
  })

  it('keeps the defaults where a field is given as undefined', () => {
    expect(backoffSchedule({ initialMs: undefined, maxMs: 20 } as never)).toEqual({ initialMs: 250, maxMs: 20, jitter: 'full' })
  })
})

describe('retry', () => {
  it('runs again until success and passes the attempt number', async () => {
    const seen: number[] = []
    const value = await retry(
      async (attempt) => {
        seen.push(attempt)
        if (attempt < 2) throw new Error('flaky')
        return 'done'
      },
      { retryOn: () => true, sleep: noWait },
    )
    expect(value).toBe('done')
    expect(seen).toEqual([0, 1, 2])
  })

  it('stops at a final error and after the last attempt, throwing the last error', async () => {
    let calls = 0
    await expect(retry(async () => Promise.reject(new Error(`final ${++calls}`)), { retryOn: () => false, sleep: noWait })).rejects.toThrow('final 1')
    calls = 0
    await expect(retry(async () => Promise.reject(new Error(`again ${++calls}`)), { retryOn: () => true, attempts: 4, sleep: noWait })).rejects.toThrow('again 4')
  })

  it('stops waiting and retrying when its signal aborts', async () => {
    const abort = new AbortController()
    let calls = 0
    const run = retry(
      async () => {
        calls++
        throw new Error('down')
      },
      {
        retryOn: () => true,
        signal: abort.signal,
        sleep: async () => abort.abort(),
      },
    )
    await expect(run).rejects.toThrow('down')
    expect(calls).toBe(1)
  })
})

describe('classifying failures', () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })

  it('knows a refused connection never delivered the request, a reset one may have', () => {
    expect([notDelivered(refused), notDelivered(reset)]).toEqual([true, false])
    expect([isTransient(refused), isTransient(reset)]).toEqual([true, true])
  })

  it('treats answers and aborts as final, HUB_UNREACHABLE as transient', () => {
    expect(isTransient(new W3aiError('STORAGE_ORDER_INVALID'))).toBe(false)
    expect(isTransient(new W3aiError('HUB_UNREACHABLE'))).toBe(true)
    expect(isTransient(Object.assign(new Error('aborted'), { name: 'AbortError' }))).toBe(false)
    expect(isTransient(new Error('something else'))).toBe(false)
  })
})

describe('whileUnreachable', () => {
  it('keeps calling through HUB_UNREACHABLE until an answer, telling each wait', async () => {
    let calls = 0
    const waits: number[] = []
    const value = await whileUnreachable(
      async () => {
        if (++calls <= 3) throw new W3aiError('HUB_UNREACHABLE')
        return calls
      },
      Number.MAX_SAFE_INTEGER,
      { sleep: noWait, random: () => 0.5, initialMs: 10, onUnreachable: (_e, ms) => waits.push(ms) },
    )
    expect(value).toBe(4)
    expect(waits).toEqual([5, 10, 20])
  })

  it('throws other errors at once, and HUB_UNREACHABLE at the deadline', async () => {
    await expect(whileUnreachable(async () => Promise.reject(new W3aiError('JOB_NOT_FOUND')), Number.MAX_SAFE_INTEGER, { sleep: noWait })).rejects.toMatchObject({ code: 'JOB_NOT_FOUND' })
    let clock = 0
    let calls = 0
    const run = whileUnreachable(
      async () => {
        calls++
        throw new W3aiError('HUB_UNREACHABLE')
      },
      100,
      { now: () => clock, sleep: async (ms) => void (clock += ms), initialMs: 40, random: () => 0.999 },
    )
    await expect(run).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' })
    // waits of 39 and 61 (cut to the deadline) fit before the deadline at 100
    expect(calls).toBe(3)
  })
})
