/**
 * Work nudges: when the hub makes work a node may claim it says so on that node's heartbeat
 * socket ({ type: 'work', kind }), to that node only, so nodes connected to this hub claim at
 * once instead of at their next poll (polling stays the fallback).
 */
import type { HubEvent, HubToNodeMessage } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { WorkExchange } from '../src/domains/federated/exchange.js'
import type { NewWork, WorkStore } from '../src/domains/federated/work-store.js'
import { Liveness, type NodeConnection } from '../src/domains/nodes/liveness.js'
import type { NodeStore } from '../src/domains/nodes/store.js'
import type { EventBus } from '../src/infra/event-bus.js'
import type { NonceStore } from '../src/infra/nonces.js'
import { config, dataset, fakeNode, ownerHub, stopNodes, type FakeNode } from './federated-kit.js'

function liveness(): Liveness {
  const store = { markOnline: async () => ({ changedAt: new Date().toISOString() }) } as unknown as NodeStore
  return new Liveness({
    nodes: store,
    nonces: {} as NonceStore,
    bus: { publish: (_e: HubEvent) => undefined } as unknown as EventBus,
    hubId: 'h_test',
    heartbeatIntervalMs: 1000,
    tickMs: 100,
    sweepIntervalMs: 10_000,
    staleAfterMs: 30_000,
    onError: (err) => {
      throw err
    },
  })
}

/** A connection that keeps what the hub sent on it. */
function recording(): NodeConnection & { sent: HubToNodeMessage[] } {
  const sent: HubToNodeMessage[] = []
  return { sent, send: (m) => void sent.push(m) }
}

const work = (nodeId: string, clientId: string): NewWork => ({
  trainingId: 'fl_1',
  round: 1,
  kind: 'train',
  clientId,
  nodeId,
  dataset: 'd',
  config: {},
  deadline: new Date(Date.now() + 60_000),
})

describe('work nudges', () => {
  it('sends a work message on the sockets of the nodes named, once each, and on no other', async () => {
    const live = liveness()
    const [x, y, z] = [recording(), recording(), recording()]
    await live.connect('n_x', x)
    await live.connect('n_y', y)
    await live.connect('n_z', z)
    live.disconnect('n_z', z)

    live.nudge(['n_x', 'n_x', 'n_z', 'n_elsewhere'], 'fl')
    live.nudge(['n_y'], 'task')

    expect(x.sent).toEqual([{ type: 'work', kind: 'fl' }])
    expect(y.sent).toEqual([{ type: 'work', kind: 'task' }])
    // A node whose socket closed, or that holds its socket on another hub, polls instead.
    expect(z.sent).toEqual([])
  })

  it('goes to the newer socket of a node that reconnected', async () => {
    const live = liveness()
    const [old, fresh] = [recording(), recording()]
    await live.connect('n_x', old)
    await live.connect('n_x', fresh)
    live.nudge(['n_x'], 'task')
    expect(old.sent).toEqual([])
    expect(fresh.sent).toEqual([{ type: 'work', kind: 'task' }])
  })

  it('nudges exactly the nodes the federated work is keyed to, once per send', async () => {
    const nudged: string[][] = []
    const store = {
      create: async (items: readonly NewWork[]) => items.map((_, i) => `w_${i}`),
      results: async (ids: string[]) => ids.map((id) => ({ id, clientId: id, status: 'done', reply: null, parameters: undefined })),
      statuses: async (ids: string[]) => ids.map(() => 'done'),
      expire: async () => undefined,
    } as unknown as WorkStore
    const exchange = new WorkExchange({ work: store, pollMs: 10, nudge: (ids) => void nudged.push([...ids]) })
    await exchange.send([work('n_x', 'n_x/a'), work('n_x', 'n_x/b'), work('n_y', 'n_y/a')], false, new AbortController().signal)
    expect(nudged).toEqual([['n_x', 'n_y']])
  })

  it('tells a training\'s nodes over their heartbeat sockets, and a node outside it nothing', async () => {
    const { t, fl } = await ownerHub()
    let nodes: FakeNode[] = await Promise.all([
      fakeNode(t.hub.url, [dataset('n-0')], 1),
      fakeNode(t.hub.url, [dataset('n-1')], 2),
      fakeNode(t.hub.url, [dataset('n-test')], 0),
      fakeNode(t.hub.url, [dataset('elsewhere')], 0),
    ])
    try {
      const heard = nodes.map(() => [] as unknown[])
      nodes.forEach((n, i) => n.sim.socket!.on('message', (data) => void heard[i]!.push(JSON.parse(String(data)))))
      const created = await fl.create(config({ datasets: ['n-0', 'n-1'], evaluation: { dataset: 'n-test' }, rounds: 1 }))
      expect((await fl.wait(created.id, { intervalMs: 100 })).status).toBe('succeeded')

      const nudges = heard.map((messages) => messages.filter((m) => (m as { type?: string }).type === 'work'))
      for (const n of nudges.slice(0, 3)) {
        expect(n.length).toBeGreaterThan(0)
        expect(new Set(n.map((m) => JSON.stringify(m)))).toEqual(new Set([JSON.stringify({ type: 'work', kind: 'fl' })]))
      }
      expect(nudges[3]).toEqual([])
    } finally {
      nodes = await stopNodes(nodes)
      await t.close()
    }
  })
})
