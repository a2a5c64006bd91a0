/**
 * A background round on an interval with one lifecycle: start() / stop(), rounds never overlap,
 * stop() waits for the round under way. The staking domain runs its unbonding releases on it, the
 * storage domain its epoch payments.
 */
export interface UpkeepComponents {
  /** One round of work. */
  round: () => Promise<unknown>
  intervalMs: number
  onError: (err: unknown) => void
}

export class Upkeep {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined

  constructor(private readonly c: UpkeepComponents) {}

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => void this.run(), this.c.intervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.running
  }

  /** One round now, unless one is under way (then that one); errors go to onError. */
  run(): Promise<void> {
    this.running ??= this.c
      .round()
      .then(() => undefined, this.c.onError)
      .finally(() => {
        this.running = undefined
      })
    return this.running
  }
}
