/**
 * The hub's event bus: local subscribers (dashboards on the event stream) plus, on PostgreSQL,
 * LISTEN/NOTIFY so every hub of the network sees every other hub's events.
 */
import type { HubEvent } from '@w3ai/protocol'
import type { Database } from '../db/types.js'

type Subscriber = (event: HubEvent) => void

// NOTIFY payloads must stay under 8000 bytes; load batches are split to fit.
const LOADS_PER_NOTIFY = 25

export class EventBus {
  private readonly subscribers = new Set<Subscriber>()
  private unlisten: (() => Promise<void>) | undefined
  private readonly channel: string

  constructor(
    private readonly db: Database,
    private readonly hubId: string,
    channel = 'w3ai_events',
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.channel = channel
  }

  async start(): Promise<void> {
    if (this.db.kind !== 'postgres') return
    this.unlisten = await this.db.listen(this.channel, (payload) => {
      try {
        const msg = JSON.parse(payload) as { origin: string; event: HubEvent }
        if (msg.origin !== this.hubId) this.deliver(msg.event)
      } catch (err) {
        this.onError(err)
      }
    })
  }

  async stop(): Promise<void> {
    await this.unlisten?.()
    this.unlisten = undefined
    this.subscribers.clear()
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn)
    return () => this.subscribers.delete(fn)
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  publish(event: HubEvent): void {
    this.deliver(event)
    if (this.db.kind !== 'postgres') return
    const parts: HubEvent[] = event.type === 'node.load' ? chunkLoads(event) : [event]
    for (const part of parts) {
      this.db.notify(this.channel, JSON.stringify({ origin: this.hubId, event: part })).catch(this.onError)
    }
  }

  private deliver(event: HubEvent): void {
    for (const fn of this.subscribers) {
      try {
        fn(event)
      } catch (err) {
        this.onError(err)
      }
    }
  }
}

function chunkLoads(event: Extract<HubEvent, { type: 'node.load' }>): HubEvent[] {
  const out: HubEvent[] = []
  for (let i = 0; i < event.loads.length; i += LOADS_PER_NOTIFY) {
    out.push({ type: 'node.load', loads: event.loads.slice(i, i + LOADS_PER_NOTIFY) })
  }
  return out
}
