/**
 * Client for the hub's event stream (`/v1/events`, WebSocket). Keeps one socket open, reconnects
 * with backoff when it drops, and reports `live` only once the hub's `hello` (full state) arrived,
 * so the UI never claims to be live while showing stale data.
 */
import type { EventStreamMessage } from '@w3ai/protocol'
import { backoffDelay, type BackoffOptions } from './backoff.js'

export type StreamState = 'live' | 'reconnecting'

/** The part of the browser WebSocket this client uses; tests pass a fake. */
export interface SocketLike {
  onopen: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
  onclose: ((event: unknown) => void) | null
  onerror: ((event: unknown) => void) | null
  close(): void
}

export interface EventStreamComponents {
  openSocket: (url: string) => SocketLike
  setTimer: (fn: () => void, ms: number) => unknown
  clearTimer: (handle: unknown) => void
}

export interface EventStreamOptions extends BackoffOptions {
  url: string
  onMessage: (message: EventStreamMessage) => void
  onState: (state: StreamState) => void
}

/** Default components for the browser. */
export const browserComponents: EventStreamComponents = {
  openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** `ws(s)://<this host>/v1/events`, matching the page's own scheme. */
export function eventsUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/v1/events`
}

export class EventStream {
  private socket: SocketLike | null = null
  private timer: unknown = null
  private attempt = 0
  private running = false
  private state: StreamState = 'reconnecting'

  constructor(
    private readonly options: EventStreamOptions,
    private readonly components: EventStreamComponents = browserComponents,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.connect()
  }

  stop(): void {
    this.running = false
    if (this.timer !== null) this.components.clearTimer(this.timer)
    this.timer = null
    const socket = this.socket
    this.socket = null
    if (socket !== null) {
      socket.onclose = null
      socket.close()
    }
  }

  private connect(): void {
    this.timer = null
    if (!this.running) return
    let socket: SocketLike
    try {
      socket = this.components.openSocket(this.options.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onmessage = (event) => this.receive(event.data)
    // Browsers fire `error` then `close`; reconnecting on close alone avoids double scheduling.
    socket.onerror = () => socket.close()
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.setState('reconnecting')
      this.scheduleReconnect()
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let message: EventStreamMessage
    try {
      message = JSON.parse(data) as EventStreamMessage
    } catch {
      return // A malformed frame is dropped rather than tearing down a working stream.
    }
    if (message.type === 'hello') {
      this.attempt = 0
      this.setState('live')
    }
    this.options.onMessage(message)
  }

  private scheduleReconnect(): void {
    if (!this.running || this.timer !== null) return
    const delay = backoffDelay(this.attempt++, this.options)
    this.timer = this.components.setTimer(() => this.connect(), delay)
  }

  private setState(state: StreamState): void {
    if (state === this.state) return
    this.state = state
    this.options.onState(state)
  }
}
