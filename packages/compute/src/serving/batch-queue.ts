/**
 * Batching whose wait follows the load. A request that finds the model idle and nothing queued
 * runs at once: at low load nobody waits for company. Requests that queued behind a run are a
 * sign of load; when that run ends they are held until the batch is full or the oldest of them
 * has waited `maxWaitMs`, so under load batches fill up instead of running a few rows each.
 */
export interface Batchable {
  /** Rows (samples along dim 0) this request adds to a batch. */
  rows: number
}

export interface BatchQueueOptions<Q extends Batchable> {
  /** Runs one batch; the next one is considered when it settles. */
  run: (batch: Q[]) => Promise<void>
  maxRows: number
  /** Longest a request that queued behind a run is held to fill a batch (0: never held). */
  maxWaitMs: number
  now?: () => number
  setTimer?: (fn: () => void, ms: number) => unknown
}

interface Entry<Q> {
  item: Q
  at: number
}

export class BatchQueue<Q extends Batchable> {
  private queue: Array<Entry<Q>> = []
  private running = false
  /** The hold in progress (a timer is set); a newer dispatch makes older timers no-ops. */
  private holding = 0
  private holds = 0
  private rows = 0
  private readonly now: () => number
  private readonly setTimer: (fn: () => void, ms: number) => unknown

  constructor(private readonly o: BatchQueueOptions<Q>) {
    this.now = o.now ?? (() => performance.now())
    this.setTimer = o.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
  }

  /** Queues a request: run at once when the model is idle, else batched after the current run. */
  add(item: Q): void {
    this.queue.push({ item, at: this.now() })
    this.rows += item.rows
    if (!this.running && (this.holding === 0 || this.rows >= this.o.maxRows)) this.dispatch(false)
  }

  /** Takes every queued request out (to fail them: the model was unloaded or the node stops). */
  drain(): Q[] {
    this.rows = 0
    return this.queue.splice(0).map((e) => e.item)
  }

  get size(): number {
    return this.queue.length
  }

  private dispatch(afterRun: boolean): void {
    this.holding = 0
    if (this.running || this.queue.length === 0) return
    if (afterRun && this.rows < this.o.maxRows) {
      const held = this.o.maxWaitMs - (this.now() - this.queue[0]!.at)
      if (held > 0) {
        const hold = (this.holding = ++this.holds)
        this.setTimer(() => {
          if (this.holding === hold) this.dispatch(false)
        }, held)
        return
      }
    }
    const batch: Q[] = [this.take()]
    let rows = batch[0]!.rows
    while (this.queue.length > 0 && rows + this.queue[0]!.item.rows <= this.o.maxRows) {
      const next = this.take()
      rows += next.rows
      batch.push(next)
    }
    this.running = true
    void this.o.run(batch).finally(() => {
      this.running = false
      this.dispatch(true)
    })
  }

  private take(): Q {
    const { item } = this.queue.shift()!
    this.rows -= item.rows
    return item
  }
}
