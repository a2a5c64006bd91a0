/**
 * HubClient: the typed client for the hub's REST API and WebSockets. Requests are signed with the
 * given identity (always, when one is set); errors come back as W3aiError with the hub's code.
 */
import { signRequest, type Identity } from '@w3ai/crypto'
import {
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

export type Signer = Pick<Identity, 'publicKey' | 'signingKey'>

export interface HubClientOptions {
  /** Base URL of the hub, e.g. http://127.0.0.1:7420 */
  url: string
  /** Signs every request when set. */
  identity?: Signer
  /** Per-request timeout in ms (default 15000). */
  timeoutMs?: number
  fetch?: typeof fetch
}

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  /** Sign with this identity instead of the client's. */
  as?: Signer
  /** Send unsigned even when the client has an identity. */
  unsigned?: boolean
}

export class HubClient {
  readonly url: string
  readonly identity: Signer | undefined
  private readonly timeoutMs: number
  private readonly fetchImpl: typeof fetch

  constructor(options: HubClientOptions) {
    this.url = options.url.replace(/\/+$/, '')
    this.identity = options.identity
    this.timeoutMs = options.timeoutMs ?? 15_000
    this.fetchImpl = options.fetch ?? fetch
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
    const fullPath = HubClient.pathWithQuery(path, options.query)
    const text = body === undefined ? undefined : JSON.stringify(body)
    const headers: Record<string, string> = {}
    if (text !== undefined) headers['content-type'] = 'application/json'
    const signer = options.unsigned === true ? undefined : (options.as ?? this.identity)
    if (signer !== undefined) Object.assign(headers, signRequest(signer, method, fullPath, text))
    let res: Response
    try {
      res = await this.fetchImpl(this.url + fullPath, {
        method,
        headers,
        body: text,
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (err) {
      throw new W3aiError('HUB_UNREACHABLE', `The hub at ${this.url} could not be reached (${(err as Error).message}); is it running?`)
    }
    const raw = await res.text()
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

  /** Every node matching the filter, following the cursor over all pages. */
  async allNodes(query: Omit<NodeListQuery, 'cursor'> = {}): Promise<NodeInfo[]> {
    const out: NodeInfo[] = []
    let cursor: string | undefined
    do {
      const page = await this.listNodes({ ...query, limit: query.limit ?? 1000, ...(cursor === undefined ? {} : { cursor }) })
      out.push(...page.nodes)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
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

  /** Follows the event stream; returns a function that closes it. */
  events(onMessage: (msg: EventStreamMessage) => void, onClose?: () => void): () => void {
    const ws = new WebSocket(this.wsUrl('/v1/events'))
    ws.on('message', (data) => {
      try {
        onMessage(JSON.parse(String(data)) as EventStreamMessage)
      } catch {
        // a malformed frame from the hub is dropped; the stream goes on
      }
    })
    ws.on('error', () => undefined)
    if (onClose !== undefined) ws.on('close', onClose)
    return () => ws.close()
  }
}
