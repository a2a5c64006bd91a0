import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../src/index.js'
import { TaskQueue } from '../src/domains/compute/queue.js'
import { backends, dropSchema, freshDatabaseUrl, openFreshDatabase, tempHome } from './helpers.js'

let n = 0
const jobId = (): string => `j_${Date.now().toString(36)}_${n++}`

describe.each(backends())('task queue on %s', (backend) => {
  let db: Database
  let q: TaskQueue
  let cleanup: () => Promise<void>
  const url = freshDatabaseUrl(backend)

  beforeAll(async () => {
    const home = await tempHome()
    cleanup = home.cleanup
    db = await openFreshDatabase(home.dir, url)
    q = new TaskQueue(db, { leaseMs: 200, backoffBaseMs: 10, backoffMaxMs: 50 })
  })
  afterAll(async () => {
    await db?.close()
    await cleanup?.()
    if (url !== undefined) await dropSchema(url)
  })

  it('leases a task to one node only, even when nodes claim at once', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_1', executor: 'wasm', spec: { x: 1 } })
    const claims = await Promise.all(['n_a', 'n_b', 'n_c', 'n_d'].map((node) => q.claim(node, ['wasm'], 5)))
    const mine = claims.flat().filter((t) => t.jobId === id)
    expect(mine).toHaveLength(1)
    expect(mine[0]!.spec).toEqual({ x: 1 })
    expect((await q.job(id))!.status).toBe('running')
  })

  it('respects executors, capacity and assignment', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_1', executor: 'onnx', spec: {}, replicas: 3, assignments: ['n_x', undefined, undefined] })
    expect((await q.claim('n_y', ['wasm'], 5)).filter((t) => t.jobId === id)).toHaveLength(0)
    const got = (await q.claim('n_y', ['onnx'], 5)).filter((t) => t.jobId === id)
    expect(got).toHaveLength(1) // one replica per node; replica 0 belongs to n_x
    expect(got[0]!.replica).not.toBe(0)
    const x = (await q.claim('n_x', ['onnx'], 5)).filter((t) => t.jobId === id)
    expect(x.map((t) => t.replica)).toEqual([0])
  })

  it('commits a result exactly once and rolls the job up', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_2', executor: 'wasm', spec: {} })
    const [t] = (await q.claim('n_a', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect((await q.complete(t!.id, t!.leaseId, 'n_a', { out: 42 }, 'd1')).outcome).toBe('committed')
    expect((await q.complete(t!.id, t!.leaseId, 'n_a', { out: 43 }, 'd2')).outcome).toBe('stale')
    const job = await q.job(id)
    expect(job!.status).toBe('succeeded')
    expect(job!.results).toEqual([{ replica: 0, result: { out: 42 }, digest: 'd1', nodeId: 'n_a' }])
  })

  it("succeeds a job of one replica with that replica's result in the same step, never succeeded without it", async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_2', executor: 'wasm', spec: {} })
    const [t] = (await q.claim('n_a', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect(await q.complete(t!.id, t!.leaseId, 'n_a', { out: 7 }, 'd')).toEqual({ outcome: 'committed', repeated: false, verify: true })
    const row = await db.query<{ status: string; result: unknown }>('SELECT status, result FROM jobs WHERE id = $1', [id])
    expect(row.rows[0]).toEqual({ status: 'succeeded', result: { out: 7 } })
  })

  it('settles the last replicas of a verified job finishing at once: exactly one report asks for the verdict, the job stays running until it', async () => {
    for (let round = 0; round < 8; round++) {
      const id = jobId()
      const nodes = ['n_r1', 'n_r2', 'n_r3']
      await q.enqueue({ id, owner: 'a_3', executor: 'wasm', spec: {}, replicas: 3 })
      const leased = []
      for (const node of nodes) leased.push({ node, task: (await q.claim(node, ['wasm'], 5)).find((x) => x.jobId === id)! })
      const reports = await Promise.all(leased.map(({ node, task }) => q.complete(task.id, task.leaseId, node, { same: true }, 'd')))
      expect(reports.map((r) => r.outcome)).toEqual(['committed', 'committed', 'committed'])
      expect(reports.filter((r) => r.verify === true)).toHaveLength(1)
      const row = await db.query<{ status: string; result: unknown }>('SELECT status, result FROM jobs WHERE id = $1', [id])
      expect(row.rows[0]).toEqual({ status: 'running', result: null })
    }
  })

  it('retries a failed task with backoff on another node, then fails the job after the maximum', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_3', executor: 'wasm', spec: {}, maxAttempts: 2 })
    const [first] = (await q.claim('n_a', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect((await q.fail(first!.id, first!.leaseId, 'n_a', { code: 'BOOM' })).outcome).toBe('retrying')
    await new Promise((r) => setTimeout(r, 30))
    expect((await q.claim('n_a', ['wasm'], 5)).filter((x) => x.jobId === id)).toHaveLength(0) // never the node that failed
    const [second] = (await q.claim('n_b', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect(second!.attempt).toBe(2)
    expect((await q.fail(second!.id, second!.leaseId, 'n_b', { code: 'BOOM' })).outcome).toBe('failed')
    expect((await q.job(id))!.status).toBe('failed')
    const kinds = (await q.history(id)).map((e) => e.kind)
    expect(kinds).toEqual(['queued', 'leased', 'retrying', 'leased', 'failed'])
  })

  it('re-dispatches a task whose lease expired (its node died) and records it in the history', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_4', executor: 'wasm', spec: {} })
    const [t] = (await q.claim('n_dead', ['wasm'], 5)).filter((x) => x.jobId === id)
    await new Promise((r) => setTimeout(r, 250))
    expect(await q.expire()).toContain(id)
    await new Promise((r) => setTimeout(r, 30))
    const [again] = (await q.claim('n_alive', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect(again).toBeDefined()
    expect((await q.complete(t!.id, t!.leaseId, 'n_dead', { late: true }, 'x')).outcome).toBe('stale')
    expect((await q.complete(again!.id, again!.leaseId, 'n_alive', { ok: true }, 'y')).outcome).toBe('committed')
    const history = await q.history(id)
    expect(history.map((e) => e.kind)).toEqual(['queued', 'leased', 'expired', 'leased', 'succeeded'])
    expect(history[2]!.nodeId).toBe('n_dead')
  })

  it('speculates on a straggler and keeps only the first result', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_5', executor: 'wasm', spec: {} })
    const [slow] = (await q.claim('n_slow', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect(await q.renew(slow!.id, slow!.leaseId, 'n_slow')).toBe(true)
    await new Promise((r) => setTimeout(r, 60))
    expect(await q.speculate(50)).toContain(id)
    expect(await q.speculate(50)).toEqual([])
    const [copy] = (await q.claim('n_fast', ['wasm'], 5)).filter((x) => x.jobId === id)
    expect(copy).toBeDefined()
    expect((await q.complete(copy!.id, copy!.leaseId, 'n_fast', { v: 'fast' }, 'f')).outcome).toBe('committed')
    expect(['stale', 'duplicate']).toContain((await q.complete(slow!.id, slow!.leaseId, 'n_slow', { v: 'slow' }, 's')).outcome)
    const job = await q.job(id)
    expect(job!.results).toEqual([{ replica: 0, result: { v: 'fast' }, digest: 'f', nodeId: 'n_fast' }])
  })

  it('fails a replica whose only keyed online node already committed another copy, instead of re-queueing it forever', async () => {
    const id = jobId()
    const node = `n_only_${n++}`
    await db.query(
      `INSERT INTO nodes (id, public_key, name, version, region, location, capabilities, endpoint, status) VALUES ($1, $1, 'only', '0', 'eu', '{}', '{"executors":["wasm"]}', 'http://127.0.0.1:1', 'online')`,
      [node],
    )
    await q.enqueue({ id, owner: 'a_9', executor: 'wasm', spec: {}, replicas: 2, inputs: { module: 'bafkmodule' }, status: 'awaiting-keys' })
    await q.activate(id, [{ nodeId: node, cid: 'bafkmodule', wrappedKey: {} }], [node])
    const [t] = (await q.claim(node, ['wasm'], 5)).filter((x) => x.jobId === id)
    expect((await q.complete(t!.id, t!.leaseId, node, { ok: 1 }, 'd')).outcome).toBe('committed')
    expect((await q.claim(node, ['wasm'], 5)).filter((x) => x.jobId === id)).toHaveLength(0)
    // Nothing to retry on: the one keyed node holds the other replica. It fails (after the wait), once.
    expect(await q.unstrand(0, 0)).toContain(id)
    const job = await q.job(id)
    expect(job!.status).toBe('failed')
    const kinds = (await q.history(id)).map((e) => e.kind)
    expect(kinds.filter((k) => k === 'retrying')).toEqual([])
    expect(kinds.at(-1)).toBe('failed')
  })

  it('cancels a job and its tasks', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_6', executor: 'wasm', spec: {}, replicas: 2 })
    expect(await q.cancel(id)).toBe(true)
    expect(await q.cancel(id)).toBe(false)
    expect((await q.claim('n_z', ['wasm'], 5)).filter((x) => x.jobId === id)).toHaveLength(0)
    expect((await q.job(id))!.status).toBe('cancelled')
  })

  it('serves accounts fairly: a newcomer is not stuck behind a busy account', async () => {
    for (let i = 0; i < 6; i++) await q.enqueue({ id: jobId(), owner: 'a_busy', executor: 'train', spec: {} })
    await q.claim('n_1', ['train'], 3)
    const late = jobId()
    await q.enqueue({ id: late, owner: 'a_new', executor: 'train', spec: {} })
    const next = await q.claim('n_2', ['train'], 1)
    expect(next[0]!.jobId).toBe(late)
  })

  // Issue 8 B4: a node's outbox re-sends a result it could not deliver while the hub was down
  // longer than the lease; upkeep expired the task meanwhile.
  const expiredTask = async (owner: string, node: string) => {
    const id = jobId()
    await q.enqueue({ id, owner, executor: 'late', spec: {}, maxAttempts: 3 })
    const [t] = await q.claim(node, ['late'], 1)
    await new Promise((r) => setTimeout(r, 250))
    expect(await q.expire()).toContain(id)
    return { id, t: t! }
  }

  it('commits, once, a late result from the last lease holder while the expired task is not leased again', async () => {
    const { id, t } = await expiredTask('a_late1', 'n_late')
    expect(await q.progress(t.id, t.leaseId, 'n_late', { epoch: 3 })).toBe(id)
    // Sent twice at once (the outbox retrying over a slow answer): committed by one, the other repeats its answer.
    const both = await Promise.all([q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1'), q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1')])
    expect(both.map((r) => r.outcome)).toEqual(['committed', 'committed'])
    expect(both.filter((r) => !r.repeated)).toHaveLength(1)
    expect(await q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1')).toEqual({ outcome: 'committed', repeated: true })
    // Another node on the same lease id, or a different result, is not the last holder's report.
    expect((await q.complete(t.id, t.leaseId, 'n_other', { ok: 2 }, 'd2')).outcome).toBe('stale')
    expect((await q.complete(t.id, t.leaseId, 'n_late', { ok: 2 }, 'd2')).outcome).toBe('stale')
    await new Promise((r) => setTimeout(r, 60))
    expect(await q.claim('n_next', ['late'], 5)).toEqual([])
    const job = await q.job(id)
    expect(job?.status).toBe('succeeded')
    expect(job?.results).toEqual([{ replica: 0, result: { ok: 1 }, digest: 'd1', nodeId: 'n_late' }])
    expect((await q.history(id)).map((e) => e.kind)).toEqual(['queued', 'leased', 'expired', 'progress', 'succeeded'])
  })

  it('refuses a late result once another node leased the expired task, also when sent again', async () => {
    const { id, t } = await expiredTask('a_late2', 'n_late')
    await new Promise((r) => setTimeout(r, 60))
    const [again] = await q.claim('n_next', ['late'], 1)
    expect(again?.jobId).toBe(id)
    expect((await q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1')).outcome).toBe('stale')
    expect((await q.fail(t.id, t.leaseId, 'n_late', { code: 'X' })).outcome).toBe('stale')
    expect(await q.progress(t.id, t.leaseId, 'n_late', { epoch: 1 })).toBeUndefined()
    expect((await q.complete(again!.id, again!.leaseId, 'n_next', { ok: 2 }, 'd2')).outcome).toBe('committed')
    expect((await q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1')).outcome).toBe('stale')
    expect((await q.job(id))?.results.map((r) => r.nodeId)).toEqual(['n_next'])
  })

  it('takes a late failure once, as if the lease had held, and answers it again the same', async () => {
    const { id, t } = await expiredTask('a_late3', 'n_late')
    expect(await q.fail(t.id, t.leaseId, 'n_late', { code: 'COMPUTE_CRASHED' }, false)).toEqual({ outcome: 'failed', repeated: false })
    expect(await q.fail(t.id, t.leaseId, 'n_late', { code: 'COMPUTE_CRASHED' }, false)).toEqual({ outcome: 'failed', repeated: true })
    expect((await q.complete(t.id, t.leaseId, 'n_late', { ok: 1 }, 'd1')).outcome).toBe('stale')
    expect((await q.job(id))?.status).toBe('failed')
    expect((await q.history(id)).map((e) => e.kind)).toEqual(['queued', 'leased', 'expired', 'failed'])
  })

  it('records a progress report sent again with the same sequence number once; reports without one each time', async () => {
    const id = jobId()
    await q.enqueue({ id, owner: 'a_prog', executor: 'prog', spec: {} })
    const [t] = await q.claim('n_p', ['prog'], 1)
    expect(await q.progress(t!.id, t!.leaseId, 'n_p', { epoch: 1 }, 0)).toBe(id)
    expect(await q.progress(t!.id, t!.leaseId, 'n_p', { epoch: 1 }, 0)).toBe(id)
    expect(await q.progress(t!.id, t!.leaseId, 'n_p', { epoch: 2 }, 1)).toBe(id)
    await Promise.all([q.progress(t!.id, t!.leaseId, 'n_p', { epoch: 3 }, 2), q.progress(t!.id, t!.leaseId, 'n_p', { epoch: 3 }, 2)])
    // An older node sends no sequence: every report is kept, as before.
    await q.progress(t!.id, t!.leaseId, 'n_p', { old: true })
    await q.progress(t!.id, t!.leaseId, 'n_p', { old: true })
    const progress = (await q.history(id)).filter((e) => e.kind === 'progress').map((e) => e.detail)
    expect(progress).toEqual([{ epoch: 1 }, { epoch: 2 }, { epoch: 3 }, { old: true }, { old: true }])
  })
})
