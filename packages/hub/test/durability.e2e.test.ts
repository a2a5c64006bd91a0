/**
 * Durability on a real devnet (hub and node processes), 4-of-6: lose 2 nodes and every object
 * still downloads; as replacement nodes join, repair brings every segment back to 6 healthy
 * pieces; lose 2 more and every object still downloads intact.
 */
import { createHash, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startDevnet, startNodeProcess, type Devnet, type NodeProcess } from '@w3ai/cli'
import { generateIdentity } from '@w3ai/crypto'
import { HubClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempHome, until } from './helpers.js'
import { chunks, roundTrip } from './storage-net.js'

const SEG = 64 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('W3S durability on a 6-node devnet (4-of-6)', () => {
  let devnet: Devnet
  let home: { dir: string; cleanup: () => Promise<void> }
  const extra: NodeProcess[] = []
  let storage: StorageClient
  const objects: Array<{ cid: string; digest: string }> = []

  const allIntact = async (): Promise<void> => {
    for (const o of objects) expect(sha(await roundTrip(storage, o.cid)), o.cid).toBe(o.digest)
  }

  beforeAll(async () => {
    home = await tempHome('w3ai-durability-')
    devnet = await startDevnet({
      home: home.dir,
      nodes: 6,
      hubPort: 0,
      logLevel: 'warn',
      env: { W3AI_STORAGE_REPAIR_GRACE_MS: '2000', W3AI_STORAGE_REPAIR_INTERVAL_MS: '500', W3AI_STORAGE_AUDIT_INTERVAL_MS: '1000' },
    })
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'durable', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    for (const size of [1, 3 * SEG + 17, 5 * SEG]) {
      const data = randomBytes(size)
      const obj = await storage.put(chunks(data), size, { segmentSize: SEG })
      objects.push({ cid: obj.cid, digest: sha(data) })
    }
  }, 120_000)

  afterAll(async () => {
    for (const p of extra) await p.stop().catch(() => undefined)
    await devnet?.stop()
    await home?.cleanup()
  }, 60_000)

  it('downloads every object intact with 2 of 6 nodes killed', async () => {
    devnet.nodes[0]!.kill('SIGKILL')
    devnet.nodes[1]!.kill('SIGKILL')
    await allIntact()
  })

  it('repairs every segment back to 6 healthy pieces on the nodes that remain and join', async () => {
    for (const i of [6, 7]) {
      extra.push(await startNodeProcess({ hubUrl: devnet.hubUrl, home: join(home.dir, 'nodes', `extra-${i}`), diskGb: 50, region: 'eu-north', location: { lat: 59.33, lon: 18.07 }, logLevel: 'warn' }))
    }
    const dead = new Set([devnet.nodes[0]!.id, devnet.nodes[1]!.id])
    await until(async () => {
      for (const o of objects) {
        const info = await storage.info(o.cid)
        for (const seg of info.segments) {
          if (seg.healthy < 6) return false
          if (seg.pieces.some((p) => dead.has(p.nodeId))) return false
          if (new Set(seg.pieces.map((p) => p.nodeId)).size !== seg.pieces.length) return false
        }
      }
      return true
    }, 60_000)
  }, 90_000)

  it('still downloads every object intact after 2 more nodes are killed', async () => {
    devnet.nodes[2]!.kill('SIGKILL')
    devnet.nodes[3]!.kill('SIGKILL')
    await allIntact()
  }, 60_000)
})
