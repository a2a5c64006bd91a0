import { mkdtemp, rm } from 'node:fs/promises'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHub, type Hub } from '@w3ai/hub'
import { backends, dropSchema, freshDatabaseUrl } from '@w3ai/hub/testing'
import { HubClient } from '@w3ai/sdk'
import type { NodeInfo } from '@w3ai/protocol'
import { createNodeAgent, type NodeAgent } from '../src/index.js'

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe.each(backends())('node agent with a real in-process hub on %s', (backend) => {
  const databaseUrl = freshDatabaseUrl(backend)
  let home: string
  let hub: Hub
  let agent: NodeAgent
  let client: HubClient

  const nodeWith = (check: (n: NodeInfo) => boolean) => async (): Promise<NodeInfo | undefined> => {
    const n = await client.getNode(agent.id)
    return check(n) ? n : undefined
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'w3ai-agent-hub-'))
    hub = createHub({ home: join(home, 'hub'), port: 0, logLevel: false, heartbeatIntervalMs: 200, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    await hub.start()
    client = new HubClient({ url: hub.url })
    agent = createNodeAgent({
      home: join(home, 'node'),
      hubUrl: hub.url,
      logLevel: false,
      cpu: 4,
      memoryGb: 8,
      diskGb: 100,
      region: 'eu-west',
      city: 'London',
      location: { lat: 51.51, lon: -0.13 },
      reconnect: { initialMs: 50, maxMs: 300 },
    })
    const connected = once(agent, 'connected')
    await agent.start()
    await connected
  })

  afterAll(async () => {
    await agent.stop()
    await hub.stop()
    await rm(home, { recursive: true, force: true })
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  })

  it('registers and shows online with its endpoint, capabilities and location', async () => {
    const node = await until(nodeWith((n) => n.status === 'online'))
    expect(node).toMatchObject({
      id: agent.id,
      endpoint: agent.url,
      region: 'eu-west',
      location: { lat: 51.51, lon: -0.13, region: 'eu-west', city: 'London' },
      capabilities: { cpuCores: 4, memoryGb: 8, diskGb: 100, gpus: [], executors: ['he', 'onnx', 'train', 'wasm'] },
    })
  })

  it('reports plausible load from its heartbeats', async () => {
    const node = await until(nodeWith((n) => n.load !== null))
    const load = node.load!
    expect(load.cpuPercent).toBeGreaterThanOrEqual(0)
    expect(load.cpuPercent).toBeLessThanOrEqual(100)
    expect(load.memoryUsedGb).toBeGreaterThan(0)
    expect(load.memoryUsedGb).toBeLessThanOrEqual(8)
    expect(load.diskUsedGb).toBeGreaterThanOrEqual(0)
    expect(load.runningTasks).toBe(0)
  })

  it('reconnects after the hub is stopped and restarted on the same port and home', async () => {
    const port = Number(new URL(hub.url).port)
    const disconnected = once(agent, 'disconnected')
    await hub.stop()
    await disconnected
    expect(agent.connected).toBe(false)
    hub = createHub({ home: join(home, 'hub'), port, logLevel: false, heartbeatIntervalMs: 200, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    const reconnected = once(agent, 'connected')
    await hub.start()
    await reconnected
    expect(agent.connected).toBe(true)
    client = new HubClient({ url: hub.url })
    await until(nodeWith((n) => n.status === 'online'))
  })
})
