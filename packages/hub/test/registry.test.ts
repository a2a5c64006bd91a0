import { generateIdentity } from '@w3ai/crypto'
import type { NodeInfo, NodeList } from '@w3ai/protocol'
import { HubClient, simulateNode } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, sampleRegistration, startTestHub, until, type TestHub } from './helpers.js'

describe.each(backends())('node registry on %s', (backend) => {
  let t: TestHub
  let client: HubClient

  beforeAll(async () => {
    t = await startTestHub(backend)
    client = new HubClient({ url: t.hub.url })
  })
  afterAll(async () => t?.close())

  it('registers a node signed by its key; its id is derived from the key', async () => {
    const id = generateIdentity('node')
    const node = await client.registerNode(sampleRegistration() as never, id)
    expect(node.id).toBe(id.id)
    expect(node.status).toBe('offline')
    expect(node.capabilities.gpus[0]?.model).toBe('NVIDIA T4')
    const again = await client.registerNode(sampleRegistration({ endpoint: 'http://127.0.0.1:10' }) as never, id)
    expect(again.endpoint).toBe('http://127.0.0.1:10')
    expect(again.registeredAt).toBe(node.registeredAt)
    expect((await client.getNode(id.id)).endpoint).toBe('http://127.0.0.1:10')
    const withKey = await client.registerNode(sampleRegistration({ encryptionKey: id.encryptionKey }) as never, id)
    expect(withKey.encryptionKey).toBe(id.encryptionKey)
  })

  it('refuses a node that belongs to another network, and takes one of its own', async () => {
    const id = generateIdentity('node')
    const other = generateIdentity('node').publicKey
    const refused = await client.registerNode(sampleRegistration({ network: other }) as never, id).then(() => undefined, (err: unknown) => err as { code?: string; status?: number })
    expect(refused?.code).toBe('NODE_WRONG_NETWORK')
    await expect(client.getNode(id.id)).rejects.toMatchObject({ code: 'NODE_NOT_FOUND' })
    const ours = (await client.health()).orderKey
    expect(ours).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await client.registerNode(sampleRegistration({ network: ours }) as never, id)).id).toBe(id.id)
  })

  it('filters by status, region and executor and pages by cursor', async () => {
    const regions = ['eu-west', 'us-east', 'ap-northeast']
    for (let i = 0; i < 9; i++) {
      const reg = sampleRegistration({
        name: `n${i}`,
        location: { lat: i, lon: i, region: regions[i % 3] },
        capabilities: { cpuCores: 2, memoryGb: 4, gpus: [], diskGb: 10, executors: i % 2 === 0 ? ['wasm'] : ['onnx'] },
      })
      await client.registerNode(reg as never, generateIdentity('node'))
    }
    const eu = await client.listNodes({ region: 'eu-west' })
    expect(eu.total).toBe(3)
    expect(eu.nodes.every((n) => n.region === 'eu-west')).toBe(true)
    const wasm = await client.listNodes({ executor: 'wasm' })
    expect(wasm.total).toBe(5)
    expect(wasm.nodes.every((n) => n.capabilities.executors.includes('wasm'))).toBe(true)
    expect((await client.listNodes({ status: 'online' })).total).toBe(0)
    const seen: string[] = []
    let page: NodeList = await client.listNodes({ limit: 4 })
    for (;;) {
      seen.push(...page.nodes.map((n) => n.id))
      if (page.nextCursor === null) break
      page = await client.listNodes({ limit: 4, cursor: page.nextCursor })
    }
    expect(seen).toHaveLength(11)
    expect(new Set(seen).size).toBe(11)
    expect([...seen].sort()).toEqual(seen)
  })
})

describe.each(backends())('liveness on %s', (backend) => {
  let t: TestHub

  beforeAll(async () => {
    t = await startTestHub(backend)
  })
  afterAll(async () => t?.close())

  it('marks a heartbeating node online, streams its load, and takes it offline after its heartbeats stop', async () => {
    const client = new HubClient({ url: t.hub.url })
    const events: Array<{ type: string; id?: string; status?: string }> = []
    let hello: NodeInfo[] | undefined
    const close = client.events((m) => {
      if (m.type === 'hello') hello = m.nodes
      else events.push(m.type === 'node.status' ? { type: m.type, id: m.id, status: m.status } : { type: m.type })
    })
    const sim = await simulateNode(t.hub.url, sampleRegistration() as never)
    const { heartbeatIntervalMs } = await sim.connect()
    expect(heartbeatIntervalMs).toBe(1000)
    sim.beat({ cpuPercent: 42, memoryUsedGb: 3, runningTasks: 1, diskUsedGb: 2 })
    sim.startBeating(200)
    await until(async () => (await client.getNode(sim.node.id)).load?.cpuPercent === 42 || (await client.getNode(sim.node.id)).load !== null, 5000)
    const online = await client.getNode(sim.node.id)
    expect(online.status).toBe('online')
    expect(online.lastSeenAt).not.toBeNull()
    expect(hello).toBeDefined()
    await until(async () => events.some((e) => e.type === 'node.load'), 5000)
    expect(events).toContainEqual({ type: 'node.status', id: sim.node.id, status: 'online' })

    sim.close()
    await until(async () => (await client.getNode(sim.node.id)).status !== 'online', 10_000)
    await until(async () => (await client.getNode(sim.node.id)).status === 'offline', 10_000)
    await until(async () => events.some((e) => e.id === sim.node.id && e.status === 'offline'), 3000)
    close()
  })

  it('closes the socket of an unregistered node with NODE_NOT_REGISTERED', async () => {
    const stranger = new HubClient({ url: t.hub.url, identity: generateIdentity('node') })
    const ws = stranger.openHeartbeatSocket()
    const [msg, code] = await Promise.all([
      new Promise<string>((r) => ws.once('message', (d) => r(String(d)))),
      new Promise<number>((r) => ws.once('close', (c) => r(c))),
    ])
    expect(JSON.parse(msg)).toMatchObject({ type: 'error', code: 'NODE_NOT_REGISTERED' })
    expect(code).toBe(4404)
  })

  it('closes the socket on a malformed heartbeat and stays healthy', async () => {
    const sim = await simulateNode(t.hub.url, sampleRegistration() as never)
    await sim.connect()
    const closed = new Promise<number>((r) => sim.socket?.once('close', (c) => r(c)))
    sim.socket?.send('{"type":"heartbeat","seq":-1,"cpuPercent":900}')
    expect(await closed).toBe(4400)
    const other = await simulateNode(t.hub.url, sampleRegistration() as never)
    await other.connect()
    other.socket?.send(Buffer.from([0xff, 0x00, 0x13]))
    expect(await new Promise<number>((r) => other.socket?.once('close', (c) => r(c)))).toBe(4400)
    expect((await fetch(t.hub.url + '/v1/health')).status).toBe(200)
  })

  it('keeps its state over a restart; a reconnecting node is online again', async () => {
    const sim = await simulateNode(t.hub.url, sampleRegistration({ name: 'survivor' }) as never)
    await sim.connect()
    sim.startBeating(200)
    const client = new HubClient({ url: t.hub.url })
    await until(async () => (await client.getNode(sim.node.id)).status === 'online', 5000)
    const account = generateIdentity('account')
    await client.createAccount({ name: 'keeper' }, account)
    sim.close()

    await t.restart()
    const after = await client.getNode(sim.node.id)
    expect(after.name).toBe('survivor')
    expect((await client.me(account)).name).toBe('keeper')
    await sim.connect()
    sim.startBeating(200)
    await until(async () => (await client.getNode(sim.node.id)).status === 'online', 10_000)
    sim.close()
  })
})
