/**
 * The heartbeat link under a slow hub: a hub that takes long to welcome a node (here a minute on
 * the link's clock) keeps the fresh connection; silence is measured from when the hub was last
 * heard (socket open, welcome, any message or pong), never from when the node dialled.
 */
import { generateIdentity } from '@w3ai/crypto'
import { HubClient } from '@w3ai/sdk'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { HubLink } from '../src/hub-link.js'
import { HubPool } from '../src/hub-pool.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('HubLink with a slow hub', () => {
  let hub: FakeHub | undefined
  let link: HubLink | undefined

  afterEach(async () => {
    await link?.stop()
    await hub?.stop()
  })

  it('keeps a connection the hub welcomed a minute after it was opened', async () => {
    let welcome: () => void = () => undefined
    const welcomed = new Promise<void>((r) => (welcome = r))
    hub = await startFakeHub(30, { beforeWelcome: () => welcomed })
    const clock = { now: 0 }
    const events = { connected: 0, disconnected: 0 }
    const hubs = new HubPool([hub.url])
    link = new HubLink({
      client: new HubClient({ url: hub.url, fetch: hubs.fetch }),
      hubs,
      identity: generateIdentity('node'),
      registration: () => ({ capabilities: { cpuCores: 1, memoryGb: 1, gpus: [], diskGb: 1, executors: ['wasm'] }, location: { lat: 0, lon: 0, region: 'local' }, endpoint: 'http://127.0.0.1:9' }),
      load: () => ({ cpuPercent: 0, memoryUsedGb: 0, runningTasks: 0, diskUsedGb: 0 }),
      reconnect: { initialMs: 20, maxMs: 100, jitter: 0 },
      logger: pino({ enabled: false }),
      onRegistered: () => undefined,
      onConnected: () => void events.connected++,
      onDisconnected: () => void events.disconnected++,
      onHeartbeat: () => undefined,
      now: () => clock.now,
    })
    link.start()
    await until(() => hub!.sockets.size === 1)

    clock.now += 60_000 // the hub is slow: a minute passes before it welcomes the node
    welcome()
    await until(() => events.connected === 1)
    await until(() => hub!.heartbeats.length >= 5)

    expect(events).toEqual({ connected: 1, disconnected: 0 })
    expect(link.state).toBe('connected')
  })
})

describe('HubLink and the hub\'s work nudges', () => {
  let hub: FakeHub | undefined
  let link: HubLink | undefined

  afterEach(async () => {
    await link?.stop()
    await hub?.stop()
  })

  it('hands on well-formed work nudges only, and outlives bad messages and a failing handler', async () => {
    hub = await startFakeHub(50)
    const identity = generateIdentity('node')
    const events = { connected: 0, disconnected: 0, heartbeats: 0 }
    const kinds: string[] = []
    const hubs = new HubPool([hub.url])
    link = new HubLink({
      client: new HubClient({ url: hub.url, fetch: hubs.fetch }),
      hubs,
      identity,
      registration: () => ({ capabilities: { cpuCores: 1, memoryGb: 1, gpus: [], diskGb: 1, executors: ['wasm'] }, location: { lat: 0, lon: 0, region: 'local' }, endpoint: 'http://127.0.0.1:9' }),
      load: () => ({ cpuPercent: 0, memoryUsedGb: 0, runningTasks: 0, diskUsedGb: 0 }),
      reconnect: { initialMs: 20, maxMs: 100, jitter: 0 },
      logger: pino({ enabled: false }),
      onRegistered: () => undefined,
      onConnected: () => void events.connected++,
      onDisconnected: () => void events.disconnected++,
      onHeartbeat: () => void events.heartbeats++,
      onWork: (kind) => {
        kinds.push(kind)
        if (kinds.length === 1) throw new Error('a handler that fails')
      },
    })
    link.start()
    await until(() => events.connected === 1)
    const socket = hub.sockets.get(identity.id)!
    for (const bad of ['not json', 'null', '42', '"work"', '[]', '{"type":"work"}', '{"type":"work","kind":"gpu"}', '{"type":"work","kind":"fl","extra":1}', '{"type":"something-newer"}']) socket.send(bad)
    socket.send(JSON.stringify({ type: 'work', kind: 'fl' }))
    socket.send(JSON.stringify({ type: 'work', kind: 'task' }))
    await until(() => kinds.length === 2)
    const beats = events.heartbeats
    await until(() => events.heartbeats > beats + 2)

    expect(kinds).toEqual(['fl', 'task'])
    expect(events).toMatchObject({ connected: 1, disconnected: 0 })
    expect(link.state).toBe('connected')
  })
})
