/**
 * Liveness of the nodes connected to this hub: heartbeats feed a phi-accrual detector per node;
 * a tick turns phi into `online | suspect | offline` and writes the nodes that changed in one
 * statement per status; loads are written to the database, and told to the other hubs, in one
 * batched statement per interval, and only when they moved (a task started or ended, CPU, memory
 * or disk moved past a deadband) or were last written `loadRefreshMs` ago. A sweep marks offline
 * the nodes no live hub holds and none has heard from for `staleAfterMs` (their hub died), so
 * every hub of the network converges on the same statuses.
 *
 * Per heartbeat the work is a detector sample and a few numbers kept; nothing is written or
 * allocated beyond them. That keeps a hub's cost per node to the socket and the JSON parse.
 */
import type { HeartbeatMessage, HubToNodeMessage, NodeLoad, NodeStatus, WorkKind } from '@w3ai/protocol'
import { PhiAccrualDetector, statusForPhi, type StatusThresholds, DEFAULT_THRESHOLDS } from '@w3ai/router'
import type { EventBus } from '../../infra/event-bus.js'
import type { NodeStore } from './store.js'
import type { NonceStore } from '../../infra/nonces.js'

/**
 * An unchanged load is written again after this long, or half of `staleAfterMs` when that is
 * shorter (default). The write also refreshes `last_seen_at`, so a node's own row keeps it online
 * even where the hub lease does not hold (replicas sharing one public URL share one `hubs` row).
 */
export const LOAD_REFRESH_MS = 30_000
/** CPU percentage points a load must move to be written before its refresh. */
export const CPU_DEADBAND = 10
/** Relative change of memory or disk use that is written before the refresh. */
export const USE_DEADBAND = 0.05

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
  /** An unchanged load is written again after this long (default: LOAD_REFRESH_MS or staleAfterMs / 2, the shorter). */
  loadRefreshMs?: number
}

/** The last heartbeat's numbers, kept as they came (a load object is built only when written). */
interface Sample {
  cpuPercent: number
  memoryUsedGb: number
  runningTasks: number
  diskUsedGb: number
  at: number
}

/** A node's heartbeat connection as liveness sees it: an identity, and a way to tell the node something. */
export interface NodeConnection {
  /** Sends a message on the node's socket (dropped when it is not open); absent: nothing can be sent. */
  send?: (message: HubToNodeMessage) => void
}

interface Session {
  detector: PhiAccrualDetector
  status: NodeStatus
  connection: NodeConnection | undefined
  /** The latest heartbeat not yet considered by a flush. */
  latest: Sample | undefined
  /** What was last written to the database (undefined: nothing yet this session). */
  written: Sample | undefined
}

/** Whether a load moved enough since it was written to be worth a write before its refresh. */
export function loadMoved(written: Sample | undefined, next: Sample, refreshMs: number): boolean {
  if (written === undefined || next.at - written.at >= refreshMs) return true
  if (next.runningTasks !== written.runningTasks) return true
  if (Math.abs(next.cpuPercent - written.cpuPercent) >= CPU_DEADBAND) return true
  const moved = (a: number, b: number): boolean => Math.abs(a - b) > USE_DEADBAND * Math.max(1, Math.abs(b))
  return moved(next.memoryUsedGb, written.memoryUsedGb) || moved(next.diskUsedGb, written.diskUsedGb)
}

export class Liveness {
  private readonly sessions = new Map<string, Session>()
  private readonly timers: NodeJS.Timeout[] = []
  private readonly now: () => number
  private readonly thresholds: StatusThresholds
  private busy = { tick: false, flush: false, sweep: false }
  private stopped = false
  private readonly loadRefreshMs: number

  constructor(private readonly c: LivenessComponents) {
    this.now = c.now ?? Date.now
    this.thresholds = c.thresholds ?? DEFAULT_THRESHOLDS
    this.loadRefreshMs = c.loadRefreshMs ?? Math.min(LOAD_REFRESH_MS, c.staleAfterMs / 2)
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
  async connect(nodeId: string, connection: NodeConnection): Promise<{ replaced: NodeConnection | undefined } | undefined> {
    const marked = await this.c.nodes.markOnline(nodeId, this.c.hubId)
    if (marked === undefined) return undefined
    if (marked.changedAt !== undefined) this.c.bus.publish({ type: 'node.status', id: nodeId, status: 'online', at: marked.changedAt })
    const existing = this.sessions.get(nodeId)
    const replaced = existing?.connection
    const session: Session = existing ?? {
      detector: new PhiAccrualDetector({ expectedIntervalMs: this.c.heartbeatIntervalMs }),
      status: 'online',
      connection: undefined,
      latest: undefined,
      written: undefined,
    }
    session.status = 'online'
    session.connection = connection
    session.detector.heartbeat(this.now())
    this.sessions.set(nodeId, session)
    return { replaced }
  }

  heartbeat(nodeId: string, connection: NodeConnection, msg: HeartbeatMessage): void {
    const session = this.sessions.get(nodeId)
    if (session === undefined || session.connection !== connection) return
    const at = this.now()
    session.detector.heartbeat(at)
    session.latest = { cpuPercent: msg.cpuPercent, memoryUsedGb: msg.memoryUsedGb, runningTasks: msg.runningTasks, diskUsedGb: msg.diskUsedGb, at }
    this.c.onHeartbeat?.()
  }

  /** The socket closed: the next tick makes the node suspect, and it fades to offline unless it returns. */
  disconnect(nodeId: string, connection: NodeConnection): void {
    const session = this.sessions.get(nodeId)
    if (session !== undefined && session.connection === connection) session.connection = undefined
  }

  /**
   * Tells those of `nodeIds` connected to this hub that it made work of this kind for them, so
   * they claim now rather than at their next poll; a node connected elsewhere (or not at all) is
   * skipped and finds the work by polling. One message per node, however often it is named.
   */
  nudge(nodeIds: Iterable<string>, kind: WorkKind): void {
    const message: HubToNodeMessage = { type: 'work', kind }
    for (const id of new Set(nodeIds)) {
      try {
        this.sessions.get(id)?.connection?.send?.(message)
      } catch (err) {
        this.c.onError(err)
      }
    }
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

  async tick(): Promise<void> {
    const now = this.now()
    const changed = new Map<NodeStatus, { ids: string[]; heard: number[] }>()
    for (const [id, session] of this.sessions) {
      // A node whose socket closed is not placed on while it is away: at best suspect until it returns.
      const byPhi = statusForPhi(session.detector.phi(now), this.thresholds)
      const status = session.connection === undefined && byPhi === 'online' ? 'suspect' : byPhi
      if (status !== session.status) {
        session.status = status
        const batch = changed.get(status) ?? { ids: [], heard: [] }
        changed.set(status, batch)
        batch.ids.push(id)
        batch.heard.push(session.detector.lastHeartbeat ?? now)
      }
      // An offline node without a socket needs no tracking; it starts afresh if it returns.
      if (status === 'offline' && session.connection === undefined) this.sessions.delete(id)
    }
    // One statement per status for every node that changed (a dead hub's nodes change together).
    for (const [status, { ids, heard }] of changed) {
      for (const { id, at } of await this.c.nodes.setStatuses(ids, status, heard)) this.c.bus.publish({ type: 'node.status', id, status, at })
    }
  }

  async flush(): Promise<void> {
    const loads: Array<{ id: string; load: NodeLoad }> = []
    for (const [id, session] of this.sessions) {
      const next = session.latest
      if (next === undefined) continue
      session.latest = undefined
      if (!loadMoved(session.written, next, this.loadRefreshMs)) continue
      session.written = next
      const { at, ...load } = next
      loads.push({ id, load: { ...load, at: new Date(at).toISOString() } })
    }
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
