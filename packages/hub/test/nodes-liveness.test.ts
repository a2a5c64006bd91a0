/**
 * The heartbeat path at scale, with a fake store and clock: statements per tick and per flush
 * (never one per heartbeat or per node), which loads are written, and a silent node detected.
 */
import type { HubEvent, NodeLoad } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { CPU_DEADBAND, Liveness, loadMoved } from '../src/domains/nodes/liveness.js'
import { singleFlight } from '../src/domains/nodes/heartbeat.js'
import type { NodeStore } from '../src/domains/nodes/store.js'
import type { EventBus } from '../src/infra/event-bus.js'
import type { NonceStore } from '../src/infra/nonces.js'

function liveness(loadRefreshMs: number | 'default' = 30_000) {
  let now = 1_000_000
  const statusCalls: Array<{ ids: string[]; status: string }> = []
  const loadCalls: Array<Array<{ id: string; load: NodeLoad }>> = []
  const store = {
    markOnline: async () => ({ changedAt: new Date(now).toISOString() }),
    setStatuses: async (ids: string[], status: string) => {
      statusCalls.push({ ids: [...ids], status })
      return ids.map((id) => ({ id, at: new Date(now).toISOString() }))
    },
    recordLoads: async (loads: Array<{ id: string; load: NodeLoad }>) => void loadCalls.push(loads),
  } as unknown as NodeStore
  const events: HubEvent[] = []
  const live = new Liveness({
    nodes: store,
    nonces: {} as NonceStore,
    bus: { publish: (e: HubEvent) => void events.push(e) } as unknown as EventBus,
    hubId: 'h_test',
    heartbeatIntervalMs: 1000,
    tickMs: 250,
    sweepIntervalMs: 10_000,
    staleAfterMs: 10_000,
    ...(loadRefreshMs === 'default' ? {} : { loadRefreshMs }),
    now: () => now,
    onError: (err) => {
      throw err
    },
  })
  return { live, statusCalls, loadCalls, events, advance: (ms: number) => void (now += ms) }
}

const beat = (over: Partial<{ cpuPercent: number; runningTasks: number; memoryUsedGb: number }> = {}) =>
  ({ type: 'heartbeat', seq: 0, cpuPercent: 20, memoryUsedGb: 4, runningTasks: 0, diskUsedGb: 1, ...over }) as const

describe('liveness at scale', () => {
  it('writes the loads of many nodes in one statement per flush, each node once', async () => {
    const { live, loadCalls, events } = liveness()
    const sockets = Array.from({ length: 500 }, () => ({}))
    for (let i = 0; i < sockets.length; i++) await live.connect(`n_${i}`, sockets[i]!)
    for (let round = 0; round < 3; round++) for (let i = 0; i < sockets.length; i++) live.heartbeat(`n_${i}`, sockets[i]!, beat({ cpuPercent: round * 30 }))
    await live.flush()
    expect(loadCalls).toHaveLength(1)
    expect(loadCalls[0]).toHaveLength(500)
    expect(new Set(loadCalls[0]!.map((l) => l.id)).size).toBe(500)
    expect(loadCalls[0]![0]!.load).toMatchObject({ cpuPercent: 60, runningTasks: 0 })
    expect(events.filter((e) => e.type === 'node.load')).toHaveLength(1)
  })

  it('writes an unchanged load again only after the refresh period, and a moved one at once', async () => {
    const { live, loadCalls, advance } = liveness(5000)
    const a = {}
    const b = {}
    await live.connect('n_a', a)
    await live.connect('n_b', b)
    live.heartbeat('n_a', a, beat())
    live.heartbeat('n_b', b, beat())
    await live.flush()
    expect(loadCalls.at(-1)?.map((l) => l.id).sort()).toEqual(['n_a', 'n_b'])
    advance(1000)
    live.heartbeat('n_a', a, beat({ cpuPercent: 20 + CPU_DEADBAND / 2 }))
    live.heartbeat('n_b', b, beat({ runningTasks: 1 }))
    await live.flush()
    expect(loadCalls.at(-1)?.map((l) => l.id)).toEqual(['n_b'])
    advance(1000)
    live.heartbeat('n_a', a, beat())
    live.heartbeat('n_b', b, beat({ runningTasks: 1 }))
    await live.flush()
    expect(loadCalls).toHaveLength(2)
    advance(3500)
    live.heartbeat('n_a', a, beat())
    live.heartbeat('n_b', b, beat({ runningTasks: 1 }))
    await live.flush()
    expect(loadCalls.at(-1)?.map((l) => l.id)).toEqual(['n_a'])
  })

  it('detects a node whose heartbeats stop on an open socket: suspect, then offline, in one statement per status per tick', async () => {
    const { live, statusCalls, events, advance } = liveness()
    const sockets = Array.from({ length: 100 }, () => ({}))
    for (let i = 0; i < sockets.length; i++) await live.connect(`n_${i}`, sockets[i]!)
    const silent = new Set(Array.from({ length: 10 }, (_, k) => `n_${k * 10}`))
    let suspectAt: number | undefined
    let offlineAt: number | undefined
    for (let t = 250; t <= 15_000; t += 250) {
      advance(250)
      if (t % 1000 === 0) for (let i = 0; i < sockets.length; i++) if (!silent.has(`n_${i}`)) live.heartbeat(`n_${i}`, sockets[i]!, beat())
      const before = statusCalls.length
      await live.tick()
      for (const call of statusCalls.slice(before)) {
        if (call.status === 'suspect') suspectAt ??= t
        if (call.status === 'offline') offlineAt ??= t
      }
    }
    expect(statusCalls.map((c) => c.status)).toEqual(['suspect', 'offline'])
    for (const call of statusCalls) expect(new Set(call.ids)).toEqual(silent)
    expect(suspectAt).toBeLessThan(offlineAt!)
    expect(events.filter((e) => e.type === 'node.status' && e.status === 'offline')).toHaveLength(10)
  })

  it('by default writes an unchanged load again within half the staleness limit, so its row alone keeps it online', async () => {
    const { live, loadCalls, advance } = liveness('default')
    const a = {}
    await live.connect('n_a', a)
    for (let t = 0; t <= 5000; t += 1000) {
      live.heartbeat('n_a', a, beat())
      await live.flush()
      advance(1000)
    }
    expect(loadCalls).toHaveLength(2)
  })

  it('counts a load as moved past its deadbands or its refresh period only', () => {
    const w = { cpuPercent: 50, memoryUsedGb: 10, runningTasks: 1, diskUsedGb: 100, at: 0 }
    expect(loadMoved(undefined, w, 30_000)).toBe(true)
    expect(loadMoved(w, { ...w, at: 1000, cpuPercent: 55 }, 30_000)).toBe(false)
    expect(loadMoved(w, { ...w, at: 1000, cpuPercent: 50 + CPU_DEADBAND }, 30_000)).toBe(true)
    expect(loadMoved(w, { ...w, at: 1000, runningTasks: 2 }, 30_000)).toBe(true)
    expect(loadMoved(w, { ...w, at: 1000, memoryUsedGb: 10.2 }, 30_000)).toBe(false)
    expect(loadMoved(w, { ...w, at: 1000, diskUsedGb: 120 }, 30_000)).toBe(true)
    expect(loadMoved(w, { ...w, at: 30_000 }, 30_000)).toBe(true)
  })
})

describe('singleFlight', () => {
  it('shares one read among callers that overlap it and reads afresh after it finished', async () => {
    let reads = 0
    let release: () => void = () => undefined
    const read = singleFlight(async () => {
      reads++
      await new Promise<void>((r) => (release = r))
      return reads
    })
    const first = Promise.all(Array.from({ length: 50 }, () => read()))
    release()
    expect(new Set(await first)).toEqual(new Set([1]))
    const second = read()
    release()
    expect(await second).toBe(2)
  })
})
