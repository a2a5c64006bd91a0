import { randomBytes } from 'node:crypto'
import { readIdentity, type Identity } from '@w3ai/crypto'
import { W3aiError, type ClaimedTask } from '@w3ai/protocol'
import { HubClient, JobsClient, TaskClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, codeOf } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'


/**
 * The job API with nodes played by the test through the node-side client (the node agent's own
 * task runner comes with the executors): placement, key wrapping, claims, retries, verification.
 */
describe.each(backends())('compute jobs on %s', (backend) => {
  let net: StorageNet
  let alice: Awaited<ReturnType<StorageNet['account']>>
  let jobs: JobsClient
  let nodes: Array<{ id: string; tasks: TaskClient }>
  let module: string
  let input: string
  const moduleBytes = randomBytes(3000)
  const inputBytes = Buffer.from('hello w3ai compute')

  const claimAll = async (): Promise<Array<{ node: { id: string; tasks: TaskClient }; task: ClaimedTask }>> => {
    const out = []
    for (const node of nodes) for (const task of await node.tasks.claim(['wasm', 'onnx'], 4)) out.push({ node, task })
    return out
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 6, { compute: { spotCheckRate: 0, leaseMs: 600 } })
    alice = await net.account('alice')
    jobs = new JobsClient(alice.hub, alice.identity)
    const hub = new HubClient({ url: net.t.hub.url })
    nodes = await Promise.all(
      net.homes.map(async (home) => {
        const identity = (await readIdentity(home)) as Identity
        return { id: identity.id, tasks: new TaskClient(hub, identity) }
      }),
    )
    module = (await alice.storage.put(chunks(moduleBytes), moduleBytes.length)).cid
    input = (await alice.storage.put(chunks(inputBytes), inputBytes.length)).cid
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('places a job, wraps its input keys to the chosen nodes only, and commits the result once', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    expect(job.status).toBe('queued')
    const claimed = await claimAll()
    expect(claimed).toHaveLength(1)
    const { node, task } = claimed[0]!
    expect(task.inputs.map((i) => i.role).sort()).toEqual(['input', 'module'])
    const opened = await node.tasks.openInput(task.inputs.find((i) => i.role === 'input')!)
    expect(opened.equals(inputBytes)).toBe(true)
    expect((await node.tasks.openInput(task.inputs.find((i) => i.role === 'module')!)).equals(moduleBytes)).toBe(true)
    expect(await node.tasks.complete(task, { stdout: 'HELLO W3AI COMPUTE' })).toBe('committed')
    expect(await codeOf(node.tasks.complete(task, { stdout: 'again' }))).toBe('TASK_LEASE_LOST')
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('succeeded')
    expect(done.result).toEqual({ stdout: 'HELLO W3AI COMPUTE' })
    // An assignment not claimed within the (short) test lease is freed for any node ('reassigned'):
    // on a loaded machine the claim can come later than that; the job still runs and commits once.
    expect(done.history.map((e) => e.kind).filter((k) => k !== 'reassigned')).toEqual(['queued', 'leased', 'succeeded'])
  })

  it('retries a failed task on another keyed node and shows the retry in the history', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, maxAttempts: 3 })
    const [first] = await claimAll()
    expect(await first!.node.tasks.fail(first!.task, { code: 'COMPUTE_CRASHED', message: 'node fell over' })).toBe('retrying')
    await new Promise((r) => setTimeout(r, 700))
    const [second] = await claimAll()
    expect(second!.node.id).not.toBe(first!.node.id)
    expect(second!.task.attempt).toBe(2)
    await second!.node.tasks.complete(second!.task, { ok: 1 })
    const done = await jobs.wait(job.id)
    expect(done.history.map((e) => e.kind)).toEqual(['queued', 'leased', 'retrying', 'leased', 'succeeded'])
  })

  it('re-dispatches a task whose node went silent (lease expired)', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    const [first] = await claimAll()
    await new Promise((r) => setTimeout(r, 1800))
    const [second] = await claimAll()
    expect(second).toBeDefined()
    expect(second!.node.id).not.toBe(first!.node.id)
    await second!.node.tasks.complete(second!.task, { ok: 2 })
    expect(await codeOf(first!.node.tasks.complete(first!.task, { ok: 'late' }))).toBe('TASK_LEASE_LOST')
    const done = await jobs.wait(job.id)
    expect(done.result).toEqual({ ok: 2 })
    expect(done.history.map((e) => e.kind)).toContain('expired')
  })

  it('verifies replicas: a wrong answer is outvoted by a tie-breaker and costs its node reputation', async () => {
    const tensors = { x: { type: 'float32', dims: [1, 2], data: [1, 2] } }
    const job = await jobs.submit({ executor: 'onnx', inputs: { model: module }, params: { tensors }, verify: 2, tolerance: 1e-6 })
    expect(job.replicas).toBe(2)
    const claimed = await claimAll()
    expect(claimed).toHaveLength(2)
    expect(new Set(claimed.map((c) => c.node.id)).size).toBe(2)
    const [honest, liar] = claimed
    await honest!.node.tasks.complete(honest!.task, { y: [0.5, 0.25] })
    await liar!.node.tasks.complete(liar!.task, { y: [9, 9] })
    const hub = new HubClient({ url: net.t.hub.url })
    let tie: Awaited<ReturnType<typeof claimAll>> = []
    for (let i = 0; i < 20 && tie.length === 0; i++) {
      tie = await claimAll()
      if (tie.length === 0) await new Promise((r) => setTimeout(r, 100))
    }
    expect(tie).toHaveLength(1)
    expect([honest!.node.id, liar!.node.id]).not.toContain(tie[0]!.node.id)
    await tie[0]!.node.tasks.complete(tie[0]!.task, { y: [0.5 + 1e-7, 0.25] })
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('succeeded')
    expect(done.result).toEqual({ y: [0.5, 0.25] })
    expect(done.replicas).toBe(3)
    const liarRep = (await hub.getNode(liar!.node.id)).reputation!
    const honestRep = (await hub.getNode(honest!.node.id)).reputation!
    expect(liarRep.failed).toBe(1)
    expect(liarRep.score).toBeLessThan(honestRep.score)
    expect(honestRep.passed).toBeGreaterThanOrEqual(1)
  })

  it('cancels a job so no node can claim it', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    expect((await jobs.cancel(job.id)).status).toBe('cancelled')
    expect(await claimAll()).toHaveLength(0)
    expect(await codeOf(jobs.cancel(job.id))).toBe('JOB_INVALID_STATE')
  })

  it('refuses bad submissions with codes', async () => {
    const bob = await net.account('bob')
    const bobJobs = new JobsClient(bob.hub, bob.identity)
    expect(await codeOf(bobJobs.submit({ executor: 'wasm', inputs: { module, input } }))).toBe('STORAGE_ACCESS_DENIED')
    expect(await codeOf(jobs.submit({ executor: 'wasm', inputs: { module: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' } }))).toBe('STORAGE_OBJECT_NOT_FOUND')
    expect(await codeOf(jobs.submit({ executor: 'quantum' as never, inputs: {} }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(jobs.submit({ executor: 'wasm', inputs: { module }, verify: 9 }))).toBe('VALIDATION_FAILED')
    expect(await codeOf(jobs.get('j_000000000000000000000000'))).toBe('JOB_NOT_FOUND')
    const mine = await jobs.submit({ executor: 'wasm', inputs: { module } })
    expect(await codeOf(bobJobs.get(mine.id))).toBe('JOB_NOT_FOUND')
    await jobs.cancel(mine.id)
    const stranger = new TaskClient(new HubClient({ url: net.t.hub.url }), (await import('@w3ai/crypto')).generateIdentity('node'))
    expect(await codeOf(stranger.claim(['wasm'], 1))).toBe('NODE_NOT_REGISTERED')
  })
})
