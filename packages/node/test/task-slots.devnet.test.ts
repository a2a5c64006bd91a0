/**
 * Task slots on a real devnet (an in-process hub and two node agents running tasks in sandboxes):
 * a burst of 100 small ONNX jobs on nodes with one slot each all succeed, and the hub's own job
 * history shows no node ever holding two task leases at once.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentity } from '@w3ai/crypto'
import { createHub, type Hub } from '@w3ai/hub'
import type { Job } from '@w3ai/protocol'
import { HubClient, JobsClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { createNodeAgent, type NodeAgent } from '../src/index.js'

const JOBS = 100

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Per node, the spans during which it held a lease: from `leased` to that attempt's end. */
function leaseSpans(jobs: Job[]): Map<string, Array<{ start: string; end: string | undefined; taskId: string }>> {
  const spans = new Map<string, Array<{ start: string; end: string | undefined; taskId: string }>>()
  for (const job of jobs) {
    const open = new Map<string, { start: string; end: string | undefined; taskId: string }>()
    for (const e of job.history) {
      if (e.kind === 'leased' && e.nodeId !== null) {
        const span = { start: e.at, end: undefined, taskId: e.taskId }
        open.set(e.taskId, span)
        spans.set(e.nodeId, [...(spans.get(e.nodeId) ?? []), span])
      } else if (e.kind !== 'progress' && e.kind !== 'queued') {
        const span = open.get(e.taskId)
        if (span !== undefined) span.end = e.at
        open.delete(e.taskId)
      }
    }
  }
  return spans
}

describe('one-slot nodes under a burst of ONNX jobs', () => {
  let root: string
  let hub: Hub
  const nodes: NodeAgent[] = []
  let jobs: JobsClient
  let storage: StorageClient
  const peaks = new Map<string, number>()
  let sampler: NodeJS.Timeout | undefined

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-task-slots-'))
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
        tasks: { slots: 1, pollMs: 50, timeMs: 60_000 },
      })
      await node.start()
      nodes.push(node)
    }
    const identity = generateIdentity('account')
    const client = new HubClient({ url: hub.url, identity })
    await client.createAccount({ name: 'burst', encryptionKey: identity.encryptionKey })
    await until(async () => (await client.listNodes({ status: 'online' })).total === 2, 30_000)
    storage = new StorageClient(client, identity)
    jobs = new JobsClient(client, identity)
    // The node's own count of tasks held, sampled all along (the hub history below is the exact check).
    sampler = setInterval(() => {
      for (const n of nodes) peaks.set(n.id, Math.max(peaks.get(n.id) ?? 0, n.runningTasks))
    }, 5)
  }, 120_000)

  afterAll(async () => {
    clearInterval(sampler)
    for (const n of nodes) await n.stop()
    await hub?.stop()
    await rm(root, { recursive: true, force: true })
  }, 60_000)

  it(`runs ${JOBS} jobs to success, never more than one task per node at a time`, async () => {
    const model = linearModel(randomDense(4, 3, 3))
    async function* once(): AsyncGenerator<Uint8Array> {
      yield model
    }
    const { cid } = await storage.put(once(), model.length, { redundancy: { k: 1, n: 2, repairThreshold: 2 } })
    const tensors = { x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } }
    // A burst: the jobs are submitted eight at a time (far faster than two one-slot nodes run them).
    const submitted: Job[] = []
    while (submitted.length < JOBS) {
      const batch = Math.min(8, JOBS - submitted.length)
      submitted.push(...(await Promise.all(Array.from({ length: batch }, () => jobs.submit({ executor: 'onnx', inputs: { model: cid }, params: { tensors } })))))
    }
    // Jobs finish roughly in order: waiting for each in turn keeps the polling light.
    const done: Job[] = []
    for (const j of submitted) done.push(await jobs.wait(j.id, { timeoutMs: 240_000, intervalMs: 200 }))

    const failed = done.filter((j) => j.status !== 'succeeded')
    expect(failed.map((j) => j.error)).toEqual([])
    for (const j of done) expect((j.result as { outputs: { y: { dims: number[] } } }).outputs.y.dims).toEqual([1, 3])

    const spans = leaseSpans(done)
    expect([...spans.keys()].sort()).toEqual(nodes.map((n) => n.id).sort())
    for (const [nodeId, list] of spans) {
      list.sort((a, b) => a.start.localeCompare(b.start))
      for (const [i, span] of list.entries()) {
        expect(span.end, `lease of ${span.taskId} on ${nodeId} never ended`).toBeDefined()
        const next = list[i + 1]
        if (next !== undefined) expect(next.start >= span.end!, `${nodeId} leased ${next.taskId} while holding ${span.taskId}`).toBe(true)
      }
    }
    for (const n of nodes) expect(peaks.get(n.id)).toBe(1)
  }, 300_000)
})
