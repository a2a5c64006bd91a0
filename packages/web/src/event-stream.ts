/**
 * Client for the hub's event stream (`/v1/events`, WebSocket). Keeps one socket open, reconnects
 * with backoff when it drops, and reports `live` only once the hub's `hello` (full state) arrived,
 * so the UI never claims to be live while showing stale data.
 *
 * Anonymous subscribers get node events only; a signed subscription also gets the subscriber's own
 * job and deployment events. `authorize` gives the signature's query parameters (`key`,
 * `timestamp`, `nonce`, `signature`: a signed `GET /v1/events` with an empty body), asked afresh
 * for every connection, or null to subscribe anonymously; `reconnect()` starts over when the
 * identity changes.
 */
import type { EventStreamMessage } from '@w3ai/protocol'
import { Backoff } from '@w3ai/util'

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

/** Query parameters that sign a subscription; null subscribes anonymously. */
export type Authorize = () => Promise<Record<string, string> | null>

/**
 * Reconnect delays: exponential with equal jitter (half the ceiling, plus up to as much again at
 * random), so many dashboards don't reconnect in lockstep and none reconnects instantly.
 */
export const RECONNECT_DEFAULTS = { initialMs: 500, maxMs: 10_000, jitter: 'equal' } as const

export interface EventStreamOptions {
  /** First delay ceiling in ms (default 500). */
  initialMs?: number
  /** Largest delay in ms (default 10 000). */
  maxMs?: number
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
  url: string
  authorize?: Authorize
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

/** `url` with `params` added to its query. */
export function withQuery(url: string, params: Record<string, string> | null): string {
  if (params === null || Object.keys(params).length === 0) return url
  return `${url}${url.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`
}

export class EventStream {
  private socket: SocketLike | null = null
  private timer: unknown = null
  private readonly backoff: Backoff
  private running = false
  private state: StreamState = 'reconnecting'
  /** Bumped by stop() and reconnect(): a connection still being authorized is then abandoned. */
  private generation = 0

  constructor(
    private readonly options: EventStreamOptions,
    private readonly components: EventStreamComponents = browserComponents,
  ) {
    const { initialMs = RECONNECT_DEFAULTS.initialMs, maxMs = RECONNECT_DEFAULTS.maxMs, random } = options
    this.backoff = new Backoff({ initialMs, maxMs, jitter: RECONNECT_DEFAULTS.jitter, ...(random === undefined ? {} : { random }) })
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.connect()
  }

  stop(): void {
    this.running = false
    this.drop()
  }

  /** Starts a new connection now (the subscriber changed): re-authorized, backoff reset. */
  reconnect(): void {
    if (!this.running) return
    this.drop()
    this.backoff.reset()
    this.setState('reconnecting')
    this.connect()
  }

  private drop(): void {
    this.generation++
    if (this.timer !== null) this.components.clearTimer(this.timer)
    this.timer = null
    const socket = this.socket
    this.socket = null
    if (socket !== null) {
      socket.onclose = null
      socket.onmessage = null
      socket.close()
    }
  }

  private connect(): void {
    this.timer = null
    if (!this.running) return
    const authorize = this.options.authorize
    if (authorize === undefined) {
      this.open(this.options.url)
      return
    }
    const generation = this.generation
    // A signing failure (no usable key) falls back to the anonymous stream rather than none.
    authorize()
      .catch(() => null)
      .then((params) => {
        if (generation === this.generation && this.running) this.open(withQuery(this.options.url, params))
      })
  }

  private open(url: string): void {
    let socket: SocketLike
    try {
      socket = this.components.openSocket(url)
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
      this.backoff.reset()
      this.setState('live')
    }
    this.options.onMessage(message)
  }

  private scheduleReconnect(): void {
    if (!this.running || this.timer !== null) return
    const delay = this.backoff.next()
    this.timer = this.components.setTimer(() => this.connect(), delay)
  }

  private setState(state: StreamState): void {
    if (state === this.state) return
    this.state = state
    this.options.onState(state)
  }
}
