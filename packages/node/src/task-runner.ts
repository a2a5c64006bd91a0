/**
 * The node's task loop: while it has free slots it claims tasks from the hub, opens their inputs
 * with the keys wrapped to this node for that job, runs each in a sandboxed child process with
 * time and memory limits, renews the lease while it runs, and reports the result or the failure
 * through the outbox (kept until the hub acknowledges it).
 *
 * One claim loop: a single timer, re-armed (never added to) when a task finishes or the hub
 * nudges the node, and at most `slots` tasks held at once (claimed, running, or waiting for the
 * hub to take their result).
 */
import type { SandboxLimits } from '@w3ai/compute'
import { sealResult } from '@w3ai/crypto'
import { MAX_TASK_RESULT_BYTES, W3aiError, type ClaimedTask, type ErrorCode } from '@w3ai/protocol'
import type { TaskClient } from '@w3ai/sdk'
import type { Logger } from 'pino'
import type { ObjectCache } from './object-cache.js'
import type { Outbox, Outcome } from './outbox.js'
import { RUNNABLE_EXECUTORS, sandboxExecute, type ExecuteTask } from './task-executor.js'

export interface TaskRunnerComponents {
  tasks: Pick<TaskClient, 'claim' | 'renew' | 'openInput'>
  /** Takes progress and outcomes and keeps them until the hub acknowledges them. */
  outbox: Pick<Outbox, 'progress' | 'finish' | 'abandon'>
  executors: string[]
  /** Tasks held at once. */
  slots: number
  /** How often to ask for work while there is room. */
  pollMs: number
  limits: SandboxLimits
  log: Logger
  /** How a task runs (default sandboxExecute); tests pass a faulty or counting one. */
  execute?: ExecuteTask
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
/** Most an idle node stretches its claim interval, as a multiple of pollMs. */
const IDLE_BACKOFF = 8

export class TaskRunner {
  private timer: NodeJS.Timeout | undefined
  private readonly inFlight = new Map<string, AbortController>()
  private readonly execute: ExecuteTask
  private stopped = true
  private polling: Promise<void> | undefined
  /** A slot freed while a claim was under way: claim again as soon as it returns. */
  private pollAgain = false
  private idlePolls = 0

  constructor(private readonly c: TaskRunnerComponents) {
    this.execute = c.execute ?? sandboxExecute
  }

  /** Tasks held now (claimed and not yet reported). */
  get running(): number {
    return this.inFlight.size
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
    for (const ctrl of this.inFlight.values()) ctrl.abort(new Error('node stopping'))
    await this.polling
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20))
  }

  /**
   * The hub made a task for this node: claim now rather than at the next poll. Nudges coalesce:
   * any number before the claim starts cost that one claim, and any number while a claim is under
   * way one more after it (the task may have come after the hub looked).
   */
  nudge(): void {
    this.schedule(0)
  }

  /** (Re)arms the one claim timer; a claim under way re-arms it itself when it returns. */
  private schedule(ms: number): void {
    if (this.stopped) return
    if (this.polling !== undefined) {
      if (ms === 0) this.pollAgain = true
      return
    }
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.polling = this.poll().finally(() => {
        this.polling = undefined
        const again = this.pollAgain
        this.pollAgain = false
        // Nothing for this node: ask less often (up to IDLE_BACKOFF × pollMs), so idle nodes do not load the hub.
        this.schedule(again ? 0 : this.c.pollMs * Math.min(IDLE_BACKOFF, 2 ** Math.max(0, this.idlePolls - 1)))
      })
    }, ms)
    this.timer.unref()
  }

  private async poll(): Promise<void> {
    const free = this.c.slots - this.inFlight.size
    const executors = this.c.executors.filter((e) => RUNNABLE_EXECUTORS.has(e))
    if (free <= 0 || executors.length === 0) return
    try {
      const tasks = await this.c.tasks.claim(executors, free)
      for (const task of tasks.slice(0, free)) this.launch(task)
      // A hub that leased more than asked for gets the extra tasks back at once.
      for (const task of tasks.slice(free)) void this.c.outbox.finish(task, { kind: 'fail', error: { code: 'NODE_BUSY', message: 'More tasks were leased than this node asked for.' }, retryable: true })
      this.idlePolls = tasks.length === 0 ? this.idlePolls + 1 : 0
    } catch (err) {
      this.idlePolls++
      this.c.log.debug({ err: String(err) }, 'claim failed; will retry')
    }
  }

  private launch(task: ClaimedTask): void {
    const ctrl = new AbortController()
    this.inFlight.set(task.id, ctrl)
    void this.run(task, ctrl).finally(() => {
      this.inFlight.delete(task.id)
      this.schedule(0)
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
      let outcome: Outcome
      try {
        const onProgress = (data: unknown): void => this.c.outbox.progress(task, flatProgress(data))
        const result = await this.execute(task, { open: (role) => this.open(task, role), limits: this.c.limits, signal: ctrl.signal, onProgress })
        if (ctrl.signal.aborted) throw ctrl.signal.reason
        outcome = reportable(task, result)
      } catch (err) {
        if (ctrl.signal.aborted) {
          // Stopping: the lease expires and the hub re-dispatches the task. Lease lost: nobody listens.
          log.info({ reason: String((ctrl.signal.reason as Error)?.message ?? ctrl.signal.reason) }, 'task abandoned')
          this.c.outbox.abandon(task)
          return
        }
        const code = (err as { code?: unknown }).code
        const error = { code: typeof code === 'string' ? code : 'COMPUTE_EXECUTOR_FAILED', message: String((err as Error).message ?? err).slice(0, 2000) }
        log.warn(error, 'task failed')
        outcome = { kind: 'fail', error, retryable: !PERMANENT.has(error.code) }
      }
      // The slot stays taken until the hub has the outcome (or it is kept for later), so a node
      // never holds more than `slots` leases.
      const delivered = await this.c.outbox.finish(task, outcome)
      log.info({ outcome: outcome.kind, delivered }, delivered ? 'task done' : 'task done; result kept until the hub takes it')
    } finally {
      clearInterval(renew)
    }
  }

  /** One stored input of a task, fetched, verified and decrypted; undefined when the task has none. */
  private async open(task: ClaimedTask, role: string): Promise<Buffer | undefined> {
    const input = task.inputs.find((i) => i.role === role)
    if (input === undefined) return undefined
    // Models and modules are reused across jobs; data inputs are opened each time.
    if ((role === 'model' || role === 'module') && this.c.objects !== undefined) return this.c.objects.get(input.cid, () => this.c.tasks.openInput(input))
    return this.c.tasks.openInput(input)
  }
}

/**
 * What the hub gets for a finished task: the result, sealed to its submitter (bound to the job)
 * when the job asks; one the hub would refuse as too large fails at once, as it would anywhere.
 */
function reportable(task: ClaimedTask, result: unknown): Outcome {
  const report = task.sealTo === undefined ? result : sealResult(result, task.sealTo, task.jobId)
  const size = JSON.stringify(report ?? null).length
  if (size <= MAX_TASK_RESULT_BYTES) return { kind: 'complete', result: report }
  const sealed = task.sealTo === undefined ? '' : ' once sealed'
  const message = `The result is ${size} bytes of JSON${sealed}; a task result is at most ${MAX_TASK_RESULT_BYTES}. Make the task smaller (fewer rows per segment) or store the result in W3S.`
  return { kind: 'fail', error: { code: 'COMPUTE_OUTPUT_TOO_LARGE', message }, retryable: false }
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
