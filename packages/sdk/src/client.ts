/**
 * HubClient: the typed client for the hub's REST API and WebSockets. Requests are signed with the
 * given identity (always, when one is set); errors come back as W3aiError with the hub's code.
 * A brief HUB_UNREACHABLE is ridden out: idempotent requests (GET, and the POSTs the hub treats
 * idempotently) are retried with backoff and jitter, signed afresh each time; any request is
 * retried when the connection was refused, since then it never reached the hub.
 */
import { signRequest, type Identity, type SignOptions } from '@w3ai/crypto'
import {
  HEADER_KEY,
  HEADER_NONCE,
  HEADER_SIGNATURE,
  HEADER_TIMESTAMP,
  MAX_PAGE_LIMIT,
  W3aiError,
  isErrorCode,
  type Account,
  type AccountCreate,
  type ErrorBody,
  type EventStreamMessage,
  type Health,
  type NetworkSummary,
  type NodeInfo,
  type NodeList,
  type NodeListQuery,
  type NodeRegistration,
} from '@w3ai/protocol'
import WebSocket from 'ws'
import { Backoff } from '@w3ai/util'
import { backoffSchedule, notDelivered, retry, socketErrorCode, type BackoffOptions, type RetryOptions } from './retry.js'

export type Signer = Pick<Identity, 'publicKey' | 'signingKey'>

export interface HubClientOptions {
  /** Base URL of the hub, e.g. http://127.0.0.1:7420 */
  url: string
  /** Signs every request when set. */
  identity?: Signer
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number
  fetch?: typeof fetch
  /** How requests ride out a brief HUB_UNREACHABLE (default: 8 attempts, backoff 250 ms doubling to 5 s); false: one attempt. */
  retry?: RetryOptions | false
  /**
   * Retry a refused connection before the hub has answered this client once (default true). A
   * command-line tool sets false: a hub that refuses the very first connection is more likely not
   * running than restarting, so say so at once.
   */
  retryBeforeFirstAnswer?: boolean
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  /** Sign with this identity instead of the client's. */
  as?: Signer
  /** Send unsigned even when the client has an identity. */
  unsigned?: boolean
  /**
   * Whether sending the request twice does no harm, so it may be retried after a lost connection
   * (default: GET and HEAD, and the POSTs in IDEMPOTENT_POSTS).
   */
  idempotent?: boolean
  /** Extra headers (e.g. Idempotency-Key); the signature does not cover them. */
  headers?: Record<string, string>
}

/** A body sent as bytes of a content type, and the answer as bytes (requestBytes). */
export interface BytesBody {
  contentType: string
  body: Uint8Array
}

/** POST routes the hub treats idempotently: asking again for a segment's orders, committing a segment again. */
export const IDEMPOTENT_POSTS: readonly RegExp[] = [/^\/v1\/storage\/uploads\/[^/?]+\/segments\/\d+\/(orders|commit)$/]

/** Whether a request may be sent again after a lost connection (see RequestOptions.idempotent). */
export function isIdempotent(method: string, path: string): boolean {
  const m = method.toUpperCase()
  if (m === 'GET' || m === 'HEAD') return true
  const bare = path.split('?')[0] ?? path
  return m === 'POST' && IDEMPOTENT_POSTS.some((re) => re.test(bare))
}

export interface EventsOptions {
  /** Sign the subscription as this identity (default: the client's): the hub adds your own job and deployment events. */
  as?: Signer
  /** Subscribe anonymously (node events only) even when the client has an identity. */
  unsigned?: boolean
  /** Reconnect when the socket drops, with backoff, signing each subscription afresh (default: no). */
  reconnect?: boolean | BackoffOptions
  /** Called for every (re)opened socket. */
  onOpen?: () => void
  /** Called once when the stream ends for good: closed by you, refused by the hub, or dropped without `reconnect`. */
  onClose?: () => void
}

/** The subscription path of the event stream; the query carries a signature over GET /v1/events with an empty body. */
export function eventsPath(signer?: Signer, options: SignOptions = {}): string {
  if (signer === undefined) return EVENTS_PATH
  const h = signRequest(signer, 'GET', EVENTS_PATH, undefined, options)
  const q = new URLSearchParams({ key: h[HEADER_KEY], timestamp: h[HEADER_TIMESTAMP], nonce: h[HEADER_NONCE], signature: h[HEADER_SIGNATURE] })
  return `${EVENTS_PATH}?${q.toString()}`
}
const EVENTS_PATH = '/v1/events'

/** HUB_UNREACHABLE that remembers whether the request may have reached the hub. */
/** fetch's own message with its cause ("fetch failed: bad port"). */
function describeFetchError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const cause = (err as { cause?: unknown }).cause
  return cause instanceof Error ? `${message}: ${cause.message}` : message
}

class Unreachable extends W3aiError {
  constructor(
    message: string,
    readonly delivered: boolean,
  ) {
    super('HUB_UNREACHABLE', message)
  }
}

export class HubClient {
  readonly url: string
  readonly identity: Signer | undefined
  private readonly timeoutMs: number
  private readonly fetchImpl: typeof fetch
  private readonly retryOptions: RetryOptions
  private readonly retryBeforeFirstAnswer: boolean
  /** Whether the hub has answered this client at least once. */
  private answered = false

  constructor(options: HubClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.identity = options.identity
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.fetchImpl = options.fetch ?? fetch
    this.retryOptions = options.retry === false ? { attempts: 1 } : (options.retry ?? {})
    this.retryBeforeFirstAnswer = options.retryBeforeFirstAnswer ?? true
  }

  /** Builds the path with its query string; the signature covers exactly this string. */
  static pathWithQuery(path: string, query?: RequestOptions['query']): string {
    if (query === undefined) return path
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
    const qs = params.toString()
    return qs === '' ? path : `${path}?${qs}`
  }

  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const text = body === undefined ? undefined : JSON.stringify(body)
    return this.attempt<T>(method, path, text === undefined ? undefined : { contentType: 'application/json', body: text }, options, false)
  }

  /**
   * A request whose body is bytes of a content type (a binary tensor frame); answers the response
   * body as bytes with its content type. Errors come as W3aiError, as for `request`.
   */
  requestBytes(method: string, path: string, body: BytesBody, options: RequestOptions = {}): Promise<BytesBody> {
    return this.attempt<BytesBody>(method, path, body, options, true)
  }

  private async attempt<T>(method: string, path: string, payload: { contentType: string; body: string | Uint8Array } | undefined, options: RequestOptions, bytes: boolean): Promise<T> {
    const fullPath = HubClient.pathWithQuery(path, options.query)
    const signer = options.unsigned === true ? undefined : (options.as ?? this.identity)
    const idempotent = options.idempotent ?? isIdempotent(method, fullPath)
    let attempts = 0
    try {
      return await retry(
        () => {
          attempts++
          return this.send<T>(method, fullPath, payload, signer, options.headers, bytes)
        },
        { ...this.retryOptions, retryOn: (err) => err instanceof Unreachable && (this.answered || this.retryBeforeFirstAnswer || err.delivered) && (idempotent || !err.delivered) },
      )
    } catch (err) {
      if (err instanceof Unreachable && attempts > 1) throw new W3aiError('HUB_UNREACHABLE', `${err.message} (${attempts} attempts)`)
      throw err
    }
  }

  /** One attempt, signed now (a fresh nonce and timestamp each time). */
  private async send<T>(method: string, fullPath: string, payload: { contentType: string; body: string | Uint8Array } | undefined, signer: Signer | undefined, extra: Record<string, string> = {}, bytes = false): Promise<T> {
    const headers: Record<string, string> = { ...extra }
    if (payload !== undefined) headers['content-type'] = payload.contentType
    if (signer !== undefined) Object.assign(headers, signRequest(signer, method, fullPath, payload?.body))
    let res: Response
    let raw: string
    let answer: Uint8Array | undefined
    try {
      res = await this.fetchImpl(this.url + fullPath, {
        method,
        headers,
        body: payload?.body as BodyInit | undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      // A successful byte answer stays bytes; errors are JSON either way.
      if (bytes && res.ok) answer = new Uint8Array(await res.arrayBuffer())
      raw = answer === undefined ? await res.text() : ''
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new Unreachable(`The hub at ${this.url} did not answer within ${this.timeoutMs} ms.`, true)
      }
      const code = socketErrorCode(err)
      // Not a socket failure (a port fetch forbids, a malformed address): another try meets it again.
      if (code === undefined) throw new W3aiError('HUB_UNREACHABLE', `The hub at ${this.url} cannot be reached: ${describeFetchError(err)}.`)
      throw new Unreachable(`The hub at ${this.url} could not be reached (${code}); is it running?`, !notDelivered(err))
    }
    this.answered = true
    if (answer !== undefined) return { contentType: res.headers.get('content-type') ?? '', body: answer } as T
    let parsed: unknown = undefined
    if (raw !== '') {
      try {
        parsed = JSON.parse(raw)
      } catch {
        parsed = raw
      }
    }
    if (!res.ok) {
      const e = (parsed as Partial<ErrorBody> | undefined)?.error
      if (e !== undefined && isErrorCode(e.code)) throw new W3aiError(e.code, e.message, e.details)
      // A proxy in front of the hub answers these when the hub is down or restarting.
      if (res.status === 502 || res.status === 503 || res.status === 504) throw new Unreachable(`The hub at ${this.url} is unavailable (HTTP ${res.status}).`, true)
      throw new W3aiError('INTERNAL', `The hub answered ${res.status}: ${raw.slice(0, 200)}`)
    }
    return parsed as T
  }

  health(): Promise<Health> {
    return this.request('GET', '/v1/health')
  }

  networkSummary(): Promise<NetworkSummary> {
    return this.request('GET', '/v1/network/summary')
  }

  listNodes(query: NodeListQuery = {}): Promise<NodeList> {
    return this.request('GET', '/v1/nodes', undefined, { query: { ...query } })
  }

  /** Every node matching the filter, in id order, following the cursors page by page: `for await (const node of hub.iterateNodes())`. */
  async *iterateNodes(query: NodeListQuery = {}): AsyncGenerator<NodeInfo, void, undefined> {
    let cursor = query.cursor
    for (;;) {
      const page = await this.listNodes({ ...query, ...(cursor === undefined ? {} : { cursor }) })
      yield* page.nodes
      if (page.nextCursor === null) return
      cursor = page.nextCursor
    }
  }

  /** Every node matching the filter, following the cursor over all pages (MAX_PAGE_LIMIT at a time unless `limit` says). */
  async allNodes(query: Omit<NodeListQuery, 'cursor'> = {}): Promise<NodeInfo[]> {
    const out: NodeInfo[] = []
    for await (const node of this.iterateNodes({ ...query, limit: query.limit ?? MAX_PAGE_LIMIT })) out.push(node)
    return out
  }

  getNode(id: string): Promise<NodeInfo> {
    return this.request('GET', `/v1/nodes/${encodeURIComponent(id)}`)
  }

  /** Registers (or re-registers) the node whose identity signs the request. */
  registerNode(registration: NodeRegistration, as?: Signer): Promise<NodeInfo> {
    return this.request('POST', '/v1/nodes', registration, as === undefined ? {} : { as })
  }

  createAccount(body: AccountCreate = {}, as?: Signer): Promise<Account> {
    return this.request('POST', '/v1/accounts', body, as === undefined ? {} : { as })
  }

  me(as?: Signer): Promise<Account> {
    return this.request('GET', '/v1/accounts/me', undefined, as === undefined ? {} : { as })
  }

  getAccount(id: string): Promise<Account> {
    return this.request('GET', `/v1/accounts/${encodeURIComponent(id)}`)
  }

  metrics(): Promise<string> {
    return this.fetchImpl(`${this.url}/metrics`).then((r) => r.text())
  }

  private wsUrl(path: string): string {
    return this.url.replace(/^http/, 'ws') + path
  }

  /** Opens a signed WebSocket (the signature covers GET of the path). */
  openSocket(path: string, as?: Signer): WebSocket {
    const signer = as ?? this.identity
    const headers = signer === undefined ? {} : { ...signRequest(signer, 'GET', path) }
    return new WebSocket(this.wsUrl(path), { headers })
  }

  /** The node heartbeat socket; `as` must be the registered node's identity. */
  openHeartbeatSocket(as?: Signer): WebSocket {
    return this.openSocket('/v1/nodes/heartbeat', as)
  }

  /**
   * Follows the event stream; returns a function that closes it. Node events reach everyone; a
   * subscription signed by an account (the client's identity unless `unsigned`) also carries
   * that account's job and deployment events. The second argument may be `onClose` alone.
   */
  events(onMessage: (msg: EventStreamMessage) => void, options: EventsOptions | (() => void) = {}): () => void {
    const opts: EventsOptions = typeof options === 'function' ? { onClose: options } : options
    const signer = opts.unsigned === true ? undefined : (opts.as ?? this.identity)
    const backoff = opts.reconnect === undefined || opts.reconnect === false ? undefined : new Backoff(backoffSchedule(opts.reconnect === true ? {} : opts.reconnect))
    let ws: WebSocket | undefined
    let timer: NodeJS.Timeout | undefined
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      if (timer !== undefined) clearTimeout(timer)
      opts.onClose?.()
    }
    const connect = (): void => {
      timer = undefined
      // Signed at every (re)connect: the hub refuses a nonce it has seen and a stale timestamp.
      const socket = new WebSocket(this.wsUrl(eventsPath(signer)))
      ws = socket
      socket.on('open', () => {
        backoff?.reset()
        opts.onOpen?.()
      })
      socket.on('message', (data) => {
        try {
          onMessage(JSON.parse(String(data)) as EventStreamMessage)
        } catch {
          // a malformed frame from the hub is dropped; the stream goes on
        }
      })
      socket.on('error', () => undefined)
      let refused = false
      socket.on('unexpected-response', (_req, res) => {
        // 4xx: the hub refused this subscription (bad signature, unknown account): retrying will not help.
        refused = (res.statusCode ?? 0) >= 400 && (res.statusCode ?? 0) < 500
        res.resume()
        socket.terminate()
      })
      socket.on('close', (code) => {
        if (ended || ws !== socket) return
        // 1008 and 4xxx: the hub closed the stream on purpose (policy, authentication).
        if (backoff === undefined || refused || code === 1008 || (code >= 4000 && code < 5000)) return end()
        timer = setTimeout(connect, backoff.next())
      })
    }
    connect()
    return () => {
      if (ended) return
      const socket = ws
      end()
      socket?.close()
    }
  }
}
