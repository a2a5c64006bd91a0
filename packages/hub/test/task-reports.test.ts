import { randomBytes } from 'node:crypto'
import { readIdentity, type Identity } from '@w3ai/crypto'
import type { ClaimedTask, Job } from '@w3ai/protocol'
import { HubClient, JobsClient, TaskClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, codeOf } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

type Node = { id: string; tasks: TaskClient }
type Claimed = { node: Node; task: ClaimedTask }

/**
 * Task reports sent again (issue 8 B4: a node's outbox retries until the hub acknowledges) and
 * verifications that cannot agree (B2), with the nodes played by the test through the node client.
 */
describe.each(backends())('task reports and verification on %s', (backend) => {
  let net: StorageNet
  let jobs: JobsClient
  let hub: HubClient
  let nodes: Node[]
  let module: string
  let input: string

  const claimAll = async (): Promise<Claimed[]> => {
    const out: Claimed[] = []
    for (const node of nodes) for (const task of await node.tasks.claim(['wasm'], 4)) out.push({ node, task })
    return out
  }
  const claimSome = async (): Promise<Claimed[]> => {
    for (let i = 0; i < 50; i++) {
      const got = await claimAll()
      if (got.length > 0) return got
      await new Promise((r) => setTimeout(r, 100))
    }
    return []
  }
  const count = (job: Job, kind: string): number => job.history.filter((e) => e.kind === kind).length
  const passed = async (id: string): Promise<number> => (await hub.getNode(id)).reputation?.passed ?? 0

  beforeAll(async () => {
    net = await startStorageNet(backend, 4, { compute: { spotCheckRate: 0, leaseMs: 60_000 } })
    const alice = await net.account('alice')
    jobs = new JobsClient(alice.hub, alice.identity)
    hub = new HubClient({ url: net.t.hub.url })
    nodes = await Promise.all(net.homes.map(async (home) => {
      const identity = (await readIdentity(home)) as Identity
      return { id: identity.id, tasks: new TaskClient(hub, identity) }
    }))
    const moduleBytes = randomBytes(2000)
    const inputBytes = Buffer.from('report me twice')
    const redundancy = { k: 2, n: 4, repairThreshold: 3 }
    module = (await alice.storage.put(chunks(moduleBytes), moduleBytes.length, { redundancy })).cid
    input = (await alice.storage.put(chunks(inputBytes), inputBytes.length, { redundancy })).cid
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('answers a result sent again, even twice at once, with the same outcome and commits it once', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    const [{ node, task }] = (await claimSome()) as [Claimed]
    const answers = await Promise.all([node.tasks.complete(task, { stdout: 'ONE' }), node.tasks.complete(task, { stdout: 'ONE' })])
    expect(answers).toEqual(['committed', 'committed'])
    expect(await node.tasks.complete(task, { stdout: 'ONE' })).toBe('committed')
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('succeeded')
    expect(done.result).toEqual({ stdout: 'ONE' })
    expect(done.history.map((e) => e.kind)).toEqual(['queued', 'leased', 'succeeded'])
  })

  it('settles a verified job once when both replicas report again (no second reputation credit)', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, verify: 2 })
    const claimed = await claimSome()
    expect(claimed).toHaveLength(2)
    for (const c of claimed) expect(await c.node.tasks.complete(c.task, { stdout: 'SAME' })).toBe('committed')
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('succeeded')
    const before = await Promise.all(claimed.map((c) => passed(c.node.id)))
    for (const c of claimed) expect(await c.node.tasks.complete(c.task, { stdout: 'SAME' })).toBe('committed')
    expect(await Promise.all(claimed.map((c) => passed(c.node.id)))).toEqual(before)
    const after = await jobs.get(job.id)
    expect(after.replicas).toBe(2)
    expect(count(after, 'succeeded')).toBe(2)
  })

  it('answers a failure sent again with the same outcome and retries the task once', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, maxAttempts: 3 })
    const [first] = (await claimSome()) as [Claimed]
    const error = { code: 'COMPUTE_CRASHED', message: 'node fell over' }
    expect(await first.node.tasks.fail(first.task, error)).toBe('retrying')
    expect(await first.node.tasks.fail(first.task, error)).toBe('retrying')
    const [second] = (await claimSome()) as [Claimed]
    expect(second.task.attempt).toBe(2)
    // Sent again after the task moved on to its next attempt: still the first answer.
    expect(await first.node.tasks.fail(first.task, error)).toBe('retrying')
    expect(await second.node.tasks.complete(second.task, { stdout: 'TWO' })).toBe('committed')
    const done = await jobs.wait(job.id)
    expect(done.history.map((e) => e.kind)).toEqual(['queued', 'leased', 'retrying', 'leased', 'succeeded'])
  })

  it('refuses, as final TASK_LEASE_LOST, a report on a superseded lease or a different report on the same lease', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, maxAttempts: 3 })
    const [first] = (await claimSome()) as [Claimed]
    expect(await first.node.tasks.fail(first.task, { code: 'COMPUTE_CRASHED', message: 'boom' })).toBe('retrying')
    // The same lease reporting a result after its failure, and a second node's copy later.
    expect(await codeOf(first.node.tasks.complete(first.task, { stdout: 'late' }))).toBe('TASK_LEASE_LOST')
    const [second] = (await claimSome()) as [Claimed]
    expect(await second.node.tasks.complete(second.task, { stdout: 'FINAL' })).toBe('committed')
    expect(await codeOf(second.node.tasks.complete(second.task, { stdout: 'CHANGED' }))).toBe('TASK_LEASE_LOST')
    expect(await codeOf(second.node.tasks.fail(second.task, { code: 'COMPUTE_CRASHED', message: 'x' }))).toBe('TASK_LEASE_LOST')
    expect((await jobs.wait(job.id)).result).toEqual({ stdout: 'FINAL' })
  })

  it('fails a verification that cannot agree once no other node can break the tie, saying how many results disagreed', async () => {
    // Four replicas on the four keyed nodes, two against two: no node is left for a tie-breaker.
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, verify: 4 })
    const claimed = await claimSome()
    expect(claimed).toHaveLength(4)
    for (const [i, c] of claimed.entries()) await c.node.tasks.complete(c.task, { stdout: i % 2 === 0 ? 'A' : 'B' })
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('failed')
    expect(done.error).toMatchObject({ code: 'COMPUTE_VERIFICATION_FAILED', message: expect.stringContaining('4 results of this wasm job disagreed (2 different results') })
    expect(done.replicas).toBe(4)
  })

  it('fails a verification after the most tie-breakers allowed, each on a node not used yet', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input }, verify: 2 })
    let answered = 0
    for (let round = 0; round < 4; round++) {
      const claimed = await claimSome()
      if (claimed.length === 0) break
      for (const c of claimed) await c.node.tasks.complete(c.task, { stdout: `answer ${answered++}` })
      if ((await jobs.get(job.id)).status === 'failed') break
    }
    const done = await jobs.wait(job.id)
    expect(done.status).toBe('failed')
    // Two replicas and the two tie-breakers the hub allows, all different.
    expect(answered).toBe(4)
    expect(done.error).toMatchObject({ code: 'COMPUTE_VERIFICATION_FAILED', message: expect.stringContaining('after 2 tie-breaker replica(s)') })
  })

  it('records a progress report sent again under the same number once, and every report of an older node that sends none', async () => {
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    const [{ node, task }] = (await claimSome()) as [Claimed]
    await node.tasks.progress(task, { epoch: 1 }, 0)
    await node.tasks.progress(task, { epoch: 1 }, 0)
    await node.tasks.progress(task, { epoch: 2 }, 1)
    await node.tasks.progress(task, { old: true })
    await node.tasks.progress(task, { old: true })
    expect(await node.tasks.complete(task, { stdout: 'P' })).toBe('committed')
    const done = await jobs.wait(job.id)
    expect(done.history.filter((e) => e.kind === 'progress').map((e) => e.detail)).toEqual([{ epoch: 1 }, { epoch: 2 }, { old: true }, { old: true }])
  })
})
