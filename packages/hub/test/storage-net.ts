/** A small in-process storage network for route tests: one hub, N real node agents, accounts. */
import { once } from 'node:events'
import { join } from 'node:path'
import { generateIdentity, type Identity } from '@w3ai/crypto'
import { createNodeAgent, type NodeAgent } from '@w3ai/node'
import { HubClient, StorageClient } from '@w3ai/sdk'
import type { HubOptions } from '../src/index.js'
import { startTestHub, tempHome, until, type Backend, type TestHub } from './helpers.js'

export interface StorageNet {
  t: TestHub
  agents: NodeAgent[]
  homes: string[]
  /** A fresh account registered with the hub, with its storage client. */
  account(name?: string): Promise<{ identity: Identity; hub: HubClient; storage: StorageClient }>
  addNode(): Promise<NodeAgent>
  close(): Promise<void>
}

const CITIES = [
  { lat: 50.11, lon: 8.68, region: 'eu-central' },
  { lat: 51.51, lon: -0.13, region: 'eu-west' },
  { lat: 40.71, lon: -74.0, region: 'us-east' },
  { lat: 37.77, lon: -122.42, region: 'us-west' },
  { lat: 35.68, lon: 139.69, region: 'ap-northeast' },
  { lat: -23.55, lon: -46.63, region: 'sa-east' },
  { lat: 1.35, lon: 103.82, region: 'ap-southeast' },
  { lat: -33.92, lon: 18.42, region: 'af-south' },
]

export async function startStorageNet(backend: Backend, nodes: number, options: Partial<HubOptions> = {}): Promise<StorageNet> {
  const t = await startTestHub(backend, { heartbeatIntervalMs: 250, ...options })
  const root = await tempHome('w3ai-storage-net-')
  const agents: NodeAgent[] = []
  const homes: string[] = []
  const addNode = async (): Promise<NodeAgent> => {
    const i = agents.length
    const city = CITIES[i % CITIES.length]!
    const home = join(root.dir, `node-${i}`)
    const agent = createNodeAgent({
      home,
      hubUrl: t.hub.url,
      logLevel: false,
      cpu: 2,
      memoryGb: 4,
      diskGb: 50,
      region: city.region,
      location: { lat: city.lat, lon: city.lon },
      reconnect: { initialMs: 50, maxMs: 500 },
      // These tests play the nodes' task side themselves.
      tasks: { enabled: false },
    })
    const connected = once(agent, 'connected')
    await agent.start()
    await connected
    agents.push(agent)
    homes.push(home)
    return agent
  }
  for (let i = 0; i < nodes; i++) await addNode()
  const probe = new HubClient({ url: t.hub.url })
  await until(async () => (await probe.listNodes({ status: 'online' })).total === nodes, 15_000)
  return {
    t,
    agents,
    homes,
    addNode,
    async account(name = 'user') {
      const identity = generateIdentity('account')
      const hub = new HubClient({ url: t.hub.url, identity })
      await hub.createAccount({ name, encryptionKey: identity.encryptionKey })
      return { identity, hub, storage: new StorageClient(hub, identity) }
    },
    async close() {
      for (const a of agents) await a.stop().catch(() => undefined)
      await t.close()
      await root.cleanup()
    },
  }
}

export async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

export async function roundTrip(storage: StorageClient, cid: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  await storage.get(cid, (c) => void parts.push(Buffer.from(c)))
  return Buffer.concat(parts)
}
