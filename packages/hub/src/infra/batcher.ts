/**
 * Group commit: callers add items one by one and get their own result, while the database sees
 * one statement per batch. Items that arrive while a batch runs form the next batch, so under
 * load batches grow by themselves and when idle an item waits only for the next tick.
 */
export interface BatcherOptions<In, Out> {
  /** Runs one batch; must return one result per item, in order. */
  run: (items: In[]) => Promise<Out[]>
  /** Largest batch (default 500). */
  maxItems?: number
  /** Items with equal keys never share a batch (a multi-row upsert may touch a row only once). */
  key?: (item: In) => string
}

interface Pending<In, Out> {
  item: In
  resolve: (out: Out) => void
  reject: (err: unknown) => void
}

export class Batcher<In, Out> {
  private queue: Array<Pending<In, Out>> = []
  private running = false
  private scheduled = false
  private readonly maxItems: number
  private idle: Array<() => void> = []

  constructor(private readonly options: BatcherOptions<In, Out>) {
    this.maxItems = options.maxItems ?? 500
  }

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.running || this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.drain()
    })
  }

  private take(): Array<Pending<In, Out>> {
    const keyOf = this.options.key
    if (keyOf === undefined) return this.queue.splice(0, this.maxItems)
    const batch: Array<Pending<In, Out>> = []
    const rest: Array<Pending<In, Out>> = []
    const keys = new Set<string>()
    for (const p of this.queue) {
      const k = keyOf(p.item)
      if (batch.length < this.maxItems && !keys.has(k)) {
        keys.add(k)
        batch.push(p)
      } else {
        rest.push(p)
      }
    }
    this.queue = rest
    return batch
  }

  private async drain(): Promise<void> {
    this.running = true
    try {
      while (this.queue.length > 0) {
        const batch = this.take()
        try {
          const results = await this.options.run(batch.map((p) => p.item))
          batch.forEach((p, i) => p.resolve(results[i] as Out))
        } catch (err) {
          for (const p of batch) p.reject(err)
        }
      }
    } finally {
      this.running = false
      if (this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve()
    }
  }

  /** Resolves once every item added so far has been run (for a clean stop). */
  async stop(): Promise<void> {
    if (!this.running && !this.scheduled && this.queue.length === 0) return
    await new Promise<void>((resolve) => this.idle.push(resolve))
  }
}
