/**
 * Pipelines: an owner's secure batch inference, one compute job per segment. A posted segment is
 * submitted to the compute domain as the owner (executor `he` over ciphertexts, or `onnx` with the
 * input key wrapped to the chosen node only), its result sealed to the owner's encryption key; the
 * client wraps the input keys to the job's candidates and, once the job succeeded, stores and
 * decrypts the sealed result and says so. Stages and status are derived from the jobs on read.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  W3aiError,
  type HubEvent,
  type Job,
  type JobCandidates,
  type JobSubmit,
  type Pipeline,
  type PipelineCreate,
  type PipelineList,
  type PipelineSegment,
  type PipelineSummary,
  type SegmentAnswer,
  type SegmentCollected,
  type SegmentPost,
  type SegmentStage,
} from '@w3ai/protocol'
import type { PageRequest } from '../../infra/paging.js'
import { pipelineStatus, segmentStages } from './stages.js'
import type { PipelineRecord, PipelineStore, SegmentRecord } from './store.js'

export interface PipelineServiceComponents {
  store: PipelineStore
  /** The compute domain: segments become jobs submitted as the owner; a job made by a post that lost a race is cancelled. */
  jobs: { submit(owner: string, body: JobSubmit): Promise<JobCandidates | Job>; cancel(owner: string, jobId: string): Promise<Job> }
  /** Throws STORAGE_OBJECT_NOT_FOUND or STORAGE_ACCESS_DENIED unless the account may read the object. */
  readable: (cid: string, accountId: string, what: string) => Promise<unknown>
  /** The account's x25519 key, which segment results are sealed to (null when it has none). */
  encryptionKey: (accountId: string) => Promise<string | null>
  publish: (event: HubEvent) => void
  onError: (err: unknown) => void
}

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex')
const newPipelineId = (): string => `p_${randomBytes(12).toString('hex')}`

export class PipelineService {
  constructor(private readonly c: PipelineServiceComponents) {}

  /** Creates a pipeline (or, with an idempotency key already used, answers the pipeline it made). */
  async create(owner: string, body: PipelineCreate, idempotencyKey?: string): Promise<{ pipeline: Pipeline; created: boolean }> {
    if (body.privacy === 'he' && body.keys === undefined) throw new W3aiError('PIPELINE_KEYS_REQUIRED')
    if (body.privacy === 'key' && body.keys !== undefined) throw new W3aiError('VALIDATION_FAILED', 'keys are evaluation keys for privacy he; a key pipeline has none.', { field: 'keys' })
    if (body.privacy === 'key' && body.params !== undefined) throw new W3aiError('VALIDATION_FAILED', 'params are options of the he executor; a key pipeline takes none.', { field: 'params' })
    if (body.segments > body.rows) throw new W3aiError('VALIDATION_FAILED', `${body.segments} segments need at least as many rows; the pipeline has ${body.rows}.`, { field: 'segments' })
    await this.sealKey(owner)
    await this.c.readable(body.model, owner, 'Model')
    if (body.keys !== undefined) await this.c.readable(body.keys, owner, 'Evaluation keys')
    const requestDigest = digest(body)
    const out = await this.c.store.create({
      id: newPipelineId(),
      owner,
      model: body.model,
      privacy: body.privacy,
      rows: body.rows,
      segments: body.segments,
      keys: body.keys ?? null,
      params: body.params ?? null,
      idempotencyKey,
      requestDigest,
    })
    if (!out.created && out.requestDigest !== requestDigest) {
      throw new W3aiError('VALIDATION_FAILED', `Idempotency key ${idempotencyKey} was used for another pipeline (${out.record.id}); use a new key.`, { pipelineId: out.record.id })
    }
    if (out.created) this.announce(out.record.id)
    return { pipeline: await this.render(out.record), created: out.created }
  }

  /**
   * Submits a segment's job, its result sealed to the owner, and answers its candidates (wrap the
   * input keys to them with POST /v1/jobs/:id/keys). The same post with the same idempotency key
   * answers the first answer again; any other post of a posted segment is PIPELINE_SEGMENT_EXISTS.
   */
  async postSegment(owner: string, id: string, index: number, body: SegmentPost, idempotencyKey?: string): Promise<SegmentAnswer> {
    const pipeline = await this.owned(owner, id)
    this.inRange(pipeline, index)
    const requestDigest = digest(body)
    const existing = await this.c.store.segment(id, index)
    if (existing !== undefined) return this.again(existing, idempotencyKey, requestDigest)
    const posted = await this.c.store.segments([id], false)
    if (posted.some((s) => this.facts(s).stage === 'failed')) throw new W3aiError('PIPELINE_INVALID_STATE', `Pipeline ${id} failed (a segment's job failed); start a new one.`)
    const taken = posted.reduce((sum, s) => sum + s.rows, 0)
    if (taken + body.rows > pipeline.rows) {
      throw new W3aiError('PIPELINE_BAD_SEGMENT', `Segments hold ${taken} of the pipeline's ${pipeline.rows} rows; ${body.rows} more would pass it.`, { rows: body.rows, taken, total: pipeline.rows })
    }
    const sealTo = await this.sealKey(owner)
    const submit: JobSubmit =
      pipeline.privacy === 'he'
        ? { executor: 'he', inputs: { model: pipeline.model, input: body.input, keys: pipeline.keys as string }, params: pipeline.params ?? {}, verify: 1, sealTo }
        : { executor: 'onnx', inputs: { model: pipeline.model, input: body.input }, verify: 1, sealTo }
    const job = await this.c.jobs.submit(owner, submit)
    if (!('candidates' in job)) throw new Error(`job ${job.id} of a pipeline segment did not wait for keys`)
    const answer: SegmentAnswer = { pipelineId: id, index, job }
    const added = await this.c.store.addSegment({ pipelineId: id, index, rows: body.rows, input: body.input, jobId: job.jobId, answer: job, idempotencyKey, requestDigest })
    if (!added) {
      // Another post of this segment won the race: its job stands, this one goes.
      await this.c.jobs.cancel(owner, job.jobId).catch(this.c.onError)
      const winner = await this.c.store.segment(id, index)
      if (winner === undefined) throw new Error(`segment ${index} of ${id} vanished`)
      return this.again(winner, idempotencyKey, requestDigest)
    }
    this.announce(id)
    return answer
  }

  /** The client stored the sealed result in W3S (and, with decrypted, opened it): the collect stage. */
  async collected(owner: string, id: string, index: number, body: SegmentCollected): Promise<Pipeline> {
    const pipeline = await this.owned(owner, id)
    this.inRange(pipeline, index)
    const segment = await this.c.store.segment(id, index)
    if (segment === undefined) throw new W3aiError('PIPELINE_INVALID_STATE', `Segment ${index} of ${id} has not been posted.`)
    if (segment.jobStatus !== 'succeeded') {
      throw new W3aiError('PIPELINE_INVALID_STATE', `Segment ${index}'s job ${segment.jobId} is ${segment.jobStatus ?? 'gone'}; collect its result once it succeeded.`, { jobStatus: segment.jobStatus })
    }
    if (segment.result !== null && segment.result !== body.result) {
      throw new W3aiError('PIPELINE_INVALID_STATE', `Segment ${index} was collected as ${segment.result}.`, { result: segment.result })
    }
    await this.c.readable(body.result, owner, 'Result')
    await this.c.store.collect(id, index, body.result, body.decrypted)
    this.announce(id)
    return this.render(pipeline)
  }

  async view(owner: string, id: string): Promise<Pipeline> {
    return this.render(await this.owned(owner, id))
  }

  /** One page of the owner's pipelines, newest first, each with its segments counted by stage. */
  async list(owner: string, request: PageRequest = {}): Promise<PipelineList> {
    const page = await this.c.store.list(owner, request)
    const segments = await this.c.store.segments(page.items.map((p) => p.id), false)
    const byPipeline = new Map<string, SegmentRecord[]>()
    for (const s of segments) byPipeline.set(s.pipelineId, [...(byPipeline.get(s.pipelineId) ?? []), s])
    return { pipelines: page.items.map((p) => this.summary(p, byPipeline.get(p.id) ?? [])), nextCursor: page.nextCursor }
  }

  /** A job changed: tells the owner of its pipeline, if it runs a segment. */
  async jobChanged(jobId: string): Promise<void> {
    try {
      const id = await this.c.store.pipelineOfJob(jobId)
      if (id !== undefined) this.announce(id)
    } catch (err) {
      this.c.onError(err)
    }
  }

  private announce(pipelineId: string): void {
    this.c.publish({ type: 'pipeline.updated', pipelineId })
  }

  private async owned(owner: string, id: string): Promise<PipelineRecord> {
    const record = await this.c.store.get(id)
    // Another account's pipeline answers as one that does not exist.
    if (record === undefined || record.owner !== owner) throw new W3aiError('PIPELINE_NOT_FOUND')
    return record
  }

  private inRange(pipeline: PipelineRecord, index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= pipeline.segments) {
      throw new W3aiError('PIPELINE_BAD_SEGMENT', `Pipeline ${pipeline.id} has segments 0 to ${pipeline.segments - 1}; there is no segment ${index}.`, { index, segments: pipeline.segments })
    }
  }

  private async sealKey(owner: string): Promise<string> {
    const key = await this.c.encryptionKey(owner)
    if (key === null) throw new W3aiError('VALIDATION_FAILED', 'Results are sealed to your account\'s encryption key, and your account has none; create the account with one.', { field: 'encryptionKey' })
    return key
  }

  /** The first answer for the same post with the same key; anything else finds the segment taken. */
  private again(existing: SegmentRecord, idempotencyKey: string | undefined, requestDigest: string): SegmentAnswer {
    if (idempotencyKey !== undefined && existing.idempotencyKey === idempotencyKey && existing.requestDigest === requestDigest) {
      return { pipelineId: existing.pipelineId, index: existing.index, job: existing.answer }
    }
    throw new W3aiError('PIPELINE_SEGMENT_EXISTS', `Segment ${existing.index} of ${existing.pipelineId} was already posted (job ${existing.jobId}).`, { jobId: existing.jobId })
  }

  private facts(s: SegmentRecord): ReturnType<typeof segmentStages> {
    return segmentStages({ posted: true, jobStatus: s.jobStatus, leases: s.leases, decrypted: s.decrypted })
  }

  private async render(p: PipelineRecord): Promise<Pipeline> {
    const posted = new Map((await this.c.store.segments([p.id], true)).map((s) => [s.index, s]))
    const segments: PipelineSegment[] = []
    for (let index = 0; index < p.segments; index++) {
      const s = posted.get(index)
      if (s === undefined) {
        segments.push({ index, rows: null, input: null, jobId: null, nodeId: null, attempts: 0, ...segmentStages({ posted: false, jobStatus: null, leases: 0, decrypted: false }), result: null, error: null })
        continue
      }
      const { stage, stages } = this.facts(s)
      const error = stage === 'failed' ? (s.jobError ?? { code: 'JOB_NOT_FOUND', message: `Job ${s.jobId} is ${s.jobStatus ?? 'gone'}.` }) : null
      segments.push({ index, rows: s.rows, input: s.input, jobId: s.jobId, nodeId: s.nodeId, attempts: s.leases, stage, stages, result: s.result, error })
    }
    const status = pipelineStatus(segments.map((s) => s.stage))
    return {
      id: p.id,
      owner: p.owner,
      model: p.model,
      privacy: p.privacy,
      rows: p.rows,
      keys: p.keys,
      params: p.params,
      status,
      createdAt: p.createdAt,
      finishedAt: finishedAt(status, [...posted.values()]),
      segments,
    }
  }

  private summary(p: PipelineRecord, posted: SegmentRecord[]): PipelineSummary {
    const stages: SegmentStage[] = posted.map((s) => this.facts(s).stage)
    for (let i = posted.length; i < p.segments; i++) stages.push('encrypt')
    const stageCounts = { encrypt: 0, segment: 0, allocate: 0, compute: 0, collect: 0, done: 0, failed: 0 }
    for (const s of stages) stageCounts[s]++
    const status = pipelineStatus(stages)
    return { id: p.id, model: p.model, privacy: p.privacy, rows: p.rows, status, createdAt: p.createdAt, finishedAt: finishedAt(status, posted), segmentCount: p.segments, stageCounts }
  }
}

/** Succeeded: when the last segment was collected; failed: when the (last) failed job ended. */
function finishedAt(status: string, posted: SegmentRecord[]): string | null {
  const times =
    status === 'succeeded' ? posted.map((s) => s.collectedAt)
    : status === 'failed' ? posted.filter((s) => s.jobStatus !== 'succeeded').map((s) => s.jobFinishedAt)
    : []
  const known = times.filter((t): t is string => t !== null).sort()
  return known.at(-1) ?? null
}
