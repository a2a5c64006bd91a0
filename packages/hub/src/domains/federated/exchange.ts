/**
 * Hands pieces of work to nodes and waits for their answers: the rows are created (and the nodes
 * they are keyed to nudged, so those connected to this hub claim at once), then polled
 * (and woken early when an answer reaches this hub) until every one is answered, the deadline
 * passes or the round is abandoned. What is still open then is expired: those clients dropped out.
 */
import type { NewWork, WorkResult, WorkStore } from './work-store.js'

export interface WorkExchangeComponents {
  work: WorkStore
  /** How often answers are looked for (they may reach another hub of the network). */
  pollMs: number
  /** Tells the nodes named that work awaits them (those connected to this hub claim now; the others poll). */
  nudge?: (nodeIds: readonly string[]) => void
}

const FINAL = new Set(['done', 'failed', 'expired'])

export class WorkExchange {
  private readonly waiters = new Set<() => void>()

  constructor(private readonly c: WorkExchangeComponents) {}

  /** An answer reached this hub: waiting rounds look at once instead of at their next poll. */
  notify(): void {
    for (const wake of [...this.waiters]) wake()
  }

  /**
   * Sends `items` (all with the same deadline) and answers every result once each is final:
   * done or failed as the node said, expired when it did not answer in time. With
   * `withParameters`, done results carry the parameters sent back.
   */
  async send(items: readonly NewWork[], withParameters: boolean, signal: AbortSignal): Promise<WorkResult[]> {
    const ids = await this.c.work.create(items)
    this.c.nudge?.([...new Set(items.map((w) => w.nodeId))])
    const deadline = Math.max(...items.map((w) => w.deadline.getTime()))
    try {
      while (!signal.aborted && Date.now() < deadline) {
        if ((await this.c.work.statuses(ids)).every((status) => FINAL.has(status))) break
        await this.pause(Math.min(this.c.pollMs, Math.max(0, deadline - Date.now())), signal)
      }
    } finally {
      await this.c.work.expire(ids)
    }
    return this.c.work.results(ids, withParameters)
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
