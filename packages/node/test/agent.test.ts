import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { createNodeAgent, type NodeAgent } from '../src/index.js'
import { startFakeHub, type FakeHub } from './fake-hub.js'

const fast = { initialMs: 20, maxMs: 100, jitter: 0 }

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('node agent (against a hub double)', () => {
  let root: string
  let hub: FakeHub
  const agents: NodeAgent[] = []
  const agent = (home: string, extra: Partial<Parameters<typeof createNodeAgent>[0]> = {}): NodeAgent => {
    const a = createNodeAgent({ home, hubUrl: hub.url, logLevel: false, reconnect: fast, cpu: 2, memoryGb: 4, diskGb: 10, region: 'eu-west', location: { lat: 52.5, lon: 13.4 }, ...extra })
    agents.push(a)
    return a
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-node-'))
    hub = await startFakeHub(50)
  })
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()))
  })
  afterAll(async () => {
    await hub.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('creates its identity once (mode 0600) and reuses it', async () => {
    const home = join(root, 'identity')
    const first = agent(home)
    await first.start()
    const file = join(home, 'identity.json')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const before = await readFile(file, 'utf8')
    await first.stop()
    const second = agent(home)
    await second.start()
    expect(second.id).toBe(first.id)
    expect(second.id).toMatch(/^n_[0-9a-f]{20}$/)
    expect(await readFile(file, 'utf8')).toBe(before)
  })

  it('refuses a corrupt identity file with IDENTITY_CORRUPT', async () => {
    const home = join(root, 'corrupt')
    await agent(home).start()
    await agents.pop()?.stop()
    await writeFile(join(home, 'identity.json'), '{"version":1,"kind":"node"}')
    const err = await agent(home).start().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(W3aiError)
    expect((err as W3aiError).code).toBe('IDENTITY_CORRUPT')
  })

  it('serves health and answers unknown routes with ROUTE_NOT_FOUND', async () => {
    const a = agent(join(root, 'health'))
    await a.start()
    const health = (await (await fetch(`${a.url}/health`)).json()) as Record<string, unknown>
    expect(health).toMatchObject({ status: 'ok', nodeId: a.id, version: '0.1.0', hub: { url: hub.url } })
    expect(typeof health.uptimeSec).toBe('number')
    const res = await fetch(`${a.url}/nope`)
    expect(res.status).toBe(404)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND')
  })

  it('registers its endpoint and capabilities, then heartbeats plausible measurements', async () => {
    const a = agent(join(root, 'beats'), { gpus: [{ model: 'NVIDIA RTX 4090', memoryGb: 24 }], city: 'Berlin' })
    await a.start()
    await once(a, 'connected')
    const reg = hub.registrations.find((r) => r.id === a.id)
    expect(reg?.body).toMatchObject({
      endpoint: a.url,
      capabilities: { cpuCores: 2, memoryGb: 4, diskGb: 10, gpus: [{ model: 'NVIDIA RTX 4090', memoryGb: 24 }], executors: ['he', 'onnx', 'train', 'wasm'] },
      location: { lat: 52.5, lon: 13.4, region: 'eu-west', city: 'Berlin' },
    })
    await until(() => hub.heartbeats.filter((h) => h.id === a.id).length >= 3)
    const beats = hub.heartbeats.filter((h) => h.id === a.id).map((h) => h.message)
    expect(beats.map((b) => b.seq)).toEqual([...beats.keys()].map((i) => beats[0]!.seq + i))
    for (const b of beats) {
      expect(b.cpuPercent).toBeGreaterThanOrEqual(0)
      expect(b.cpuPercent).toBeLessThanOrEqual(100)
      expect(b.memoryUsedGb).toBeGreaterThan(0)
      expect(b.memoryUsedGb).toBeLessThanOrEqual(4)
      expect(b.diskUsedGb).toBeGreaterThanOrEqual(0)
      expect(b.diskUsedGb).toBeLessThan(0.01)
      expect(b.runningTasks).toBe(0)
    }
    expect(a.connected).toBe(true)
  })

  it('registers again and reconnects when the hub forgets it (close 4404)', async () => {
    const a = agent(join(root, 'forget'))
    await a.start()
    await once(a, 'connected')
    const before = hub.registrations.filter((r) => r.id === a.id).length
    const reconnected = once(a, 'connected')
    hub.forget(a.id)
    await reconnected
    expect(hub.registrations.filter((r) => r.id === a.id).length).toBe(before + 1)
  })

  it('stops idempotently and reports itself disconnected', async () => {
    const a = agent(join(root, 'stop'))
    await a.start()
    await once(a, 'connected')
    await Promise.all([a.stop(), a.stop()])
    await a.stop()
    expect(a.connected).toBe(false)
    await until(() => !hub.sockets.has(a.id))
    await expect(fetch(`${a.url}/health`)).rejects.toThrow()
  })

  it('keeps retrying while the hub is unreachable and connects once it appears', async () => {
    const a = createNodeAgent({ home: join(root, 'late'), hubUrl: 'http://127.0.0.1:1', logLevel: false, reconnect: fast })
    agents.push(a)
    await a.start()
    await new Promise((r) => setTimeout(r, 200))
    expect(a.connected).toBe(false)
    expect(['registering', 'waiting']).toContain(a.hubState)
    const health = (await (await fetch(`${a.url}/health`)).json()) as { hub: { connected: boolean } }
    expect(health.hub.connected).toBe(false)
  })
})
