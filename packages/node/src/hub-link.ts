/**
 * The node's connection to its hubs: register, hold the heartbeat socket, and when anything fails
 * wait (exponential backoff with jitter) and try again, forever, until stopped. A hub that cannot
 * be reached (or whose socket dies) is left for the next hub of the pool.
 */
import type { Identity } from '@w3ai/crypto'
import { HubClient } from '@w3ai/sdk'
import { W3aiError, WorkNudgeSchema, type HeartbeatMessage, type HubToNodeMessage, type NodeInfo, type NodeRegistration, type WorkKind } from '@w3ai/protocol'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { Logger } from 'pino'
import type WebSocket from 'ws'
import { Backoff, type BackoffOptions } from '@w3ai/util'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MIN_SILENCE_MS, PONG_TIMEOUT_INTERVALS } from './constants.js'
import type { HubPool } from './hub-pool.js'

export type HubLinkState = 'idle' | 'registering' | 'connecting' | 'connected' | 'waiting' | 'stopped'

export type Load = Omit<HeartbeatMessage, 'type' | 'seq'>

export interface HubLinkComponents {
  /** Registers the node; its requests follow the pool (fails over by itself). */
  client: HubClient
  /** The hubs; the heartbeat socket goes to the current one. */
  hubs: HubPool
  identity: Identity
  registration: () => NodeRegistration
  load: () => Load
  reconnect: BackoffOptions
  logger: Logger
  onRegistered: (node: NodeInfo) => void
  /** `orderKey` is the network key that signs piece orders (absent from hubs without storage). */
  onConnected: (welcome: { nodeId: string; heartbeatIntervalMs: number; orderKey: string | undefined; hub: string }) => void
  onDisconnected: (info: { code: number; reason: string }) => void
  onHeartbeat: (message: HeartbeatMessage) => void
  /** The hub made work this node may claim (a nudge); claim now instead of at the next poll. */
  onWork?: (kind: WorkKind) => void
  /** Clock for the silence check (default Date.now). */
  now?: () => number
}

/** How a heartbeat session ended. */
interface SessionEnd {
  code: number
  reason: string
  welcomed: boolean
  /** The hub does not know this node (close 4404 or a refused upgrade): register again. */
  unregistered: boolean
  /** The hub answered (a refusal, a close frame): it is alive, so the node stays with it. */
  answered: boolean
}

const CLOSE_NOT_REGISTERED = 4404
const CLOSE_REPLACED = 4409
const checkNudge = TypeCompiler.Compile(WorkNudgeSchema)

export class HubLink {
  state: HubLinkState = 'idle'
  private stopped = false
  private loop: Promise<void> | undefined
  private socket: WebSocket | undefined
  private wakeUp: (() => void) | undefined
  private seq = 0
  private readonly backoff: Backoff

  constructor(private readonly c: HubLinkComponents) {
    this.backoff = new Backoff(c.reconnect)
  }

  get connected(): boolean {
    return this.state === 'connected'
  }

  start(): void {
    this.loop ??= this.run()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.wakeUp?.()
    this.socket?.close(1000, 'node stopping')
    await this.loop
    this.state = 'stopped'
  }

  private async run(): Promise<void> {
    let needsRegistration = true
    while (!this.stopped) {
      try {
        if (needsRegistration) {
          this.state = 'registering'
          const node = await this.c.client.registerNode(this.c.registration(), this.c.identity)
          needsRegistration = false
          this.c.onRegistered(node)
        }
        if (this.stopped) break
        this.state = 'connecting'
        const hub = this.c.hubs.current
        const end = await this.session(hub)
        if (end.unregistered) needsRegistration = true
        // No connection, or one that died without a close frame: try the next hub.
        if (!end.answered) this.c.hubs.failed(hub)
        // Replaced means another agent with this identity connected: back off instead of fighting it.
        if (end.code === CLOSE_REPLACED) this.c.logger.warn('another connection with this node identity replaced ours; is the same home used twice?')
        else if (end.welcomed) this.backoff.reset()
      } catch (err) {
        const code = err instanceof W3aiError ? err.code : 'INTERNAL'
        // An unreachable hub is the expected case while it restarts; anything else is worth a warning.
        this.c.logger[code === 'HUB_UNREACHABLE' ? 'debug' : 'warn']({ code, err: (err as Error).message }, 'registration failed')
      }
      if (this.stopped) break
      this.state = 'waiting'
      await this.sleep(this.backoff.next())
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.wakeUp = done
    })
  }

  /** One heartbeat socket from open to close. Never rejects. */
  private session(hub: string): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const ws = new HubClient({ url: hub }).openHeartbeatSocket(this.c.identity)
      this.socket = ws
      let welcomed = false
      let unregistered = false
      let answered = false
      let timer: NodeJS.Timeout | undefined
      // Liveness counts from when the hub last showed signs of life: the socket opening, the
      // welcome, any message or pong. A slow hub may take long to welcome a node; that time is
      // not silence on an established connection.
      const now = this.c.now ?? Date.now
      let lastHeardAt = now()
      const heard = (): void => {
        lastHeardAt = now()
      }
      let settled = false
      const finish = (code: number, reason: string): void => {
        if (settled) return
        settled = true
        clearInterval(timer)
        this.socket = undefined
        if (welcomed) this.c.onDisconnected({ code, reason })
        resolve({ code, reason, welcomed, unregistered, answered })
      }

      ws.on('open', heard)
      ws.on('pong', heard)
      ws.on('message', (data) => {
        heard()
        let msg: HubToNodeMessage
        try {
          msg = JSON.parse(String(data)) as HubToNodeMessage
        } catch {
          return
        }
        // Anything but an object is not a hub message; unknown types are a newer hub's, and ignored.
        if (msg === null || typeof msg !== 'object') return
        if (msg.type === 'work') {
          if (welcomed && checkNudge.Check(msg)) this.nudged(msg.kind)
          return
        }
        if (msg.type === 'welcome' && !welcomed) {
          welcomed = true
          this.state = 'connected'
          const intervalMs = msg.heartbeatIntervalMs > 0 ? msg.heartbeatIntervalMs : DEFAULT_HEARTBEAT_INTERVAL_MS
          const orderKey = typeof msg.orderKey === 'string' && msg.orderKey !== '' ? msg.orderKey : undefined
          if (Array.isArray(msg.hubs)) this.c.hubs.learn(msg.hubs)
          this.c.onConnected({ nodeId: msg.nodeId, heartbeatIntervalMs: intervalMs, orderKey, hub })
          const silenceMs = Math.max(MIN_SILENCE_MS, intervalMs * PONG_TIMEOUT_INTERVALS)
          const beat = (): void => {
            if (ws.readyState !== ws.OPEN) return
            if (now() - lastHeardAt > silenceMs) {
              this.c.logger.warn({ silenceMs }, 'hub stopped answering pings; reconnecting')
              ws.terminate()
              return
            }
            this.sendHeartbeat(ws)
            ws.ping()
          }
          beat()
          timer = setInterval(beat, intervalMs)
        } else if (msg.type === 'error') {
          if (msg.code === 'NODE_NOT_REGISTERED' || msg.code === 'NODE_NOT_FOUND') unregistered = true
          this.c.logger.warn({ code: msg.code, hubMessage: msg.message }, 'hub refused the heartbeat stream')
        }
      })
      ws.on('unexpected-response', (_req, res) => {
        answered = true
        // The hub refused the upgrade with an HTTP error; its body carries the code.
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          body += chunk
        })
        res.on('end', () => {
          let code = ''
          try {
            code = (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? ''
          } catch {
            // not JSON: keep the status only
          }
          if (code === 'NODE_NOT_REGISTERED' || code === 'NODE_NOT_FOUND' || res.statusCode === 404) unregistered = true
          this.c.logger.warn({ status: res.statusCode, code }, 'hub refused the heartbeat upgrade')
          finish(res.statusCode ?? 0, code)
          ws.terminate()
        })
        res.on('error', () => finish(res.statusCode ?? 0, ''))
      })
      ws.on('error', (err) => {
        this.c.logger.debug({ err: err.message }, 'heartbeat socket error')
      })
      ws.on('close', (code, reason) => {
        if (code === CLOSE_NOT_REGISTERED) unregistered = true
        // 1006: no close frame (refused, reset, terminated after silence); anything else came from the hub.
        if (code !== 1006) answered = true
        finish(code, reason.toString())
      })
    })
  }

  /** Hands a nudge on; whatever the handler does, the socket's message handling goes on. */
  private nudged(kind: WorkKind): void {
    try {
      this.c.onWork?.(kind)
    } catch (err) {
      this.c.logger.warn({ err: String(err), kind }, 'handling a work nudge failed')
    }
  }

  private sendHeartbeat(ws: WebSocket): void {
    const message: HeartbeatMessage = { type: 'heartbeat', seq: this.seq++, ...this.c.load() }
    ws.send(JSON.stringify(message), (err) => {
      if (err === undefined || err === null) this.c.onHeartbeat(message)
    })
  }
}
