/**
 * The node's task loop: while it has free slots it claims tasks from the hub, opens their inputs
 * with the keys wrapped to this node for that job, runs each in a sandboxed child process with
 * time and memory limits, renews the lease while it runs, and reports the result or the failure.
 */
import { runSandboxed, type SandboxLimits } from '@w3ai/compute'
import { W3aiError, type ClaimedTask, type ErrorCode } from '@w3ai/protocol'
import type { TaskClient } from '@w3ai/sdk'
import type { Logger } from 'pino'
import type { ObjectCache } from './object-cache.js'

export interface TaskRunnerComponents {
  tasks: TaskClient
  executors: string[]
  /** Tasks run at once. */
  slots: number
  /** How often to ask for work while there is room. */
  pollMs: number
  limits: SandboxLimits
  log: Logger
  /** TEST ONLY: report deliberately wrong results (to exercise verification). */
  corruptResults?: boolean
  /** Opened models and modules kept across tasks. */
  objects?: ObjectCache
}

/**
 * Failures that another node would hit too (the input, spec, dataset or model is at fault):
 * retrying elsewhere wastes the network's time. Limits, crashes and runtime failures may be the
 * node's own, so those are retried.
 */
const PERMANENT: ReadonlySet<string> = new Set<ErrorCode>([
  'VALIDATION_FAILED',
  'COMPUTE_BAD_INPUT',
  'COMPUTE_SHAPE_MISMATCH',
  'COMPUTE_INPUT_TOO_LARGE',
  'COMPUTE_BAD_SPEC',
  'COMPUTE_BAD_DATASET',
  'COMPUTE_MODEL_INVALID',
  'COMPUTE_EXPORT_UNSUPPORTED',
  'COMPUTE_BAD_MODULE',
  'COMPUTE_EXIT_CODE',
  'COMPUTE_UNKNOWN_EXECUTOR',
])
const RUNNABLE = new Set(['onnx', 'train', 'wasm'])
/** Most an idle node stretches its claim interval, as a multiple of pollMs. */
const IDLE_BACKOFF = 8

export class TaskRunner {
  private timer: NodeJS.Timeout | undefined
  private readonly inFlight = new Map<string, AbortController>()
  private stopped = true
  private polling = false
  private idlePolls = 0

  constructor(private readonly c: TaskRunnerComponents) {}

  get running(): number {
    return this.inFlight.size
  }

  start(): void {
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    for (const ctrl of this.inFlight.values()) ctrl.abort(new Error('node stopping'))
    while (this.inFlight.size > 0 || this.polling) await new Promise((r) => setTimeout(r, 20))
  }

  private schedule(ms: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => void this.poll(), ms)
    this.timer.unref()
  }

  private async poll(): Promise<void> {
    const free = this.c.slots - this.inFlight.size
    const executors = this.c.executors.filter((e) => RUNNABLE.has(e))
    if (free > 0 && executors.length > 0) {
      this.polling = true
      try {
        const tasks = await this.c.tasks.claim(executors, free)
        for (const task of tasks) this.launch(task)
        // Nothing for this node: ask less often (up to IDLE_BACKOFF × pollMs), so idle nodes do not load the hub.
        this.idlePolls = tasks.length === 0 ? this.idlePolls + 1 : 0
      } catch (err) {
        this.idlePolls++
        this.c.log.debug({ err: String(err) }, 'claim failed; will retry')
      } finally {
        this.polling = false
      }
    }
    this.schedule(this.c.pollMs * Math.min(IDLE_BACKOFF, 2 ** Math.max(0, this.idlePolls - 1)))
  }

  private launch(task: ClaimedTask): void {
    const ctrl = new AbortController()
    this.inFlight.set(task.id, ctrl)
    void this.run(task, ctrl).finally(() => {
      this.inFlight.delete(task.id)
      if (!this.stopped) this.schedule(0)
    })
  }

  private async run(task: ClaimedTask, ctrl: AbortController): Promise<void> {
    const log = this.c.log.child({ taskId: task.id, jobId: task.jobId, executor: task.executor })
    const leaseMs = Math.max(1000, new Date(task.leaseExpiresAt).getTime() - Date.now())
    const renew = setInterval(() => {
      this.c.tasks.renew(task).catch((err: unknown) => {
        if (err instanceof W3aiError && err.code === 'TASK_LEASE_LOST') ctrl.abort(new Error('lease lost'))
      })
    }, Math.max(250, leaseMs / 3))
    try {
      log.info({ attempt: task.attempt }, 'task started')
      const payload = await this.payload(task)
      // Reports go out in order, and all of them before the result (after it the lease is gone).
      let reports: Promise<void> = Promise.resolve()
      const onProgress = (data: unknown): void => {
        reports = reports.then(() => this.c.tasks.progress(task, flatProgress(data))).catch(() => undefined)
      }
      const { result } = await runSandboxed({ executor: task.executor, payload, limits: this.c.limits, signal: ctrl.signal, onProgress })
      let out = shapeResult(task.executor, result)
      if (this.c.corruptResults === true) out = corrupt(out)
      await reports
      if (!ctrl.signal.aborted) await this.c.tasks.complete(task, out)
      log.info('task done')
    } catch (err) {
      if (ctrl.signal.aborted && this.stopped) return // the lease expires and the hub re-dispatches it
      const code = (err as { code?: unknown }).code
      const error = { code: typeof code === 'string' ? code : 'COMPUTE_EXECUTOR_FAILED', message: String((err as Error).message ?? err).slice(0, 2000) }
      log.warn(error, 'task failed')
      await this.c.tasks.fail(task, error, !PERMANENT.has(error.code)).catch(() => undefined)
    } finally {
      clearInterval(renew)
    }
  }

  /** What the executor needs, with every stored input fetched, verified and decrypted. */
  private async payload(task: ClaimedTask): Promise<unknown> {
    const open = async (role: string): Promise<Buffer | undefined> => {
      const input = task.inputs.find((i) => i.role === role)
      if (input === undefined) return undefined
      // Models and modules are reused across jobs; data inputs are opened each time.
      if ((role === 'model' || role === 'module') && this.c.objects !== undefined) return this.c.objects.get(input.cid, () => this.c.tasks.openInput(input))
      return this.c.tasks.openInput(input)
    }
    const params = (task.params ?? {}) as Record<string, unknown>
    switch (task.executor) {
      case 'wasm': {
        const module = await open('module')
        if (module === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A wasm job needs a module input.')
        return { module, stdin: (await open('input')) ?? new Uint8Array(), args: Array.isArray(params.args) ? params.args.map(String) : [] }
      }
      case 'onnx': {
        const model = await open('model')
        if (model === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'An onnx job needs a model input.')
        const stored = await open('input')
        const inputs = stored === undefined ? params.tensors : JSON.parse(stored.toString('utf8'))
        return { model, inputs }
      }
      case 'train': {
        const dataset = await open('dataset')
        if (dataset === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'A train job needs a dataset input.')
        return { spec: params.spec, dataset, ...(params.csv === undefined ? {} : { csv: params.csv }) }
      }
      default:
        throw new W3aiError('VALIDATION_FAILED', `This node cannot run ${task.executor} tasks.`)
    }
  }
}

/** Progress goes to the hub as a flat record of scalars (per-epoch metrics and the like). */
function flatProgress(data: unknown): Record<string, number | string | boolean | null> {
  const out: Record<string, number | string | boolean | null> = {}
  if (data === null || typeof data !== 'object') return { value: typeof data === 'number' || typeof data === 'string' || typeof data === 'boolean' ? data : null }
  for (const [k, v] of Object.entries(data)) {
    if (Object.keys(out).length >= 32) break
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k.slice(0, 64)] = v
    else if (typeof v === 'string') out[k.slice(0, 64)] = v.slice(0, 200)
  }
  return out
}

/** Results travel as JSON: bytes become base64. */
function shapeResult(executor: string, result: unknown): unknown {
  if (executor === 'wasm') {
    const r = result as { stdout: Uint8Array; stderr: string; stderrTruncated: boolean }
    return { stdout: Buffer.from(r.stdout).toString('base64'), stderr: r.stderr, stderrTruncated: r.stderrTruncated }
  }
  return result
}

/** TEST ONLY: a Byzantine node's answer — every number nudged, every string reversed. */
function corrupt(value: unknown): unknown {
  if (typeof value === 'number') return value + 1
  if (typeof value === 'string') return [...value].reverse().join('') + '!'
  if (Array.isArray(value)) return value.map(corrupt)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]))
  return value
}
