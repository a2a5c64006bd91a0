/** Liveness decisions with a fake store and clock: what a closed socket does to a node's status. */
import type { HubEvent } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { Liveness } from '../src/domains/nodes/liveness.js'
import type { NodeStore } from '../src/domains/nodes/store.js'
import type { EventBus } from '../src/infra/event-bus.js'
import type { NonceStore } from '../src/infra/nonces.js'

function liveness() {
  let now = 1_000_000
  const statuses: Array<{ id: string; status: string }> = []
  const store = {
    markOnline: async () => ({ changedAt: new Date(now).toISOString() }),
    setStatuses: async (ids: string[], status: string) => {
      statuses.push(...ids.map((id) => ({ id, status })))
      return ids.map((id) => ({ id, at: new Date(now).toISOString() }))
    },
  } as unknown as NodeStore
  const events: HubEvent[] = []
  const live = new Liveness({
    nodes: store,
    nonces: {} as NonceStore,
    bus: { publish: (e: HubEvent) => void events.push(e) } as unknown as EventBus,
    hubId: 'h_test',
    heartbeatIntervalMs: 1000,
    tickMs: 100,
    sweepIntervalMs: 10_000,
    staleAfterMs: 30_000,
    now: () => now,
    onError: (err) => {
      throw err
    },
  })
  return { live, statuses, events, advance: (ms: number) => void (now += ms) }
}

const beat = { type: 'heartbeat', seq: 0, cpuPercent: 1, memoryUsedGb: 1, runningTasks: 0, diskUsedGb: 0 } as const

describe('liveness', () => {
  it('keeps a node with a recent heartbeat online while its socket is open', async () => {
    const { live, statuses, advance } = liveness()
    const socket = {}
    await live.connect('n_a', socket)
    for (let i = 0; i < 5; i++) {
      advance(1000)
      live.heartbeat('n_a', socket, beat)
      await live.tick()
    }
    expect(statuses).toEqual([])
  })

  it('makes a node suspect at the first tick after its socket closes, though its last heartbeat is recent', async () => {
    const { live, statuses, advance } = liveness()
    const socket = {}
    await live.connect('n_a', socket)
    advance(1000)
    live.heartbeat('n_a', socket, beat)
    live.disconnect('n_a', socket)
    advance(10)
    await live.tick()
    expect(statuses).toEqual([{ id: 'n_a', status: 'suspect' }])
  })

  it('takes a returning node back online', async () => {
    const { live, statuses, events } = liveness()
    const first = {}
    await live.connect('n_a', first)
    live.disconnect('n_a', first)
    await live.tick()
    await live.connect('n_a', {})
    await live.tick()
    expect(statuses).toEqual([{ id: 'n_a', status: 'suspect' }])
    expect(events.filter((e) => e.type === 'node.status').map((e) => (e as { status: string }).status)).toEqual(['online', 'suspect', 'online'])
  })
})
