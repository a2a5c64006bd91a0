/**
 * The task loop against a fake hub: never more than `slots` tasks held at once, one claim loop
 * (one claim at a time, one timer), tasks run through the injected executor, and a stopped runner
 * leaves nothing scheduled.
 */
import type { ClaimedTask } from '@w3ai/protocol'
import { pino } from 'pino'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Outcome } from '../src/outbox.js'
import type { ExecuteTask } from '../src/task-executor.js'
import { TaskRunner } from '../src/task-runner.js'

const log = pino({ enabled: false })

function task(i: number): ClaimedTask {
  return {
    id: `t_${i}`,
    jobId: `j_${i}`,
    replica: 0,
    executor: 'onnx',
    params: {},
    leaseId: `lease-${i}`,
    leaseExpiresAt: new Date(Date.now() + 30_000).toISOString(),
    attempt: 1,
    inputs: [],
  }
}

/** A hub with `count` queued tasks that counts what a node holds and how it claims. */
function fakeHub(count: number) {
  const queue = Array.from({ length: count }, (_, i) => task(i))
  const state = { claims: 0, claimsInFlight: 0, maxClaimsInFlight: 0, held: 0, maxHeld: 0, running: 0, maxRunning: 0, ran: [] as string[], reported: [] as Array<{ id: string; outcome: Outcome }> }
  const tasks = {
    async claim(_executors: string[], capacity: number): Promise<ClaimedTask[]> {
      state.claims++
      state.claimsInFlight++
      state.maxClaimsInFlight = Math.max(state.maxClaimsInFlight, state.claimsInFlight)
      await new Promise((r) => setTimeout(r, 5))
      state.claimsInFlight--
      const batch = queue.splice(0, capacity)
      state.held += batch.length
      state.maxHeld = Math.max(state.maxHeld, state.held)
      return batch
    },
    renew: async () => undefined,
    openInput: async () => Buffer.alloc(0),
  }
  const outbox = {
    progress: () => undefined,
    abandon: () => undefined,
    async finish(t: ClaimedTask, outcome: Outcome): Promise<boolean> {
      state.held--
      state.reported.push({ id: t.id, outcome })
      return true
    },
  }
  const execute: ExecuteTask = async (t) => {
    state.running++
    state.maxRunning = Math.max(state.maxRunning, state.running)
    await new Promise((r) => setTimeout(r, 50))
    state.running--
    state.ran.push(t.id)
    return { echo: t.id }
  }
  return { state, queue, tasks, outbox, execute }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('TaskRunner', () => {
  it.each([1, 3])('holds at most %i task(s) at once through a burst, with one claim loop', async (slots) => {
    vi.useFakeTimers()
    const hub = fakeHub(30)
    const runner = new TaskRunner({ tasks: hub.tasks, outbox: hub.outbox, execute: hub.execute, executors: ['onnx'], slots, pollMs: 100, limits: {}, log })
    runner.start()
    await vi.advanceTimersByTimeAsync(5_000)

    expect(hub.state.ran).toHaveLength(30)
    expect(new Set(hub.state.ran).size).toBe(30)
    expect(hub.state.maxHeld).toBe(slots)
    expect(hub.state.maxRunning).toBe(slots)
    expect(hub.state.maxClaimsInFlight).toBe(1)
    expect(hub.state.reported.every((r) => r.outcome.kind === 'complete')).toBe(true)
    // Idle now: exactly one timer (the claim loop's), however many tasks finished.
    expect(vi.getTimerCount()).toBe(1)
    const before = hub.state.claims
    await vi.advanceTimersByTimeAsync(8 * 100 * 10)
    // One loop backing off to 8 × pollMs asks about ten times in that span, not once per finished task.
    expect(hub.state.claims - before).toBeLessThanOrEqual(12)
    expect(vi.getTimerCount()).toBe(1)
    await runner.stop()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('claims at once when the hub nudges, without waiting out a long poll interval', async () => {
    vi.useFakeTimers()
    const hub = fakeHub(0)
    const runner = new TaskRunner({ tasks: hub.tasks, outbox: hub.outbox, execute: hub.execute, executors: ['onnx'], slots: 1, pollMs: 600_000, limits: {}, log })
    runner.start()
    await vi.advanceTimersByTimeAsync(100)
    expect(hub.state.claims).toBe(1)

    hub.queue.push(task(0))
    // A burst of nudges before the claim starts costs that one claim.
    for (let i = 0; i < 5; i++) runner.nudge()
    await vi.advanceTimersByTimeAsync(20)
    expect(hub.state.claims).toBe(2)
    expect(hub.state.held).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(hub.state.ran).toEqual(['t_0'])
    await runner.stop()
  })

  it('claims once more after a claim that nudges arrived during, and no more', async () => {
    vi.useFakeTimers()
    const hub = fakeHub(0)
    const runner = new TaskRunner({ tasks: hub.tasks, outbox: hub.outbox, execute: hub.execute, executors: ['onnx'], slots: 1, pollMs: 600_000, limits: {}, log })
    runner.start()
    await vi.advanceTimersByTimeAsync(1)
    expect(hub.state.claimsInFlight).toBe(1)
    // The task may have come after the hub looked: one claim follows, whatever the number of nudges.
    for (let i = 0; i < 3; i++) runner.nudge()
    await vi.advanceTimersByTimeAsync(10_000)
    expect(hub.state.claims).toBe(2)
    expect(vi.getTimerCount()).toBe(1)
    await runner.stop()
    // A stopped runner ignores nudges.
    runner.nudge()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('reports what the injected executor returns, and its failure as a failure', async () => {
    vi.useFakeTimers()
    const hub = fakeHub(2)
    const execute: ExecuteTask = async (t) => {
      if (t.id === 't_1') throw Object.assign(new Error('bad bytes'), { code: 'COMPUTE_BAD_INPUT' })
      return { answer: 42 }
    }
    const runner = new TaskRunner({ tasks: hub.tasks, outbox: hub.outbox, execute, executors: ['onnx'], slots: 2, pollMs: 100, limits: {}, log })
    runner.start()
    await vi.advanceTimersByTimeAsync(1_000)
    await runner.stop()
    const byId = Object.fromEntries(hub.state.reported.map((r) => [r.id, r.outcome]))
    expect(byId.t_0).toEqual({ kind: 'complete', result: { answer: 42 } })
    expect(byId.t_1).toEqual({ kind: 'fail', error: { code: 'COMPUTE_BAD_INPUT', message: 'bad bytes' }, retryable: false })
  })
})
