/**
 * The outbox keeps a task's reports until the hub acknowledges them: progress goes out in order
 * before the outcome, a hub that cannot take them now gets them again with backoff, and a hub that
 * no longer holds the attempt (TASK_LEASE_LOST) ends the retries.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { W3aiError } from '@w3ai/protocol'
import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Outbox } from '../src/outbox.js'

const ref = { id: 't_1', leaseId: 'lease-1', attempt: 2, jobId: 'j_1' }

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

function fakeTasks() {
  const state = { down: true, refuse: undefined as W3aiError | undefined, calls: [] as string[], accepted: [] as string[] }
  const answer = async (what: string): Promise<void> => {
    state.calls.push(what)
    if (state.refuse !== undefined) throw state.refuse
    if (state.down) throw new W3aiError('HUB_UNREACHABLE', 'down')
    state.accepted.push(what)
  }
  return {
    state,
    tasks: {
      progress: async (_t: unknown, p: Record<string, unknown>) => answer(`progress ${String(p.epoch)}`),
      complete: async (_t: unknown, r: unknown) => (await answer(`complete ${JSON.stringify(r)}`), 'committed'),
      fail: async () => (await answer('fail'), 'retrying'),
    },
  }
}

describe('Outbox', () => {
  let dir: string
  let outbox: Outbox | undefined

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-outbox-'))
  })
  afterEach(async () => {
    await outbox?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('sends progress kept during an outage in order, then the result, once each', async () => {
    const hub = fakeTasks()
    outbox = new Outbox({ dir, tasks: hub.tasks, retry: { initialMs: 10, maxMs: 40, jitter: 0 }, log: pino({ enabled: false }) })
    await outbox.start()
    outbox.progress(ref, { epoch: 1 })
    outbox.progress(ref, { epoch: 2 })
    expect(await outbox.finish(ref, { kind: 'complete', result: { ok: true } })).toBe(false)
    expect(await readdir(dir)).toEqual(['t_1.2.json'])

    hub.state.down = false
    await until(() => outbox!.pending === 0)
    expect(hub.state.accepted).toEqual(['progress 1', 'progress 2', 'complete {"ok":true}'])
    expect(await readdir(dir)).toEqual([])
  })

  it('stops retrying when the hub no longer holds the attempt', async () => {
    const hub = fakeTasks()
    outbox = new Outbox({ dir, tasks: hub.tasks, retry: { initialMs: 10, maxMs: 40, jitter: 0 }, log: pino({ enabled: false }) })
    await outbox.start()
    expect(await outbox.finish(ref, { kind: 'complete', result: 1 })).toBe(false)
    hub.state.refuse = new W3aiError('TASK_LEASE_LOST')
    await until(() => outbox!.pending === 0)
    const calls = hub.state.calls.length
    await new Promise((r) => setTimeout(r, 100))
    expect(hub.state.calls.length).toBe(calls)
    expect(await readdir(dir)).toEqual([])
  })

  it('numbers progress within the attempt and sends one whose answer was lost again under the same number', async () => {
    const seen: Array<[unknown, number | undefined]> = []
    let loseNext = true
    const tasks = {
      progress: async (_t: unknown, p: Record<string, unknown>, seq?: number) => {
        seen.push([p.epoch, seq])
        // The hub recorded the first report, but its answer never came back.
        if (loseNext) {
          loseNext = false
          throw new W3aiError('HUB_UNREACHABLE', 'answer lost')
        }
      },
      complete: async () => 'committed',
      fail: async () => 'retrying',
    }
    outbox = new Outbox({ dir, tasks, retry: { initialMs: 10, maxMs: 40, jitter: 0 }, log: pino({ enabled: false }) })
    await outbox.start()
    outbox.progress(ref, { epoch: 1 })
    outbox.progress(ref, { epoch: 2 })
    await outbox.finish(ref, { kind: 'complete', result: 1 })
    await until(() => outbox!.pending === 0)
    expect(seen).toEqual([[1, 0], [1, 0], [2, 1]])
  })

  it('keeps numbering an attempt\'s progress after everything queued so far was delivered', async () => {
    const seen: Array<number | undefined> = []
    const tasks = { progress: async (_t: unknown, _p: unknown, seq?: number) => void seen.push(seq), complete: async () => 'committed', fail: async () => 'retrying' }
    outbox = new Outbox({ dir, tasks, retry: { initialMs: 10, maxMs: 40, jitter: 0 }, log: pino({ enabled: false }) })
    await outbox.start()
    for (const epoch of [1, 2, 3]) {
      outbox.progress(ref, { epoch })
      await until(() => outbox!.pending === 0)
    }
    await outbox.finish(ref, { kind: 'complete', result: 1 })
    expect(seen).toEqual([0, 1, 2])
  })

  it('gives every report its own number, also one queued while a delivered report is being cleared away', async () => {
    const seen: Array<number | undefined> = []
    const tasks = { progress: async (_t: unknown, _p: unknown, seq?: number) => void seen.push(seq), complete: async () => 'committed', fail: async () => 'retrying' }
    outbox = new Outbox({ dir, tasks, retry: { initialMs: 10, maxMs: 40, jitter: 0 }, log: pino({ enabled: false }) })
    await outbox.start()
    // Reports land at every point of a delivery: before the send, during it, while its file goes.
    for (let epoch = 0; epoch < 60; epoch++) {
      outbox.progress(ref, { epoch })
      for (let i = 0; i < epoch % 5; i++) await new Promise((r) => setImmediate(r))
    }
    await until(() => outbox!.pending === 0)
    await outbox.finish(ref, { kind: 'complete', result: 1 })
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i))
  })
})
