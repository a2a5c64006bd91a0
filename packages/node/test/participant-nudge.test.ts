/**
 * The federated participant woken by the hub's work nudge: it claims at once instead of after
 * its poll interval, and any number of nudges that come together cost one claim.
 */
import type { FlWork, FlWorkReply } from '@w3ai/protocol'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { LocalDataset } from '../src/datasets.js'
import { Participant } from '../src/federated/participant.js'

const local: LocalDataset = { name: 'a', format: 'csv', path: '', schema: { features: 2, shape: [2], integerLabels: true, maxLabel: 1 }, rows: 2, addedAt: '' }

const init = (id: string): FlWork => ({
  id, trainingId: 'fl_000000000000000000000001', round: 0, kind: 'init', clientId: 'n/a', dataset: 'a',
  deadline: new Date(Date.now() + 60_000).toISOString(), model: {}, inputScale: 1, localEpochs: 1, seed: 0, config: { round: 0 }, parameters: false,
} as FlWork)

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** A participant that would next ask for work in ten minutes, over a hub that counts its claims. */
function participant() {
  const state = { claims: 0, queue: [] as FlWork[], replies: [] as Array<{ id: string; reply: FlWorkReply }> }
  const p = new Participant({
    work: {
      claim: async () => {
        state.claims++
        await new Promise((r) => setTimeout(r, 5))
        return state.queue.splice(0, 1)
      },
      parameters: async () => [],
      reply: async (id, reply) => void state.replies.push({ id, reply }),
    },
    datasets: () => [local],
    limits: { timeMs: 10_000, memoryMb: 256 },
    pollMs: 600_000,
    log: pino({ enabled: false }),
    run: async () => ({ parameters: [new Float32Array([1])], numExamples: 0, metrics: {} }),
  })
  return { p, state }
}

describe('the federated participant, nudged', () => {
  let stop: (() => Promise<void>) | undefined
  afterEach(async () => stop?.())

  it('claims and answers new work at once when nudged, long before its next poll', async () => {
    const { p, state } = participant()
    stop = () => p.stop()
    p.start()
    await until(() => state.claims === 1)
    state.queue.push(init('flw_000000000000000000000001'))
    p.nudge()
    await until(() => state.replies.length === 1)
    expect(state.replies[0]).toMatchObject({ id: 'flw_000000000000000000000001', reply: { outcome: 'ok' } })
  })

  it('claims once for a burst of nudges while it sleeps, and once more for nudges during a claim', async () => {
    const { p, state } = participant()
    stop = () => p.stop()
    p.start()
    await until(() => state.claims === 1)
    // Idle now (the next poll is ten minutes away): five nudges at once wake one claim.
    for (let i = 0; i < 5; i++) p.nudge()
    await until(() => state.claims === 2)
    // Nudges while that claim is under way: the work may have come after the hub looked, so one more.
    for (let i = 0; i < 5; i++) p.nudge()
    await until(() => state.claims === 3)
    await new Promise((r) => setTimeout(r, 100))
    expect(state.claims).toBe(3)
    expect(state.replies).toEqual([])
  })

  it('ignores nudges once stopped', async () => {
    const { p, state } = participant()
    p.start()
    await until(() => state.claims === 1)
    await p.stop()
    p.nudge()
    await new Promise((r) => setTimeout(r, 50))
    expect(state.claims).toBe(1)
  })
})
