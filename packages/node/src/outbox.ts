/**
 * What a task reports to the hub (progress, then its result or failure) is kept until the hub
 * acknowledges it: a task that finishes while the hub is unreachable keeps its result on disk
 * (`<home>/outbox/<taskId>.<attempt>.json`, 0600 in a 0700 directory) and it is sent again with
 * backoff, also after a node restart, instead of the whole task running again. Every report
 * carries the lease id of its attempt, so the hub commits a result once per (task, attempt).
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { W3aiError, type ClaimedTask } from '@w3ai/protocol'
import type { TaskClient } from '@w3ai/sdk'
import { Backoff, type BackoffOptions } from '@w3ai/util'
import type { Logger } from 'pino'

export type Progress = Record<string, number | string | boolean | null>

/** The attempt a report belongs to. */
export type TaskRef = Pick<ClaimedTask, 'id' | 'leaseId' | 'attempt' | 'jobId'>

export type Outcome =
  | { kind: 'complete'; result: unknown }
  | { kind: 'fail'; error: { code: string; message: string }; retryable: boolean }

interface Entry {
  task: TaskRef
  progress: Progress[]
  /** Progress reports of this attempt already delivered or dropped: the number the next one is sent with. */
  sent?: number
  outcome?: Outcome
}

/** An entry with its sending state (never written to disk). */
interface Slot {
  entry: Entry
  /** Sends run one after another per attempt, so reports keep their order. */
  chain: Promise<void>
  timer: NodeJS.Timeout | undefined
  backoff: Backoff
  /** The attempt ended (outcome recorded or abandoned): no more progress will be numbered. */
  ended: boolean
}

export interface OutboxComponents {
  /** Directory for undelivered reports; created 0700. */
  dir: string
  tasks: Pick<TaskClient, 'progress' | 'complete' | 'fail'>
  /** Delay between delivery attempts while the hub cannot take them. */
  retry: BackoffOptions
  log: Logger
}

/** Hub answers that mean "try again later"; anything else is final for that report. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof W3aiError)) return true
  return err.code === 'HUB_UNREACHABLE' || err.status >= 500 || err.status === 429
}

const FILE = /^(t_[A-Za-z0-9_-]+)\.(\d+)\.json$/

export class Outbox {
  private readonly slots = new Map<string, Slot>()
  /** Per running attempt whose slot was emptied: the number its next progress report is sent with. */
  private readonly numbers = new Map<string, number>()
  private stopped = false
  private saves = 0

  constructor(private readonly c: OutboxComponents) {}

  /** Attempts whose reports are not all acknowledged yet. */
  get pending(): number {
    return this.slots.size
  }

  /** Loads what an earlier run left undelivered and starts sending it. */
  async start(): Promise<void> {
    this.stopped = false
    await mkdir(this.c.dir, { recursive: true, mode: 0o700 })
    for (const name of await readdir(this.c.dir)) {
      // A temporary file is a save cut short by a crash; the report it replaced is still there.
      if (name.endsWith('.tmp')) await rm(join(this.c.dir, name), { force: true })
      if (!FILE.test(name)) continue
      try {
        const entry = JSON.parse(await readFile(join(this.c.dir, name), 'utf8')) as Entry
        if (typeof entry.task?.id !== 'string' || typeof entry.task.leaseId !== 'string') throw new Error('not a task report')
        entry.progress = Array.isArray(entry.progress) ? entry.progress : []
        const slot = this.slot(entry.task, entry)
        this.c.log.info({ taskId: entry.task.id, attempt: entry.task.attempt }, 'delivering a task report left from an earlier run')
        void this.flush(slot).then((done) => done || this.retryLater(slot))
      } catch (err) {
        this.c.log.warn({ file: name, err: String(err) }, 'unreadable task report dropped')
        await rm(join(this.c.dir, name), { force: true })
      }
    }
  }

  /** Stops sending; what is undelivered stays on disk for the next start. */
  async stop(): Promise<void> {
    this.stopped = true
    for (const slot of this.slots.values()) clearTimeout(slot.timer)
    await Promise.allSettled([...this.slots.values()].map((s) => s.chain))
    await Promise.allSettled([...this.slots.values()].map((s) => this.save(s.entry)))
  }

  /** Queues a progress report; reports go out in order, all before the outcome. */
  progress(task: TaskRef, progress: Progress): void {
    const slot = this.slot(task)
    slot.entry.progress.push(progress)
    void this.flush(slot)
  }

  /**
   * Records the attempt's outcome on disk, then sends it after the progress still queued.
   * Resolves after that first try: true when the hub took it (or refused it for good), false
   * when it is kept and sent again with backoff until the hub acknowledges it.
   */
  async finish(task: TaskRef, outcome: Outcome): Promise<boolean> {
    const slot = this.slot(task)
    slot.ended = true
    slot.entry.outcome = outcome
    await this.save(slot.entry)
    const done = await this.flush(slot)
    if (!done) this.retryLater(slot)
    return done
  }

  /** Drops an abandoned attempt's queued progress (its lease is lost or expiring: nobody listens). */
  abandon(task: TaskRef): void {
    const slot = this.slots.get(keyOf(task))
    if (slot === undefined || slot.entry.outcome !== undefined) return
    slot.ended = true
    // Their numbers stay used: one may have reached the hub with its answer lost.
    slot.entry.sent = (slot.entry.sent ?? 0) + slot.entry.progress.length
    slot.entry.progress = []
    void this.flush(slot)
  }

  private slot(task: TaskRef, loaded?: Entry): Slot {
    const key = keyOf(task)
    let slot = this.slots.get(key)
    if (slot === undefined) {
      // Numbering continues where the attempt's emptied slot left it.
      const entry = loaded ?? { task: { id: task.id, leaseId: task.leaseId, attempt: task.attempt, jobId: task.jobId }, progress: [], sent: this.numbers.get(key) ?? 0 }
      this.numbers.delete(key)
      slot = { entry, chain: Promise.resolve(), timer: undefined, backoff: new Backoff(this.c.retry), ended: false }
      this.slots.set(key, slot)
    }
    return slot
  }

  /** One pass over the queued reports, after any pass under way; true when nothing is left. */
  private flush(slot: Slot): Promise<boolean> {
    const pass = slot.chain.then(async () => {
      const done = this.stopped ? false : await this.sendAll(slot.entry)
      const empty = slot.entry.progress.length === 0 && slot.entry.outcome === undefined
      if (empty && this.slots.get(keyOf(slot.entry.task)) === slot) await this.forget(slot)
      return done || empty
    })
    slot.chain = pass.then(() => undefined, () => undefined)
    return pass
  }

  private retryLater(slot: Slot): void {
    if (this.stopped || slot.timer !== undefined || this.slots.get(keyOf(slot.entry.task)) !== slot) return
    const delay = slot.backoff.next()
    this.c.log.debug({ taskId: slot.entry.task.id, delayMs: delay }, 'hub unreachable; task report kept for another try')
    slot.timer = setTimeout(() => {
      slot.timer = undefined
      void this.save(slot.entry)
        .then(() => this.flush(slot))
        .then((done) => done || this.retryLater(slot))
        .catch((err: unknown) => {
          this.c.log.warn({ err: String(err) }, 'task report could not be kept on disk')
          this.retryLater(slot)
        })
    }, delay)
    slot.timer.unref()
  }

  /** Sends queued reports in order; false when the hub could not take them now. */
  private async sendAll(entry: Entry): Promise<boolean> {
    const t = entry.task
    const log = this.c.log.child({ taskId: t.id, attempt: t.attempt })
    while (entry.progress.length > 0 || entry.outcome !== undefined) {
      const progress = entry.progress[0]
      try {
        if (progress !== undefined) {
          // Numbered within the attempt, so a report whose answer was lost is recorded once.
          await this.c.tasks.progress(t, progress, entry.sent ?? 0)
          entry.progress.shift()
          entry.sent = (entry.sent ?? 0) + 1
          continue
        }
        const outcome = entry.outcome!
        const answer = outcome.kind === 'complete' ? await this.c.tasks.complete(t, outcome.result) : await this.c.tasks.fail(t, outcome.error, outcome.retryable)
        log.debug({ answer }, 'task report acknowledged')
        entry.outcome = undefined
      } catch (err) {
        if (isTransient(err)) return false
        const code = err instanceof W3aiError ? err.code : 'INTERNAL'
        if (code === 'TASK_LEASE_LOST') {
          // Nothing more of this attempt will be taken: the hub committed it already or moved on.
          log.info({ code }, 'the hub no longer holds this attempt; its reports are dropped')
          entry.progress = []
          entry.outcome = undefined
          return true
        }
        log.warn({ code, err: (err as Error).message }, 'the hub refused a task report; dropped')
        if (progress !== undefined) {
          entry.progress.shift()
          entry.sent = (entry.sent ?? 0) + 1
        } else entry.outcome = undefined
      }
    }
    return true
  }

  private path(task: TaskRef): string {
    return join(this.c.dir, `${task.id}.${task.attempt}.json`)
  }

  /** Written atomically (temporary file, then rename), readable by the node's user only. */
  private async save(entry: Entry): Promise<void> {
    if (entry.outcome === undefined && entry.progress.length === 0) return
    const target = this.path(entry.task)
    const temp = `${target}.${++this.saves}.tmp`
    await writeFile(temp, JSON.stringify(entry), { mode: 0o600 })
    await rename(temp, target)
  }

  /**
   * The file goes before the slot, so an attempt no longer pending has nothing left on disk. A
   * report queued while the file was being removed keeps the slot (and its numbering): the pass
   * queued behind this one sends it and forgets the slot then.
   */
  private async forget(slot: Slot): Promise<void> {
    clearTimeout(slot.timer)
    await rm(this.path(slot.entry.task), { force: true })
    if (slot.entry.progress.length > 0 || slot.entry.outcome !== undefined) return
    this.slots.delete(keyOf(slot.entry.task))
    if (!slot.ended) this.numbers.set(keyOf(slot.entry.task), slot.entry.sent ?? 0)
  }
}

function keyOf(task: Pick<TaskRef, 'id' | 'attempt'>): string {
  return `${task.id}.${task.attempt}`
}
