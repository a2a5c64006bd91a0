/** How a round waits for its clients' answers: statuses while it waits, the replies once at the end. */
import { describe, expect, it } from 'vitest'
import { WorkExchange } from '../src/domains/federated/exchange.js'
import type { NewWork, WorkStatus, WorkStore } from '../src/domains/federated/work-store.js'

const item = (clientId: string): NewWork => ({ trainingId: 'fl_x', round: 1, kind: 'secagg', clientId, nodeId: `n_${clientId}`, dataset: 'd', config: {}, deadline: new Date(Date.now() + 60_000) })

/** A store whose work is answered after `pollsUntilDone` polls, counting what the exchange reads. */
function store(pollsUntilDone: number): WorkStore & { polls: number; reads: number } {
  const s = {
    polls: 0,
    reads: 0,
    create: async (items: readonly NewWork[]) => items.map((w) => `w_${w.clientId}`),
    statuses: async (ids: readonly string[]): Promise<WorkStatus[]> => ids.map(() => (s.polls++ < pollsUntilDone ? 'running' : 'done')),
    results: async (ids: readonly string[]) => {
      s.reads++
      return ids.map((id) => ({ id, clientId: id.slice(2), status: 'done' as const, reply: { outcome: 'ok' as const, message: { vector: 'x'.repeat(1000) } }, parameters: undefined }))
    },
    expire: async () => undefined,
  }
  return s as unknown as WorkStore & { polls: number; reads: number }
}

describe('the federated work exchange', () => {
  it('polls only the statuses while it waits, and reads the (large) replies once, when all are in', async () => {
    const work = store(12)
    const exchange = new WorkExchange({ work, pollMs: 1 })
    const results = await exchange.send([item('a'), item('b'), item('c')], false, new AbortController().signal)
    expect(results.map((r) => r.clientId)).toEqual(['a', 'b', 'c'])
    expect(work.polls).toBeGreaterThan(12)
    expect(work.reads).toBe(1)
  })

  it('looks again at once when an answer reaches this hub, not at the next poll', async () => {
    const work = store(1)
    const exchange = new WorkExchange({ work, pollMs: 3_600_000 })
    const sent = exchange.send([item('a')], false, new AbortController().signal)
    await new Promise((resolve) => setTimeout(resolve, 10))
    exchange.notify()
    expect((await sent).map((r) => r.status)).toEqual(['done'])
    expect(work.reads).toBe(1)
  })
})
