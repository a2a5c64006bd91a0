import { sealResult } from '@w3ai/crypto'
import { MAX_PIPELINE_BODY_BYTES, type Pipeline, type PipelineList, type SegmentAnswer } from '@w3ai/protocol'
import { JobsClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers.js'
import { claimJob, keylessAccount, releaseJob, startPipelineNet, type Account, type PipelineNet } from './pipeline-kit.js'

/**
 * Every pipeline request that breaks a rule is refused with a code that names the rule, and
 * changes nothing: no pipeline, no segment, no job, no collected result.
 */
describe.each(backends())('pipeline refusals on %s', (backend) => {
  let p: PipelineNet
  let alice: Account
  let bob: Account
  let model: string
  let keys: string
  let bobsObject: string
  let pipeline: Pipeline

  const pipelines = async (who: Account): Promise<string[]> => (await p.call<PipelineList>(who, 'GET', '/v1/pipelines')).body.pipelines.map((s) => s.id)
  const jobCount = async (): Promise<number> => (await new JobsClient(alice.hub, alice.identity).list()).length
  const create = (body: Record<string, unknown>, headers?: Record<string, string>) => p.call<Pipeline>(alice, 'POST', '/v1/pipelines', body, headers)
  const view = async (): Promise<Pipeline> => (await p.call<Pipeline>(alice, 'GET', `/v1/pipelines/${pipeline.id}`)).body
  /** Runs `act`, expects its code, and that neither alice's pipelines, this pipeline nor her jobs changed. */
  const refused = async (code: string, act: () => Promise<{ code: string }>): Promise<void> => {
    const [list, before, jobs] = [await pipelines(alice), await view(), await jobCount()]
    expect((await act()).code).toBe(code)
    expect(await pipelines(alice)).toEqual(list)
    expect(await view()).toEqual(before)
    expect(await jobCount()).toBe(jobs)
  }

  beforeAll(async () => {
    p = await startPipelineNet(backend)
    alice = await p.account('alice')
    bob = await p.account('bob')
    model = await p.store(alice)
    keys = await p.store(alice)
    bobsObject = await p.store(bob)
    pipeline = (await create({ model, privacy: 'key', segments: 2, rows: 10 })).body
  }, 90_000)
  afterAll(async () => p?.close(), 60_000)

  it('refuses unsigned requests on every route', async () => {
    const base = `/v1/pipelines/${pipeline.id}`
    for (const [method, path, body] of [
      ['POST', '/v1/pipelines', { model, privacy: 'key', segments: 1, rows: 1 }],
      ['GET', '/v1/pipelines', undefined],
      ['GET', base, undefined],
      ['POST', `${base}/segments/0`, { input: model, rows: 1 }],
      ['POST', `${base}/segments/0/collected`, { result: model, decrypted: true }],
    ] as const) {
      await refused('AUTH_MISSING_SIGNATURE', () => p.call(undefined, method, path, body))
    }
  })

  it("answers another account's pipeline as one that does not exist", async () => {
    const base = `/v1/pipelines/${pipeline.id}`
    expect((await p.call(bob, 'GET', base)).code).toBe('PIPELINE_NOT_FOUND')
    expect((await p.call(alice, 'GET', '/v1/pipelines/p_000000000000000000000000')).code).toBe('PIPELINE_NOT_FOUND')
    await refused('PIPELINE_NOT_FOUND', () => p.call(bob, 'POST', `${base}/segments/0`, { input: bobsObject, rows: 1 }))
    await refused('PIPELINE_NOT_FOUND', () => p.call(bob, 'POST', `${base}/segments/0/collected`, { result: bobsObject, decrypted: true }))
    expect(await pipelines(bob)).not.toContain(pipeline.id)
    expect((await p.call(alice, 'GET', '/v1/pipelines/not-an-id')).code).toBe('VALIDATION_FAILED')
  })

  it('refuses a pipeline that breaks the schema or the privacy rules', async () => {
    await refused('PIPELINE_KEYS_REQUIRED', () => create({ model, privacy: 'he', segments: 1, rows: 1 }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 1, rows: 1, keys }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 1, rows: 1, params: { sigmoid: 'poly' } }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'he', segments: 1, rows: 1, keys, params: { sigmoid: 'cubic' } }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'public', segments: 1, rows: 1 }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 0, rows: 1 }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 65, rows: 100 }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 3, rows: 2 }))
    await refused('VALIDATION_FAILED', () => create({ model: 'not-a-cid', privacy: 'key', segments: 1, rows: 1 }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 1, rows: 1, extra: true }))
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 1, rows: 1 }, { 'idempotency-key': 'has spaces' }))
    await refused('PAYLOAD_TOO_LARGE', () => create({ model, privacy: 'key', segments: 1, rows: 1, pad: 'x'.repeat(MAX_PIPELINE_BODY_BYTES) }))
  })

  it('refuses a model or keys the owner cannot read', async () => {
    await refused('STORAGE_ACCESS_DENIED', () => create({ model: bobsObject, privacy: 'key', segments: 1, rows: 1 }))
    await refused('STORAGE_ACCESS_DENIED', () => create({ model, privacy: 'he', segments: 1, rows: 1, keys: bobsObject }))
    await refused('STORAGE_OBJECT_NOT_FOUND', () => create({ model: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', privacy: 'key', segments: 1, rows: 1 }))
  })

  it('refuses an account without an encryption key, which results could not be sealed to', async () => {
    const keyless = await keylessAccount(p)
    const res = await p.call(keyless, 'POST', '/v1/pipelines', { model, privacy: 'key', segments: 1, rows: 1 })
    expect(res.code).toBe('VALIDATION_FAILED')
    expect(await pipelines(keyless)).toEqual([])
  })

  it('refuses an Idempotency-Key used before for another pipeline', async () => {
    const first = await create({ model, privacy: 'key', segments: 1, rows: 1 }, { 'idempotency-key': 'reused' })
    expect(first.status).toBe(201)
    await refused('VALIDATION_FAILED', () => create({ model, privacy: 'key', segments: 1, rows: 2 }, { 'idempotency-key': 'reused' }))
  })

  it('refuses segments outside the pipeline, too many rows, and inputs the owner cannot read', async () => {
    const base = `/v1/pipelines/${pipeline.id}/segments`
    const input = await p.store(alice)
    await refused('PIPELINE_BAD_SEGMENT', () => p.call(alice, 'POST', `${base}/2`, { input, rows: 1 }))
    await refused('PIPELINE_BAD_SEGMENT', () => p.call(alice, 'POST', `${base}/999`, { input, rows: 1 }))
    await refused('VALIDATION_FAILED', () => p.call(alice, 'POST', `${base}/-1`, { input, rows: 1 }))
    await refused('PIPELINE_BAD_SEGMENT', () => p.call(alice, 'POST', `${base}/0`, { input, rows: 11 }))
    await refused('VALIDATION_FAILED', () => p.call(alice, 'POST', `${base}/0`, { input, rows: 0 }))
    await refused('VALIDATION_FAILED', () => p.call(alice, 'POST', `${base}/0`, { input: 'bafy!', rows: 1 }))
    await refused('VALIDATION_FAILED', () => p.call(alice, 'POST', `${base}/0`, { input, rows: 1 }, { 'idempotency-key': 'x'.repeat(65) }))
    await refused('STORAGE_ACCESS_DENIED', () => p.call(alice, 'POST', `${base}/0`, { input: bobsObject, rows: 1 }))
    await refused('PAYLOAD_TOO_LARGE', () => p.call(alice, 'POST', `${base}/0`, { input, rows: 1, pad: 'x'.repeat(MAX_PIPELINE_BODY_BYTES) }))
  })

  it('refuses a collect before the segment is posted, before its job succeeded, and of a result the owner cannot read', async () => {
    const base = `/v1/pipelines/${pipeline.id}/segments`
    const result = await p.store(alice)
    await refused('PIPELINE_BAD_SEGMENT', () => p.call(alice, 'POST', `${base}/5/collected`, { result, decrypted: true }))
    await refused('PIPELINE_INVALID_STATE', () => p.call(alice, 'POST', `${base}/1/collected`, { result, decrypted: true }))
    const answer = (await p.call<SegmentAnswer>(alice, 'POST', `${base}/0`, { input: await p.store(alice), rows: 4 })).body
    await refused('PIPELINE_INVALID_STATE', () => p.call(alice, 'POST', `${base}/0/collected`, { result, decrypted: true }))
    await refused('PIPELINE_SEGMENT_EXISTS', () => p.call(alice, 'POST', `${base}/0`, { input: answer.job.inputs[0], rows: 4 }))
    await releaseJob(alice, answer.job)
    const { node, task } = await claimJob(p, answer.job.jobId)
    await node.tasks.complete(task, sealResult({ y: [1] }, task.sealTo!, task.jobId))
    await refused('STORAGE_ACCESS_DENIED', () => p.call(alice, 'POST', `${base}/0/collected`, { result: bobsObject, decrypted: true }))
    await refused('VALIDATION_FAILED', () => p.call(alice, 'POST', `${base}/0/collected`, { result, decrypted: 'yes' }))
    expect((await p.call(alice, 'POST', `${base}/0/collected`, { result, decrypted: true })).code).toBe('')
    const another = await p.store(alice)
    await refused('PIPELINE_INVALID_STATE', () => p.call(alice, 'POST', `${base}/0/collected`, { result: another, decrypted: true }))
  })
})
