import { openResult, sealResult } from '@w3ai/crypto'
import type { Job, Pipeline, PipelineList, SegmentAnswer } from '@w3ai/protocol'
import { JobsClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, until } from './helpers.js'
import { claimJob, pipelineEvents, releaseJob, stagesOf, startPipelineNet, type Account, type PipelineNet } from './pipeline-kit.js'

/**
 * Pipelines on a real hub with real storage nodes whose task side the test plays: each posted
 * segment becomes a sealed compute job, and the pipeline's stages follow its jobs.
 */
describe.each(backends())('pipelines on %s', (backend) => {
  let p: PipelineNet
  let alice: Account
  let model: string

  const create = async (segments: number, rows: number, key?: string): Promise<{ status: number; pipeline: Pipeline }> => {
    const res = await p.call<Pipeline>(alice, 'POST', '/v1/pipelines', { model, privacy: 'key', segments, rows }, key === undefined ? {} : { 'idempotency-key': key })
    expect(res.code).toBe('')
    return { status: res.status, pipeline: res.body }
  }
  const post = async (id: string, index: number, rows: number, key?: string): Promise<SegmentAnswer> => {
    const res = await p.call<SegmentAnswer>(alice, 'POST', `/v1/pipelines/${id}/segments/${index}`, { input: await p.store(alice), rows }, key === undefined ? {} : { 'idempotency-key': key })
    expect(res.code).toBe('')
    return res.body
  }
  const get = async (id: string): Promise<Pipeline> => (await p.call<Pipeline>(alice, 'GET', `/v1/pipelines/${id}`)).body
  /** Releases the segment's job, lets a node run it and report a result sealed to the owner. */
  const run = async (answer: SegmentAnswer, result: unknown): Promise<string> => {
    await releaseJob(alice, answer.job)
    const { node, task } = await claimJob(p, answer.job.jobId)
    expect(task.sealTo).toBe(alice.identity.encryptionKey)
    expect(await node.tasks.complete(task, sealResult(result, task.sealTo!, task.jobId))).toBe('committed')
    return node.id
  }

  beforeAll(async () => {
    p = await startPipelineNet(backend)
    alice = await p.account('alice')
    model = await p.store(alice)
  }, 90_000)
  afterAll(async () => p?.close(), 60_000)

  it('follows each segment from encrypt to done, its stages derived from its job, until the pipeline succeeded', async () => {
    const events = await pipelineEvents(alice.hub)
    const { status, pipeline } = await create(2, 5)
    expect(status).toBe(201)
    expect(pipeline).toMatchObject({ owner: alice.identity.id, model, privacy: 'key', rows: 5, keys: null, status: 'encrypting', finishedAt: null })
    expect(pipeline.id).toMatch(/^p_[0-9a-f]{24}$/)
    expect(pipeline.segments[1]).toEqual({ index: 1, rows: null, input: null, jobId: null, nodeId: null, attempts: 0, stage: 'encrypt', stages: { encrypt: 'active', segment: 'pending', allocate: 'pending', compute: 'pending', collect: 'pending' }, result: null, error: null })

    const first = await post(pipeline.id, 0, 3)
    expect(first.pipelineId).toBe(pipeline.id)
    expect(first.index).toBe(0)
    expect(first.job.status).toBe('awaiting-keys')
    expect(first.job.candidates.length).toBeGreaterThan(0)
    let now = await get(pipeline.id)
    expect(now.status).toBe('encrypting')
    expect(now.segments[0]).toMatchObject({ rows: 3, jobId: first.job.jobId, stage: 'allocate', stages: { encrypt: 'done', segment: 'done', allocate: 'active', compute: 'pending' } })
    const job = await new JobsClient(alice.hub, alice.identity).get(first.job.jobId)
    expect(job).toMatchObject({ executor: 'onnx', replicas: 1, inputs: { model, input: now.segments[0]!.input } })

    await releaseJob(alice, first.job)
    expect((await get(pipeline.id)).segments[0]).toMatchObject({ stage: 'compute', nodeId: null, attempts: 0 })
    const { node, task } = await claimJob(p, first.job.jobId)
    now = await get(pipeline.id)
    expect(now.segments[0]).toMatchObject({ stage: 'compute', nodeId: node.id, attempts: 1, stages: { allocate: 'done', compute: 'active', collect: 'pending' } })
    await node.tasks.complete(task, sealResult({ y: [0.25] }, task.sealTo!, task.jobId))
    now = await get(pipeline.id)
    expect(now.segments[0]).toMatchObject({ stage: 'collect', nodeId: node.id, stages: { compute: 'done', collect: 'active' } })
    // The hub holds only the sealed result; the owner opens it.
    const done = await new JobsClient(alice.hub, alice.identity).get(first.job.jobId)
    expect(openResult(done.result as never, alice.identity, done.id)).toEqual({ y: [0.25] })

    const second = await post(pipeline.id, 1, 2)
    expect((await get(pipeline.id)).status).toBe('running')
    await run(second, { y: [0.5] })
    expect((await get(pipeline.id)).status).toBe('collecting')

    const stored0 = await p.store(alice)
    now = (await p.call<Pipeline>(alice, 'POST', `/v1/pipelines/${pipeline.id}/segments/0/collected`, { result: stored0, decrypted: true })).body
    expect(now.segments[0]).toMatchObject({ stage: 'done', result: stored0, stages: { encrypt: 'done', segment: 'done', allocate: 'done', compute: 'done', collect: 'done' } })
    const stored1 = await p.store(alice)
    now = (await p.call<Pipeline>(alice, 'POST', `/v1/pipelines/${pipeline.id}/segments/1/collected`, { result: stored1, decrypted: false })).body
    expect(now.segments[1]).toMatchObject({ stage: 'collect', result: stored1, stages: { collect: 'active' } })
    expect(now.status).toBe('collecting')
    now = (await p.call<Pipeline>(alice, 'POST', `/v1/pipelines/${pipeline.id}/segments/1/collected`, { result: stored1, decrypted: true })).body
    expect(stagesOf(now)).toEqual(['done', 'done'])
    expect(now.status).toBe('succeeded')
    expect(now.finishedAt).not.toBeNull()

    const list = (await p.call<PipelineList>(alice, 'GET', '/v1/pipelines')).body
    expect(list.pipelines.find((s) => s.id === pipeline.id)).toEqual({
      id: pipeline.id, model, privacy: 'key', rows: 5, status: 'succeeded', createdAt: pipeline.createdAt, finishedAt: now.finishedAt, segmentCount: 2,
      stageCounts: { encrypt: 0, segment: 0, allocate: 0, compute: 0, collect: 0, done: 2, failed: 0 },
    })
    // Created, two posts, each job's changes and three collects: the owner heard of every step.
    await until(async () => events.ids.filter((id) => id === pipeline.id).length >= 8)
    events.close()
  })

  it('counts leases as attempts: a task whose node went silent is re-dispatched and shows on another node', async () => {
    const { pipeline } = await create(1, 1)
    const answer = await post(pipeline.id, 0, 1)
    await releaseJob(alice, answer.job)
    const silent = await claimJob(p, answer.job.jobId)
    expect((await get(pipeline.id)).segments[0]).toMatchObject({ nodeId: silent.node.id, attempts: 1 })
    const other = await claimJob(p, answer.job.jobId, silent.node.id)
    expect((await get(pipeline.id)).segments[0]).toMatchObject({ stage: 'compute', nodeId: other.node.id, attempts: 2 })
    await other.node.tasks.complete(other.task, sealResult({ y: [1] }, other.task.sealTo!, other.task.jobId))
    expect((await get(pipeline.id)).segments[0]).toMatchObject({ stage: 'collect', nodeId: other.node.id, attempts: 2 })
  })

  it("fails the segment and the pipeline when a segment's job fails, and takes no more segments", async () => {
    const { pipeline } = await create(2, 2)
    const answer = await post(pipeline.id, 0, 1)
    await releaseJob(alice, answer.job)
    const { node, task } = await claimJob(p, answer.job.jobId)
    expect(await node.tasks.fail(task, { code: 'COMPUTE_RUN_FAILED', message: 'bad input' }, false)).toBe('failed')
    const now = await get(pipeline.id)
    expect(now.status).toBe('failed')
    expect(now.finishedAt).not.toBeNull()
    expect(now.segments[0]).toMatchObject({ stage: 'failed', attempts: 1, stages: { allocate: 'done', compute: 'failed', collect: 'pending' }, error: { code: 'COMPUTE_RUN_FAILED' } })
    const more = await p.call(alice, 'POST', `/v1/pipelines/${pipeline.id}/segments/1`, { input: await p.store(alice), rows: 1 })
    expect(more.code).toBe('PIPELINE_INVALID_STATE')
    const list = (await p.call<PipelineList>(alice, 'GET', '/v1/pipelines')).body
    expect(list.pipelines.find((s) => s.id === pipeline.id)).toMatchObject({ status: 'failed', stageCounts: { failed: 1, encrypt: 1 } })
  })

  it('answers a repeated post with the same Idempotency-Key with what the first made, and nothing more', async () => {
    const a = await create(2, 2, 'pipe-key-1')
    const b = await create(2, 2, 'pipe-key-1')
    expect([a.status, b.status]).toEqual([201, 200])
    expect(b.pipeline.id).toBe(a.pipeline.id)
    const jobs = new JobsClient(alice.hub, alice.identity)
    const jobsBefore = (await jobs.list()).length
    const input = await p.store(alice)
    const path = `/v1/pipelines/${a.pipeline.id}/segments/0`
    const first = await p.call<SegmentAnswer>(alice, 'POST', path, { input, rows: 1 }, { 'idempotency-key': 'seg-0' })
    const again = await p.call<SegmentAnswer>(alice, 'POST', path, { input, rows: 1 }, { 'idempotency-key': 'seg-0' })
    expect([first.status, again.status]).toEqual([201, 201])
    expect(again.body).toEqual(first.body)
    expect((await jobs.list()).length).toBe(jobsBefore + 1)
    expect((await p.call(alice, 'POST', path, { input, rows: 1 }, { 'idempotency-key': 'seg-0-other' })).code).toBe('PIPELINE_SEGMENT_EXISTS')
    expect((await p.call(alice, 'POST', path, { input, rows: 1 })).code).toBe('PIPELINE_SEGMENT_EXISTS')
    expect((await jobs.list()).length).toBe(jobsBefore + 1)
  })

  it('takes one of two posts of a segment sent at once; a job the other made is cancelled', async () => {
    const { pipeline } = await create(1, 1)
    const jobs = new JobsClient(alice.hub, alice.identity)
    const before = new Set((await jobs.list()).map((j) => j.id))
    const path = `/v1/pipelines/${pipeline.id}/segments/0`
    const [a, b] = await Promise.all([p.store(alice), p.store(alice)])
    const answers = await Promise.all([p.call<SegmentAnswer>(alice, 'POST', path, { input: a, rows: 1 }, { 'idempotency-key': 'a' }), p.call<SegmentAnswer>(alice, 'POST', path, { input: b, rows: 1 }, { 'idempotency-key': 'b' })])
    expect(answers.map((r) => r.code).sort()).toEqual(['', 'PIPELINE_SEGMENT_EXISTS'])
    const winner = answers.find((r) => r.code === '')!.body
    expect((await get(pipeline.id)).segments[0]!.jobId).toBe(winner.job.jobId)
    const made = (await jobs.list()).filter((j) => !before.has(j.id))
    expect(made.filter((j) => j.status !== 'cancelled').map((j) => j.id)).toEqual([winner.job.jobId])
  })

  it('pages the owner\'s pipelines newest first with a cursor', async () => {
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await create(1, 1)).pipeline.id)
    const page1 = (await p.call<PipelineList>(alice, 'GET', '/v1/pipelines?limit=2')).body
    expect(page1.pipelines.map((s) => s.id)).toEqual([ids[2], ids[1]])
    expect(page1.nextCursor).not.toBeNull()
    const page2 = (await p.call<PipelineList>(alice, 'GET', `/v1/pipelines?limit=2&cursor=${page1.nextCursor}`)).body
    expect(page2.pipelines[0]!.id).toBe(ids[0])
    expect(page2.pipelines[0]).toMatchObject({ status: 'encrypting', segmentCount: 1, stageCounts: { encrypt: 1 } })
    expect((await p.call(alice, 'GET', '/v1/pipelines?cursor=bogus')).code).toBe('INVALID_CURSOR')
  })

  it('tells the owner of a pipeline, and nobody else, when it changes', async () => {
    const bob = await p.account('bob')
    const mine = await pipelineEvents(alice.hub)
    const theirs = await pipelineEvents(bob.hub)
    const { pipeline } = await create(1, 1)
    const answer = await post(pipeline.id, 0, 1)
    const before = mine.ids.length
    await releaseJob(alice, answer.job)
    // The job's change (keys provided) is announced as the pipeline's.
    await until(async () => mine.ids.slice(before).includes(pipeline.id))
    const his = (await p.call<Pipeline>(bob, 'POST', '/v1/pipelines', { model: await p.store(bob), privacy: 'key', segments: 1, rows: 1 })).body
    await until(async () => theirs.ids.includes(his.id))
    expect(theirs.ids.filter((id) => id !== his.id)).toEqual([])
    mine.close()
    theirs.close()
    const job: Job = await new JobsClient(alice.hub, alice.identity).cancel(answer.job.jobId)
    expect(job.status).toBe('cancelled')
  })
})
