/**
 * Liveness of the nodes connected to this hub: heartbeats feed a phi-accrual detector per node;
 * a tick turns phi into `online | suspect | offline`; loads are written to the database in one
 * batched statement per interval. A sweep marks offline the nodes no hub has heard from (their
 * hub died), so every hub of the network converges on the same statuses.
 */
import type { HeartbeatMessage, NodeLoad, NodeStatus } from '@w3ai/protocol'
import { PhiAccrualDetector, statusForPhi, type StatusThresholds, DEFAULT_THRESHOLDS } from '@w3ai/router'
import type { EventBus } from '../../infra/event-bus.js'
import type { NodeStore } from './store.js'
import type { NonceStore } from '../../infra/nonces.js'

export interface LivenessComponents {
  nodes: NodeStore
  nonces: NonceStore
  bus: EventBus
  hubId: string
  heartbeatIntervalMs: number
  tickMs: number
  sweepIntervalMs: number
  staleAfterMs: number
  thresholds?: StatusThresholds
  now?: () => number
  onError: (err: unknown) => void
  onHeartbeat?: () => void
}

interface Session {
  detector: PhiAccrualDetector
  status: NodeStatus
  connection: object | undefined
  pending: NodeLoad | undefined
}

export class Liveness {
  private readonly sessions = new Map<string, Session>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly now: () => number
  private readonly thresholds: StatusThresholds
  private busy = { tick: false, flush: false, sweep: false }
  private stopped = false

  constructor(private readonly c: LivenessComponents) {
    this.now = c.now ?? Date.now
    this.thresholds = c.thresholds ?? DEFAULT_THRESHOLDS
  }

  start(): void {
    this.stopped = false
    this.timers.push(
      setInterval(() => void this.guard('tick', () => this.tick()), this.c.tickMs),
      setInterval(() => void this.guard('flush', () => this.flush()), this.c.heartbeatIntervalMs),
      setInterval(() => void this.guard('sweep', () => this.sweep()), this.c.sweepIntervalMs),
    )
    for (const t of this.timers) t.unref()
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const t of this.timers.splice(0)) clearInterval(t)
    await this.flush().catch(this.c.onError)
  }

  get connectedCount(): number {
    let n = 0
    for (const s of this.sessions.values()) if (s.connection !== undefined) n++
    return n
  }

  /**
   * A node opened its heartbeat socket: it counts as alive from now. Returns undefined when the
   * node is not registered, else the connection it replaced (a node has one socket at a time).
   */
  async connect(nodeId: string, connection: object): Promise<{ replaced: object | undefined } | undefined> {
    const marked = await this.c.nodes.markOnline(nodeId, this.c.hubId)
    if (marked === undefined) return undefined
    if (marked.changedAt !== undefined) this.c.bus.publish({ type: 'node.status', id: nodeId, status: 'online', at: marked.changedAt })
    const existing = this.sessions.get(nodeId)
    const replaced = existing?.connection
    const session: Session = existing ?? {
      detector: new PhiAccrualDetector({ expectedIntervalMs: this.c.heartbeatIntervalMs }),
      status: 'online',
      connection: undefined,
      pending: undefined,
    }
    session.status = 'online'
    session.connection = connection
    session.detector.heartbeat(this.now())
    this.sessions.set(nodeId, session)
    return { replaced }
  }

  heartbeat(nodeId: string, connection: object, msg: HeartbeatMessage): void {
    const session = this.sessions.get(nodeId)
    if (session === undefined || session.connection !== connection) return
    const at = this.now()
    session.detector.heartbeat(at)
    session.pending = {
      cpuPercent: msg.cpuPercent,
      memoryUsedGb: msg.memoryUsedGb,
      runningTasks: msg.runningTasks,
      diskUsedGb: msg.diskUsedGb,
      at: new Date(at).toISOString(),
    }
    this.c.onHeartbeat?.()
  }

  /** The socket closed: the next tick makes the node suspect, and it fades to offline unless it returns. */
  disconnect(nodeId: string, connection: object): void {
    const session = this.sessions.get(nodeId)
    if (session !== undefined && session.connection === connection) session.connection = undefined
  }

  private async guard(name: keyof Liveness['busy'], fn: () => Promise<void>): Promise<void> {
    if (this.busy[name] || this.stopped) return
    this.busy[name] = true
    try {
      await fn()
    } catch (err) {
      this.c.onError(err)
    } finally {
      this.busy[name] = false
    }
  }

  private async transition(nodeId: string, session: Session, status: NodeStatus): Promise<void> {
    if (session.status === status) return
    session.status = status
    const at = await this.c.nodes.setStatus(nodeId, status)
    if (at !== undefined) this.c.bus.publish({ type: 'node.status', id: nodeId, status, at })
  }

  async tick(): Promise<void> {
    const now = this.now()
    for (const [id, session] of this.sessions) {
      // A node whose socket closed is not placed on while it is away: at best suspect until it returns.
      const byPhi = statusForPhi(session.detector.phi(now), this.thresholds)
      const status = session.connection === undefined && byPhi === 'online' ? 'suspect' : byPhi
      await this.transition(id, session, status)
      // An offline node without a socket needs no tracking; it starts afresh if it returns.
      if (status === 'offline' && session.connection === undefined) this.sessions.delete(id)
    }
  }

  async flush(): Promise<void> {
    const loads: Array<{ id: string; load: NodeLoad }> = []
    for (const [id, session] of this.sessions) {
      if (session.pending === undefined) continue
      loads.push({ id, load: session.pending })
      session.pending = undefined
    }
    // Connected nodes with no new heartbeat still get last_seen refreshed only by their next beat.
    if (loads.length === 0) return
    await this.c.nodes.recordLoads(loads, this.c.hubId)
    this.c.bus.publish({ type: 'node.load', loads })
  }

  async sweep(): Promise<void> {
    const expired = await this.c.nodes.expireStale(this.c.staleAfterMs, [...this.sessions.keys()])
    for (const { id, at } of expired) this.c.bus.publish({ type: 'node.status', id, status: 'offline', at })
    const online = [...this.sessions].filter(([, s]) => s.status === 'online' && s.connection !== undefined).map(([id]) => id)
    for (const { id, at } of await this.c.nodes.reassert(online, 'online', this.c.hubId)) {
      this.c.bus.publish({ type: 'node.status', id, status: 'online', at })
    }
    await this.c.nonces.prune()
  }
}
