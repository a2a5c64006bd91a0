/**
 * One start/stop lifecycle for every long-running part of a hub (database, event bus, router,
 * HTTP server, liveness, storage upkeep, job upkeep, serving): components start in the order they
 * were added and stop in reverse; stop() is idempotent and stops every component even when one fails.
 */

/** A long-running part of the hub. */
export interface Startable {
  start?(): void | Promise<void>
  stop?(): void | Promise<void>
}

export class Lifecycle {
  private readonly components: Array<{ name: string; component: Startable }> = []
  private started: Array<{ name: string; component: Startable }> = []
  private state: 'new' | 'starting' | 'started' | 'stopping' | 'stopped' = 'new'
  private stopping: Promise<void> | undefined

  constructor(private readonly onError: (err: unknown, name: string) => void = () => undefined) {}

  /** Adds a component; it starts after those added before it and stops before them. */
  add<T extends Startable>(name: string, component: T): T {
    if (this.state !== 'new' && this.state !== 'starting') throw new Error(`cannot add ${name}: lifecycle already ${this.state}`)
    this.components.push({ name, component })
    return component
  }

  /** Adds a component that is already running (a database opened while composing): it is stopped with the rest, last of those added before it. */
  adopt<T extends Startable>(name: string, component: T): T {
    this.add(name, component)
    this.started.push(this.components[this.components.length - 1]!)
    return component
  }

  get status(): typeof this.state {
    return this.state
  }

  /** Starts the components in order; if one fails, those already started are stopped and the error is thrown. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`already ${this.state}`)
    this.state = 'starting'
    try {
      for (const entry of this.components) {
        if (this.started.includes(entry)) continue
        await entry.component.start?.()
        this.started.push(entry)
      }
      this.state = 'started'
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Stops the started components in reverse order; safe to call any number of times. */
  stop(): Promise<void> {
    if (this.stopping !== undefined) return this.stopping
    this.state = 'stopping'
    this.stopping = (async () => {
      for (const { name, component } of this.started.reverse()) {
        try {
          await component.stop?.()
        } catch (err) {
          this.onError(err, name)
        }
      }
      this.started = []
      this.state = 'stopped'
    })()
    return this.stopping
  }
}
