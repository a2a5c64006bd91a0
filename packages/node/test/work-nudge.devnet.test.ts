/**
 * Work nudges on a real devnet (an in-process hub, two node agents running tasks in sandboxes):
 * the nodes would next ask for tasks in ten minutes (W3AI_TASK_POLL_MS, here the same setting
 * passed as an option), yet a job finishes within the test's usual timeout, because the hub tells
 * the node it placed the job on over its heartbeat socket, and that node claims at once.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentity } from '@w3ai/crypto'
import { createHub, type Hub } from '@w3ai/hub'
import { HubClient, JobsClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { createNodeAgent, type NodeAgent } from '../src/index.js'

const TEN_MINUTES = 600_000

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('a job on nodes that poll every ten minutes', () => {
  let root: string
  let hub: Hub
  const nodes: NodeAgent[] = []
  let jobs: JobsClient
  let storage: StorageClient

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-work-nudge-'))
    hub = createHub({ home: join(root, 'hub'), port: 0, logLevel: false, heartbeatIntervalMs: 200, compute: { spotCheckRate: 0 } })
    await hub.start()
    for (const name of ['a', 'b']) {
      const node = createNodeAgent({
        home: join(root, name),
        hubUrl: hub.url,
        logLevel: false,
        cpu: 1,
        memoryGb: 2,
        diskGb: 1,
        executors: ['onnx'],
        reconnect: { initialMs: 50, maxMs: 500 },
        tasks: { slots: 1, pollMs: TEN_MINUTES, timeMs: 60_000 },
      })
      await node.start()
      nodes.push(node)
    }
    const identity = generateIdentity('account')
    const client = new HubClient({ url: hub.url, identity })
    await client.createAccount({ name: 'nudged', encryptionKey: identity.encryptionKey })
    await until(async () => (await client.listNodes({ status: 'online' })).total === 2, 30_000)
    storage = new StorageClient(client, identity)
    jobs = new JobsClient(client, identity)
  }, 120_000)

  afterAll(async () => {
    for (const n of nodes) await n.stop()
    await hub?.stop()
    await rm(root, { recursive: true, force: true })
  }, 60_000)

  it('runs to success: the node it is placed on claims it when the hub nudges, not at its next poll', async () => {
    const model = linearModel(randomDense(4, 3, 3))
    async function* once(): AsyncGenerator<Uint8Array> {
      yield model
    }
    const { cid } = await storage.put(once(), model.length, { redundancy: { k: 1, n: 2, repairThreshold: 2 } })
    const tensors = { x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } }
    // Two jobs one after the other: the second finds both nodes long past their first (and only) poll.
    for (let i = 0; i < 2; i++) {
      const job = await jobs.submit({ executor: 'onnx', inputs: { model: cid }, params: { tensors } })
      const done = await jobs.wait(job.id, { timeoutMs: 50_000, intervalMs: 100 })
      expect(done.status).toBe('succeeded')
      expect((done.result as { outputs: { y: { dims: number[] } } }).outputs.y.dims).toEqual([1, 3])
    }
  })
})
