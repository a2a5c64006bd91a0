/**
 * Compute jobs from the client side (submit, wrap input keys to the chosen nodes, follow, cancel)
 * and from the node side (claim tasks, open their inputs, report results).
 */
import { isSealedResult, openResult, unwrapKey, wrapKey, type Identity } from '@w3ai/crypto'
import { W3aiError, type ClaimedTask, type Job, type JobCandidates, type JobList, type JobSubmit, type ObjectDetail, type Order, type PageQuery, type TaskInput } from '@w3ai/protocol'
import { downloadObject, downloadSegment } from '@w3ai/storage'
import type { HubClient } from './client.js'
import type { PutOptions, StorageClient } from './storage.js'
import { getPiece } from './pieces.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'
import { whileUnreachable, type FollowOptions } from './retry.js'

export interface WaitOptions {
  /** Between polls, in ms (default 250). */
  intervalMs?: number
  /** Give up after this long, in ms (default 10 minutes); the job goes on. */
  timeoutMs?: number
  /** Told of every change. */
  onUpdate?: (job: Job) => void
  /** While the hub is unreachable the wait goes on following until its deadline: how (backoff, onUnreachable). */
  follow?: FollowOptions
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled'])

export class JobsClient {
  constructor(
    private readonly hub: HubClient,
    private readonly identity: Identity,
  ) {}

  /**
   * Submits a job; its input keys are unwrapped here and re-wrapped to the nodes the hub chose, and
   * to no one else. With `order` (a compute-only purchase of yours) the job reads the order's data
   * without you ever holding its key: the seller's side wraps that key to the job's nodes (the job
   * waits for it, `awaiting-keys`), you wrap only your other inputs, and the result is sealed to
   * you (`sealTo` is set to your account key unless given); open it with `openJobResult`.
   */
  async submit(body: JobSubmit): Promise<Job> {
    // The order's data is the seller's to key: learnt before submitting, so a wrong order leaves no job behind.
    const provided = body.order === undefined ? undefined : (await this.hub.request<Order>('GET', `/v1/market/orders/${encodeURIComponent(body.order)}`)).cid
    const sent = body.order !== undefined && body.sealTo === undefined ? { ...body, sealTo: this.identity.encryptionKey } : body
    const answer = await this.hub.request<JobCandidates | Job>('POST', '/v1/jobs', sent)
    if (!('candidates' in answer)) return answer
    const own = answer.inputs.filter((cid) => cid !== provided)
    if (own.length === 0) return this.get(answer.jobId)
    return provideInputKeys(this.hub, this.identity, { ...answer, inputs: own })
  }

  /**
   * Stores a finished training job's models in W3S under your account: the ONNX export (servable
   * by `onnx` jobs) and the TF.js artifacts. Returns their CIDs.
   */
  async storeTrainedModel(job: Job, storage: StorageClient, options: PutOptions = {}): Promise<{ onnx: string; tfjs: string }> {
    const result = job.result as { onnx?: string; tfjs?: unknown } | null
    if (job.executor !== 'train' || job.status !== 'succeeded' || typeof result?.onnx !== 'string') {
      throw new W3aiError('JOB_INVALID_STATE', `Job ${job.id} is not a finished training job.`)
    }
    const onnx = await putBytes(storage, Buffer.from(result.onnx, 'base64'), { ...options, name: `${job.id}.onnx` })
    const tfjs = await putBytes(storage, Buffer.from(JSON.stringify(result.tfjs)), { ...options, name: `${job.id}.tfjs.json` })
    return { onnx, tfjs }
  }

  get(id: string): Promise<Job> {
    return this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`)
  }

  /** One page of your jobs, newest first (`limit` 1..500, default 100; `cursor` from the previous page's `nextCursor`). */
  async list(query: PageQuery = {}): Promise<ListPage<Job>> {
    const r = await this.hub.request<JobList>('GET', '/v1/jobs', undefined, { query: pageQuery(query) })
    return listPage(r.jobs, r.nextCursor)
  }

  /** Every job of yours, newest first, following the cursors page by page: `for await (const job of jobs.all())`. */
  all(query: PageQuery = {}): AsyncGenerator<Job, void, undefined> {
    return followPages((q) => this.list(q), query)
  }

  cancel(id: string): Promise<Job> {
    return this.hub.request<Job>('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`)
  }

  /**
   * Polls until the job finishes (or `timeoutMs` passes), reporting every change. A hub that
   * goes away meanwhile is waited for (with backoff) until the deadline, then followed again.
   */
  async wait(id: string, options: WaitOptions = {}): Promise<Job> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000)
    let last = ''
    for (;;) {
      const job = await whileUnreachable(() => this.get(id), deadline, options.follow)
      const stamp = `${job.status}:${job.history.length}`
      if (stamp !== last) options.onUpdate?.(job)
      last = stamp
      if (TERMINAL.has(job.status) && (job.status !== 'succeeded' || job.result !== null)) return job
      if (Date.now() > deadline) throw new W3aiError('JOB_INVALID_STATE', `Job ${id} is still ${job.status} after the wait.`)
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 250))
    }
  }
}

/** Stores bytes held in memory in W3S under your account; answers their CID. */
export async function putBytes(storage: Pick<StorageClient, 'put'>, bytes: Uint8Array, options: PutOptions = {}): Promise<string> {
  async function* once(): AsyncGenerator<Uint8Array> {
    yield bytes
  }
  return (await storage.put(once(), bytes.length, options)).cid
}

/**
 * Releases a job that awaits keys: each input's key, unwrapped with your identity, is wrapped to
 * each node the hub chose for the job, and to no one else.
 */
export async function provideInputKeys(hub: HubClient, identity: Identity, answer: Pick<JobCandidates, 'jobId' | 'inputs' | 'candidates'>): Promise<Job> {
  const keys: Array<{ nodeId: string; cid: string; wrappedKey: ReturnType<typeof wrapKey> }> = []
  for (const cid of answer.inputs) {
    const detail = await hub.request<ObjectDetail>('GET', `/v1/storage/objects/${cid}`)
    const objectKey = unwrapKey(detail.wrappedKey, identity)
    for (const c of answer.candidates) keys.push({ nodeId: c.nodeId, cid, wrappedKey: wrapKey(objectKey, c.encryptionKey) })
    objectKey.fill(0)
  }
  return hub.request<Job>('POST', `/v1/jobs/${answer.jobId}/keys`, { keys })
}

/**
 * A job's plain result: a sealed one (submitted with `sealTo`) is opened with your identity;
 * COMPUTE_SEAL_DENIED when it was not sealed to you for this job. Other results come back as they are.
 */
export function openJobResult(job: Pick<Job, 'id' | 'result'>, identity: Pick<Identity, 'encryptionKey' | 'decryptionKey'>): unknown {
  return isSealedResult(job.result) ? openResult(job.result, identity, job.id) : job.result
}

/** The node's side: leases, inputs and reports, each signed by the node's identity. */
export class TaskClient {
  constructor(
    private readonly hub: HubClient,
    private readonly node: Identity,
  ) {}

  async claim(executors: string[], capacity: number): Promise<ClaimedTask[]> {
    return (await this.hub.request<{ tasks: ClaimedTask[] }>('POST', '/v1/tasks/claim', { executors, capacity }, { as: this.node })).tasks
  }

  renew(task: Pick<ClaimedTask, 'id' | 'leaseId'>): Promise<void> {
    return this.hub.request('POST', `/v1/tasks/${task.id}/renew`, { leaseId: task.leaseId }, { as: this.node })
  }

  /** `seq` numbers the attempt's reports (0, 1, ...) so the hub records one sent again only once. */
  progress(task: Pick<ClaimedTask, 'id' | 'leaseId'>, progress: Record<string, number | string | boolean | null>, seq?: number): Promise<void> {
    return this.hub.request('POST', `/v1/tasks/${task.id}/progress`, { leaseId: task.leaseId, progress, ...(seq === undefined ? {} : { seq }) }, { as: this.node })
  }

  async complete(task: Pick<ClaimedTask, 'id' | 'leaseId'>, result: unknown): Promise<string> {
    return (await this.hub.request<{ outcome: string }>('POST', `/v1/tasks/${task.id}/complete`, { leaseId: task.leaseId, result }, { as: this.node })).outcome
  }

  async fail(task: Pick<ClaimedTask, 'id' | 'leaseId'>, error: { code: string; message: string }, retryable = true): Promise<string> {
    return (await this.hub.request<{ outcome: string }>('POST', `/v1/tasks/${task.id}/fail`, { leaseId: task.leaseId, error, retryable }, { as: this.node })).outcome
  }

  /** Fetches, verifies and decrypts one input with the key wrapped to this node for this job. */
  async openInput(input: TaskInput): Promise<Buffer> {
    const key = unwrapKey(input.wrappedKey, this.node)
    const parts: Buffer[] = []
    const { k, total } = input.manifest.erasure
    try {
      await downloadObject(
        input.manifest,
        key,
        (i, segment, signal) => downloadSegment(segment, input.segments[i]?.pieces ?? [], { getPiece, k, total, signal }),
        (plain) => void parts.push(Buffer.from(plain)),
      )
    } finally {
      key.fill(0)
    }
    return Buffer.concat(parts)
  }
}
