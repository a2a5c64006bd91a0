import { describe, expect, it } from 'vitest'
import { BatchQueue } from '../src/serving/batch-queue.js'

/** A queue on a hand-driven clock and timers; runs end when the test says. */
function harness(maxRows = 8, maxWaitMs = 2) {
  let now = 0
  const timers: Array<{ at: number; fn: () => void }> = []
  const batches: number[][] = []
  const ends: Array<() => void> = []
  const q = new BatchQueue<{ rows: number; id: number }>({
    maxRows,
    maxWaitMs,
    now: () => now,
    setTimer: (fn, ms) => timers.push({ at: now + ms, fn }),
    run: (batch) => {
      batches.push(batch.map((b) => b.id))
      return new Promise<void>((resolve) => ends.push(resolve))
    },
  })
  const settle = () => new Promise((r) => setImmediate(r))
  return {
    q,
    batches,
    async endRun() {
      ends.shift()!()
      await settle()
    },
    advance(ms: number) {
      now += ms
      for (const t of timers.splice(0)) if (t.at <= now) t.fn()
        else timers.push(t)
    },
    get holds() {
      return timers.length
    },
  }
}

describe('BatchQueue (batching whose wait follows the load)', () => {
  it('runs a request that finds the model idle at once, alone', () => {
    const h = harness()
    h.q.add({ rows: 1, id: 1 })
    expect(h.batches).toEqual([[1]])
    expect(h.holds).toBe(0)
  })

  it('holds requests that queued behind a run until the oldest waited maxWaitMs, then runs them together', async () => {
    const h = harness(8, 2)
    h.q.add({ rows: 1, id: 1 })
    h.q.add({ rows: 1, id: 2 })
    h.q.add({ rows: 1, id: 3 })
    await h.endRun()
    expect(h.batches).toEqual([[1]])
    h.advance(1)
    h.q.add({ rows: 1, id: 4 })
    expect(h.batches).toEqual([[1]])
    h.advance(1)
    expect(h.batches).toEqual([[1], [2, 3, 4]])
  })

  it('runs as soon as the held batch is full', async () => {
    const h = harness(4, 50)
    h.q.add({ rows: 1, id: 1 })
    h.q.add({ rows: 2, id: 2 })
    await h.endRun()
    expect(h.batches).toEqual([[1]])
    h.q.add({ rows: 2, id: 3 })
    expect(h.batches).toEqual([[1], [2, 3]])
  })

  it('does not hold requests that already waited maxWaitMs behind a long run', async () => {
    const h = harness(8, 2)
    h.q.add({ rows: 1, id: 1 })
    h.q.add({ rows: 1, id: 2 })
    h.advance(10)
    await h.endRun()
    expect(h.batches).toEqual([[1], [2]])
  })

  it('never puts more than maxRows in a batch; the rest runs next', async () => {
    const h = harness(4, 0)
    h.q.add({ rows: 1, id: 1 })
    for (let id = 2; id <= 6; id++) h.q.add({ rows: 1, id })
    await h.endRun()
    expect(h.batches).toEqual([[1], [2, 3, 4, 5]])
    await h.endRun()
    expect(h.batches).toEqual([[1], [2, 3, 4, 5], [6]])
  })

  it('goes back to running at once when load drops', async () => {
    const h = harness(8, 2)
    h.q.add({ rows: 1, id: 1 })
    h.q.add({ rows: 1, id: 2 })
    await h.endRun()
    h.advance(2)
    await h.endRun()
    h.q.add({ rows: 1, id: 3 })
    expect(h.batches).toEqual([[1], [2], [3]])
  })

  it('drain takes out everything queued', async () => {
    const h = harness()
    h.q.add({ rows: 1, id: 1 })
    h.q.add({ rows: 1, id: 2 })
    expect(h.q.drain().map((x) => x.id)).toEqual([2])
    expect(h.q.size).toBe(0)
  })
})
