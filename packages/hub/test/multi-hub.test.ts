import { join } from 'node:path'
import type { EventStreamMessage, HubToNodeMessage } from '@w3ai/protocol'
import { HubClient, simulateNode } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHub, NetworkKeyError, type Hub } from '../src/index.js'
import { freshDatabaseUrl, sampleRegistration, startTestHub, tempHome, until, type TestHub } from './helpers.js'

/**
 * Two stateless hubs over one PostgreSQL serve one network. They share the network key through a
 * key file the operator copies to each (here one file both are given). Needs W3AI_TEST_DATABASE_URL.
 */
describe.skipIf(!process.env.W3AI_TEST_DATABASE_URL)('two hubs on one PostgreSQL', () => {
  let a: TestHub
  let b: Hub
  let cleanupB: () => Promise<void>
  let cleanupKey: () => Promise<void>
  let networkKeyFile: string

  beforeAll(async () => {
    const keyHome = await tempHome()
    cleanupKey = keyHome.cleanup
    networkKeyFile = join(keyHome.dir, 'network-key.json')
    a = await startTestHub('postgres', { databaseUrl: freshDatabaseUrl('postgres'), staleAfterMs: 3000, networkKeyFile })
    const home = await tempHome()
    cleanupB = home.cleanup
    b = createHub({ home: home.dir, port: 0, logLevel: false, databaseUrl: a.databaseUrl!, networkKeyFile })
    await b.start()
  })
  afterAll(async () => {
    await b?.stop()
    await cleanupB?.()
    await a?.close() // drops the shared schema too
    await cleanupKey?.()
  })

  it('refuses a third hub that does not hold the network key, saying how to share it', async () => {
    const home = await tempHome()
    const c = createHub({ home: home.dir, port: 0, logLevel: false, databaseUrl: a.databaseUrl! })
    const err = await c.start().then(() => undefined, (e: unknown) => e)
    await c.stop()
    await home.cleanup()
    expect(err).toBeInstanceOf(NetworkKeyError)
    expect(String(err)).toMatch(/--network-key-file/)
  })

  it('names the other hub in the welcome a node gets (B5), and stops naming a hub that stopped', async () => {
    const welcomeFrom = async (hubUrl: string): Promise<HubToNodeMessage> => {
      const sim = await simulateNode(hubUrl, sampleRegistration({ name: 'welcomed' }) as never)
      const ws = new HubClient({ url: hubUrl, identity: sim.identity }).openHeartbeatSocket()
      try {
        return await new Promise<HubToNodeMessage>((resolve, reject) => {
          ws.once('message', (data) => resolve(JSON.parse(String(data)) as HubToNodeMessage))
          ws.once('error', reject)
        })
      } finally {
        ws.close()
      }
    }
    const fromA = await welcomeFrom(a.hub.url)
    expect(fromA).toMatchObject({ type: 'welcome', hubs: [b.url] })
    const fromB = await welcomeFrom(b.url)
    expect(fromB).toMatchObject({ type: 'welcome', hubs: [a.hub.url] })
    const home = await tempHome()
    const c = createHub({ home: home.dir, port: 0, logLevel: false, databaseUrl: a.databaseUrl!, networkKeyFile, publicUrl: 'https://hub-c.example.org/' })
    await c.start()
    expect(((await welcomeFrom(a.hub.url)) as { hubs?: string[] }).hubs?.sort()).toEqual([b.url, 'https://hub-c.example.org'].sort())
    await c.stop()
    await home.cleanup()
    expect(((await welcomeFrom(a.hub.url)) as { hubs?: string[] }).hubs).toEqual([b.url])
  })

  it('shows a node connected to one hub, with live status and load, through the other', async () => {
    const viaA = new HubClient({ url: a.hub.url })
    const viaB = new HubClient({ url: b.url })
    const seenOnB: EventStreamMessage[] = []
    const close = viaB.events((m) => seenOnB.push(m))

    const sim = await simulateNode(a.hub.url, sampleRegistration({ name: 'on-a' }) as never)
    await sim.connect()
    sim.startBeating(200)
    await until(async () => (await viaB.getNode(sim.node.id)).status === 'online')
    await until(async () => (await viaB.getNode(sim.node.id)).load !== null)
    expect((await viaA.listNodes()).nodes.map((n) => n.id)).toEqual((await viaB.listNodes()).nodes.map((n) => n.id))
    await until(async () => seenOnB.some((m) => m.type === 'node.registered' && m.node.id === sim.node.id))
    await until(async () => seenOnB.some((m) => m.type === 'node.load' && m.loads.some((l) => l.id === sim.node.id)))

    sim.close()
    await until(async () => (await viaB.getNode(sim.node.id)).status === 'offline', 10_000)
    await until(async () => seenOnB.some((m) => m.type === 'node.status' && m.id === sim.node.id && m.status === 'offline'))
    close()
  })

  it('refuses on one hub a request already accepted by the other (shared nonces)', async () => {
    const { generateIdentity, signRequest } = await import('@w3ai/crypto')
    const acc = generateIdentity('account')
    const headers = { ...signRequest(acc, 'GET', '/v1/accounts/me') }
    expect((await fetch(a.hub.url + '/v1/accounts/me', { headers })).status).toBe(404)
    const replay = await fetch(b.url + '/v1/accounts/me', { headers })
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('AUTH_REPLAYED_NONCE')
  })

  it('takes offline the nodes of a hub that died', async () => {
    const home = await tempHome()
    const c = createHub({ home: home.dir, port: 0, logLevel: false, databaseUrl: a.databaseUrl!, networkKeyFile })
    await c.start()
    const sim = await simulateNode(c.url, sampleRegistration({ name: 'orphan' }) as never)
    await sim.connect()
    sim.startBeating(200)
    const viaA = new HubClient({ url: a.hub.url })
    await until(async () => (await viaA.getNode(sim.node.id)).status === 'online')
    await new Promise((r) => setTimeout(r, 3500)) // longer than A's staleness limit: C's heartbeats keep it online
    expect((await viaA.getNode(sim.node.id)).status).toBe('online')
    sim.stopBeating()
    await c.stop() // the hub goes away; the node's socket goes with it
    sim.close()
    await until(async () => (await viaA.getNode(sim.node.id)).status === 'offline', 15_000)
    await home.cleanup()
  })
})
