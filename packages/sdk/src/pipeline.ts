/**
 * Secure inference pipelines from the owner's side: rows split into segments, each encrypted here
 * by a codec (HE ciphertexts, or JSON tensors under a W3S key wrapped to one node), stored in W3S
 * and run as one compute job whose result the node seals to you; the results are collected,
 * opened and decoded here, in input order.
 *
 * ```ts
 * const pipelines = new PipelinesClient(hub, identity)
 * const { pipeline, outputs } = await pipelines.run({ model, privacy: 'key', rows, segments: 4, codec: keyCodec({ inputName: 'x' }) })
 * ```
 */
import { randomBytes } from 'node:crypto'
import { isSealedResult, type Identity } from '@w3ai/crypto'
import {
  isErrorCode,
  W3aiError,
  type HubEvent,
  type Job,
  type PageQuery,
  type Pipeline,
  type PipelineCreate,
  type PipelineList,
  type PipelinePrivacy,
  type PipelineSegment,
  type PipelineSummary,
  type SegmentAnswer,
  type SegmentCollected,
  type SegmentPost,
} from '@w3ai/protocol'
import type { EventsOptions, HubClient } from './client.js'
import { openJobResult, provideInputKeys, putBytes } from './jobs.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'
import type { PipelineCodec } from './pipeline-codecs.js'
import { whileUnreachable, type FollowOptions } from './retry.js'
import { StorageClient, type PutOptions } from './storage.js'

export interface PipelineWaitOptions {
  /** Between polls, in ms, when no event arrives (default 500). */
  intervalMs?: number
  /** Give up after this long, in ms (default 1 hour); the pipeline goes on. */
  timeoutMs?: number
  /** Told of every change (a segment moved to another stage, the status changed). */
  onUpdate?: (pipeline: Pipeline) => void
  /** While the hub is unreachable the wait goes on following until its deadline. */
  follow?: FollowOptions
  /** Listen to the hub's event stream to see changes at once (default true). */
  events?: boolean
}

export interface PipelineSubmitOptions {
  /** The stored ONNX model (yours or shared with you). */
  model: string
  privacy: PipelinePrivacy
  /** The rows to infer on; outputs come back in this order. */
  rows: readonly number[][]
  /** Parts the rows are split into, each its own job on its own node (default 1; at most 64 and at most the rows). */
  segments?: number
  codec: PipelineCodec
  /** privacy he: the executor's options. */
  params?: PipelineCreate['params']
  /** How inputs, keys and results are stored in W3S (redundancy, segment size). */
  put?: Omit<PutOptions, 'name'>
  /** Makes the run's requests safe to send again (default: a fresh one per run). */
  idempotencyKey?: string
}

export interface PipelineSubmission {
  /** The pipeline once every segment is posted. */
  pipeline: Pipeline
  /** Each segment's [start, end) rows of the input, in index order. */
  ranges: Array<[number, number]>
}

export interface PipelineCollectOptions extends PipelineWaitOptions {
  /** How results are stored in W3S (redundancy, segment size). */
  put?: Omit<PutOptions, 'name'>
}

export interface PipelineRunOptions extends PipelineSubmitOptions, PipelineCollectOptions {}

export interface PipelineRunResult {
  pipeline: Pipeline
  /** One output row per input row, in input order. */
  outputs: number[][]
}

const TERMINAL = new Set(['succeeded', 'failed'])
const path = (id: string, rest = ''): string => `/v1/pipelines/${encodeURIComponent(id)}${rest}`
const stampOf = (p: Pipeline): string => `${p.status}:${p.segments.map((s) => `${s.stage}/${s.nodeId ?? ''}/${s.attempts}`).join(',')}`

/** The [start, end) row ranges of `segments` parts of `rows` rows, as even as can be (the first ones one row longer). */
export function segmentRanges(rows: number, segments: number): Array<[number, number]> {
  const base = Math.floor(rows / segments)
  const longer = rows % segments
  const out: Array<[number, number]> = []
  let start = 0
  for (let i = 0; i < segments; i++) {
    const end = start + base + (i < longer ? 1 : 0)
    out.push([start, end])
    start = end
  }
  return out
}

export class PipelinesClient {
  private readonly storage: Pick<StorageClient, 'put'>

  constructor(
    private readonly hub: HubClient,
    private readonly identity: Identity,
    components: { storage?: Pick<StorageClient, 'put'> } = {},
  ) {
    this.storage = components.storage ?? new StorageClient(hub, identity)
  }

  /** Starts a pipeline; with `idempotencyKey`, sending it again (after a lost answer) answers the same pipeline. */
  create(body: PipelineCreate, options: { idempotencyKey?: string } = {}): Promise<Pipeline> {
    return this.hub.request<Pipeline>('POST', '/v1/pipelines', body, idempotent(options.idempotencyKey))
  }

  /**
   * Posts a stored segment: the hub submits its job (result sealed to you) and names its nodes;
   * the segment's input keys are wrapped to them, and to no one else. Answers the released job.
   */
  async postSegment(id: string, index: number, body: SegmentPost, options: { idempotencyKey?: string } = {}): Promise<Job> {
    const answer = await this.hub.request<SegmentAnswer>('POST', path(id, `/segments/${index}`), body, idempotent(options.idempotencyKey))
    try {
      return await provideInputKeys(this.hub, this.identity, answer.job)
    } catch (err) {
      // The same post sent again after its keys went through: the job is already released.
      if (!(err instanceof W3aiError && err.code === 'JOB_INVALID_STATE')) throw err
      return this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(answer.job.jobId)}`)
    }
  }

  /** Records that a segment's result is stored in W3S (`result`) and, with `decrypted`, opened. */
  collected(id: string, index: number, body: SegmentCollected): Promise<Pipeline> {
    return this.hub.request<Pipeline>('POST', path(id, `/segments/${index}/collected`), body, { idempotent: true })
  }

  get(id: string): Promise<Pipeline> {
    return this.hub.request<Pipeline>('GET', path(id))
  }

  /** One page of your pipelines, newest first, as summaries (`get` has the segments). */
  async list(query: PageQuery = {}): Promise<ListPage<PipelineSummary>> {
    const r = await this.hub.request<PipelineList>('GET', '/v1/pipelines', undefined, { query: pageQuery(query) })
    return listPage(r.pipelines, r.nextCursor)
  }

  /** Every pipeline of yours, newest first: `for await (const p of pipelines.all())`. */
  all(query: PageQuery = {}): AsyncGenerator<PipelineSummary, void, undefined> {
    return followPages((q) => this.list(q), query)
  }

  /** Calls `onEvent` for every change to your pipelines until the returned function is called. */
  follow(onEvent: (event: Extract<HubEvent, { type: 'pipeline.updated' }>) => void, options: EventsOptions = {}): () => void {
    return this.hub.events((message) => {
      if (message.type === 'pipeline.updated') onEvent(message)
    }, { reconnect: true, ...options })
  }

  /** Follows a pipeline until it succeeds or fails (or `timeoutMs` passes), reporting every change. */
  async wait(id: string, options: PipelineWaitOptions = {}): Promise<Pipeline> {
    const follower = new Follower(this, id, options)
    try {
      for (;;) {
        const p = await follower.next()
        if (TERMINAL.has(p.status)) return p
        follower.checkDeadline(p)
        await follower.pause()
      }
    } finally {
      follower.close()
    }
  }

  /**
   * Submits rows to a model: creates the pipeline (with the codec's evaluation keys stored once),
   * then encodes, stores and posts each segment (its input keys wrapped to its nodes only).
   * Answers once every segment is posted; `collect` gathers the results, here or in another process.
   */
  async submit(options: PipelineSubmitOptions): Promise<PipelineSubmission> {
    const started = await this.start(options, () => undefined)
    await started.posted
    return { pipeline: await this.get(started.pipeline.id), ranges: started.ranges }
  }

  /**
   * Collects a submitted pipeline: follows it, and as each segment's job succeeds stores its sealed
   * result in W3S (still encrypted), opens and decodes it here and marks it collected; answers the
   * finished pipeline with the outputs in index order. Safe to call again and from another process
   * than `submit`'s: a segment already collected is decoded again from its job, nothing posted twice.
   * A failed segment fails it with its job's error.
   */
  collect(id: string, codec: PipelineCodec, options: PipelineCollectOptions = {}): Promise<PipelineRunResult> {
    return this.collecting(id, codec, options)
  }

  /**
   * Runs rows through a model: `submit` and `collect` at once (each result is collected as soon as
   * its job succeeds, while later segments are still being posted).
   */
  async run(options: PipelineRunOptions): Promise<PipelineRunResult> {
    let wake: () => void = () => undefined
    const started = await this.start(options, () => wake())
    return this.collecting(started.pipeline.id, options.codec, options, { posting: started.posted, setWake: (w) => (wake = w) })
  }

  /** Creates the pipeline and starts posting its segments; `posted` settles when every one is posted (or one failed). */
  private async start(options: PipelineSubmitOptions, onPosted: () => void): Promise<{ pipeline: Pipeline; ranges: Array<[number, number]>; posted: Promise<void> }> {
    const { codec, privacy, rows } = options
    checkCodec(codec, privacy)
    const key = options.idempotencyKey ?? randomBytes(12).toString('hex')
    const put = (bytes: Uint8Array, name: string): Promise<string> => putBytes(this.storage, bytes, { ...options.put, name })
    const segments = options.segments ?? 1
    const keys = codec.keys === undefined ? undefined : await put(codec.keys(), `pipeline-${key}.keys`)
    const pipeline = await this.create(
      { model: options.model, privacy, rows: rows.length, segments, ...(keys === undefined ? {} : { keys }), ...(options.params === undefined ? {} : { params: options.params }) },
      { idempotencyKey: key },
    )
    const ranges = segmentRanges(rows.length, segments)
    const post = async (index: number, bytes: Uint8Array): Promise<void> => {
      const input = await put(bytes, `${pipeline.id}-${index}.in`)
      await this.postSegment(pipeline.id, index, { input, rows: ranges[index]![1] - ranges[index]![0] }, { idempotencyKey: `${key}-${index}` })
      onPosted()
    }
    const posted = (async () => {
      const posts: Array<Promise<void>> = []
      let failure: { err: unknown } | undefined
      for (const [index, [start, end]] of ranges.entries()) {
        if (failure !== undefined) throw failure.err
        const bytes = await codec.encode(rows.slice(start, end) as number[][])
        const posting = post(index, bytes)
        // Awaited below; meanwhile a failed post stops the encoding of later segments.
        posting.catch((err: unknown) => void (failure ??= { err }))
        posts.push(posting)
        // Let the uploads under way move on before encoding the next segment.
        await new Promise((r) => setImmediate(r))
      }
      await Promise.all(posts)
    })()
    posted.catch(() => undefined)
    return { pipeline, ranges, posted }
  }

  /** collect's loop; run() adds its segments still being posted (their failure fails it, each post wakes it). */
  private async collecting(id: string, codec: PipelineCodec, options: PipelineCollectOptions, submitting?: { posting: Promise<void>; setWake: (wake: () => void) => void }): Promise<PipelineRunResult> {
    const outputs = new Map<number, number[][]>()
    const follower = new Follower(this, id, options)
    const problems: unknown[] = []
    const track = (work: Promise<void>): void => {
      work.catch((err: unknown) => problems.push(err)).finally(() => follower.wake())
    }
    if (submitting !== undefined) {
      submitting.setWake(() => follower.wake())
      track(submitting.posting)
    }
    const collecting = new Set<number>()
    try {
      for (;;) {
        if (problems.length > 0) throw problems[0]
        const p = await follower.next()
        checkCodec(codec, p.privacy)
        const failed = p.segments.find((s) => s.stage === 'failed')
        if (failed !== undefined) throw segmentError(p, failed)
        for (const s of p.segments) {
          if ((s.stage !== 'collect' && s.stage !== 'done') || s.jobId === null || collecting.has(s.index)) continue
          collecting.add(s.index)
          track(this.collectSegment(p, s, codec, options).then((rows) => void outputs.set(s.index, rows)))
        }
        if (outputs.size === p.segments.length) {
          const done = await follower.next()
          return { pipeline: done, outputs: [...outputs.entries()].sort(([a], [b]) => a - b).flatMap(([, rows]) => rows) }
        }
        follower.checkDeadline(p)
        await follower.pause()
      }
    } finally {
      follower.close()
    }
  }

  /**
   * One segment's rows from its job's sealed result: stored in W3S unless the segment names its
   * stored result already, opened, decoded and checked against the segment's rows, and marked
   * collected unless it is done.
   */
  private async collectSegment(p: Pipeline, segment: PipelineSegment, codec: PipelineCodec, options: PipelineCollectOptions): Promise<number[][]> {
    const job = await this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(segment.jobId!)}`)
    if (!isSealedResult(job.result)) throw new W3aiError('COMPUTE_SEAL_DENIED', `Segment ${segment.index}'s result came back unsealed; it is not used.`, { index: segment.index, jobId: job.id })
    const opened = openJobResult(job, this.identity)
    const stored = p.privacy === 'he' ? heOutput(opened, segment.index) : Buffer.from(JSON.stringify(job.result))
    const plain = p.privacy === 'he' ? stored : Buffer.from(JSON.stringify(opened))
    // A result stored before (an earlier collect that did not finish) is named again, not stored twice.
    const result = segment.result ?? (await putBytes(this.storage, stored, { ...options.put, name: `${p.id}-${segment.index}.out` }))
    const decoded = await codec.decode(plain)
    if (decoded.length !== segment.rows) {
      throw new W3aiError('COMPUTE_SHAPE_MISMATCH', `Segment ${segment.index} holds ${segment.rows} rows; its result decodes to ${decoded.length}.`, { index: segment.index, expected: segment.rows, actual: decoded.length })
    }
    if (segment.stage !== 'done') await this.collected(p.id, segment.index, { result, decrypted: true })
    return decoded
  }
}

/** Polls a pipeline, woken early by its events or by local work, telling onUpdate of each change. */
class Follower {
  private readonly deadline: number
  private last = ''
  private woken = false
  private wakeUp: (() => void) | undefined
  private readonly unsubscribe: () => void

  constructor(
    private readonly client: PipelinesClient,
    private readonly id: string,
    private readonly options: PipelineWaitOptions,
  ) {
    this.deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000)
    this.unsubscribe = options.events === false ? () => undefined : client.follow((e) => e.pipelineId === id && this.wake())
  }

  async next(): Promise<Pipeline> {
    const p = await whileUnreachable(() => this.client.get(this.id), this.deadline, this.options.follow)
    const stamp = stampOf(p)
    if (stamp !== this.last) this.options.onUpdate?.(p)
    this.last = stamp
    return p
  }

  checkDeadline(p: Pipeline): void {
    if (Date.now() > this.deadline) throw new W3aiError('PIPELINE_INVALID_STATE', `Pipeline ${this.id} is still ${p.status} after the wait.`)
  }

  wake(): void {
    this.woken = true
    this.wakeUp?.()
  }

  pause(): Promise<void> {
    if (this.woken) {
      this.woken = false
      return Promise.resolve()
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.intervalMs ?? 500)
      const self = this
      function done(): void {
        clearTimeout(timer)
        self.wakeUp = undefined
        self.woken = false
        resolve()
      }
      this.wakeUp = done
    })
  }

  close(): void {
    this.unsubscribe()
  }
}

const idempotent = (key: string | undefined): { idempotent?: boolean; headers?: Record<string, string> } =>
  key === undefined ? {} : { idempotent: true, headers: { 'idempotency-key': key } }

/** Refuses a codec made for another privacy level than the pipeline's. */
function checkCodec(codec: PipelineCodec, privacy: PipelinePrivacy): void {
  if (codec.privacy !== undefined && codec.privacy !== privacy) {
    throw new W3aiError('VALIDATION_FAILED', `The codec encodes for privacy ${codec.privacy}; this pipeline is ${privacy}.`, { field: 'codec' })
  }
}

/** The result ciphertexts of an `he` job's opened result ({ output: base64, ... }). */
function heOutput(result: unknown, index: number): Buffer {
  const output = (result as { output?: unknown } | null)?.output
  if (typeof output !== 'string') throw new W3aiError('COMPUTE_BAD_INPUT', `Segment ${index}'s he result has no output ciphertexts.`, { index })
  return Buffer.from(output, 'base64')
}

/** The failed segment's job error as the run's error (its code when it is one of ours). */
function segmentError(p: Pipeline, s: PipelineSegment): W3aiError {
  const e = (s.error ?? {}) as { code?: unknown; message?: unknown }
  const code = isErrorCode(e.code) ? e.code : 'COMPUTE_FAILED'
  const why = typeof e.message === 'string' ? e.message : 'its job failed'
  return new W3aiError(code, `Segment ${s.index} of pipeline ${p.id} failed: ${why}`, { pipelineId: p.id, index: s.index, jobId: s.jobId })
}
