/**
 * The node's connection to its hub: register, hold the heartbeat socket, and when anything fails
 * wait (exponential backoff with jitter) and try again, forever, until stopped.
 */
import type { Identity } from '@w3ai/crypto'
import type { HubClient } from '@w3ai/sdk'
import { W3aiError, type HeartbeatMessage, type HubToNodeMessage, type NodeInfo, type NodeRegistration } from '@w3ai/protocol'
import type { Logger } from 'pino'
import type WebSocket from 'ws'
import { Backoff, type BackoffOptions } from './backoff.js'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, MIN_SILENCE_MS, PONG_TIMEOUT_INTERVALS } from './constants.js'

export type HubLinkState = 'idle' | 'registering' | 'connecting' | 'connected' | 'waiting' | 'stopped'

export type Load = Omit<HeartbeatMessage, 'type' | 'seq'>

export interface HubLinkComponents {
  client: HubClient
  identity: Identity
  registration: () => NodeRegistration
  load: () => Load
  reconnect: BackoffOptions
  logger: Logger
  onRegistered: (node: NodeInfo) => void
  /** `orderKey` is the network key that signs piece orders (absent from hubs without storage). */
  onConnected: (welcome: { nodeId: string; heartbeatIntervalMs: number; orderKey: string | undefined }) => void
  onDisconnected: (info: { code: number; reason: string }) => void
  onHeartbeat: (message: HeartbeatMessage) => void
}

/** How a heartbeat session ended. */
interface SessionEnd {
  code: number
  reason: string
  welcomed: boolean
  /** The hub does not know this node (close 4404 or a refused upgrade): register again. */
  unregistered: boolean
}

const CLOSE_NOT_REGISTERED = 4404
const CLOSE_REPLACED = 4409

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
        const end = await this.session()
        if (end.unregistered) needsRegistration = true
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
  private session(): Promise<SessionEnd> {
    return new Promise((resolve) => {
      const ws = this.c.client.openHeartbeatSocket(this.c.identity)
      this.socket = ws
      let welcomed = false
      let unregistered = false
      let timer: NodeJS.Timeout | undefined
      let lastPongAt = Date.now()
      let settled = false
      const finish = (code: number, reason: string): void => {
        if (settled) return
        settled = true
        clearInterval(timer)
        this.socket = undefined
        if (welcomed) this.c.onDisconnected({ code, reason })
        resolve({ code, reason, welcomed, unregistered })
      }

      ws.on('pong', () => {
        lastPongAt = Date.now()
      })
      ws.on('message', (data) => {
        let msg: HubToNodeMessage
        try {
          msg = JSON.parse(String(data)) as HubToNodeMessage
        } catch {
          return
        }
        if (msg.type === 'welcome' && !welcomed) {
          welcomed = true
          this.state = 'connected'
          const intervalMs = msg.heartbeatIntervalMs > 0 ? msg.heartbeatIntervalMs : DEFAULT_HEARTBEAT_INTERVAL_MS
          const orderKey = typeof msg.orderKey === 'string' && msg.orderKey !== '' ? msg.orderKey : undefined
          this.c.onConnected({ nodeId: msg.nodeId, heartbeatIntervalMs: intervalMs, orderKey })
          const silenceMs = Math.max(MIN_SILENCE_MS, intervalMs * PONG_TIMEOUT_INTERVALS)
          const beat = (): void => {
            if (ws.readyState !== ws.OPEN) return
            if (Date.now() - lastPongAt > silenceMs) {
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
        finish(code, reason.toString())
      })
    })
  }

  private sendHeartbeat(ws: WebSocket): void {
    const message: HeartbeatMessage = { type: 'heartbeat', seq: this.seq++, ...this.c.load() }
    ws.send(JSON.stringify(message), (err) => {
      if (err === undefined || err === null) this.c.onHeartbeat(message)
    })
  }
}
