/**
 * The hubs a node may talk to: several hubs serve one network over a shared database, so when the
 * current one cannot be reached the node moves on to the next (HTTP requests and the heartbeat
 * socket alike), and it learns hubs it was not told about from the welcome message.
 */
import type { Logger } from 'pino'

/** Errors that mean the request never reached the hub, so sending it to another is safe. */
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT'])

function connectErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && CONNECT_ERRORS.has(code)) return code
    const inner = (e as { errors?: unknown }).errors
    if (Array.isArray(inner)) for (const i of inner) if (connectErrorCode(i) !== undefined) return connectErrorCode(i)
  }
  return undefined
}

/** A hub base URL without its trailing slashes; undefined when it is not an http(s) URL. */
export function normalizeHubUrl(raw: string): string | undefined {
  try {
    const u = new URL(raw.trim())
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined
    return u.href.replace(/\/+$/, '')
  } catch {
    return undefined
  }
}

/** Most hubs kept (configured and learned together). */
const MAX_HUBS = 32

export class HubPool {
  private readonly urls: string[]
  private index = 0

  constructor(
    urls: readonly string[],
    private readonly log?: Logger,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
  ) {
    this.urls = [...new Set(urls)]
    if (this.urls.length === 0) throw new Error('a node needs at least one hub URL')
  }

  /** The hub requests go to now. */
  get current(): string {
    return this.urls[this.index]!
  }

  get all(): readonly string[] {
    return this.urls
  }

  /** Moves on to the next hub after `url` failed, unless another failure already moved on. */
  failed(url: string): void {
    if (this.urls.length < 2 || this.current !== url) return
    this.index = (this.index + 1) % this.urls.length
    this.log?.info({ from: url, to: this.current }, 'hub unreachable; switching to the next hub')
  }

  /** Adds hubs named by a hub (its welcome message); malformed entries are ignored. */
  learn(urls: readonly unknown[]): void {
    for (const raw of urls) {
      if (this.urls.length >= MAX_HUBS) return
      const url = typeof raw === 'string' ? normalizeHubUrl(raw) : undefined
      if (url === undefined || this.urls.includes(url)) continue
      this.urls.push(url)
      this.log?.info({ hub: url }, 'learned another hub of this network')
    }
  }

  /**
   * A fetch for HubClient: sends each request to the current hub (whatever base URL the client
   * was made with) and, when the connection cannot be made, to the next hubs in turn. Requests
   * signatures cover method, path and body, not the host, so they stay valid on any hub.
   */
  readonly fetch: typeof fetch = async (input, init) => {
    const target = new URL(input instanceof Request ? input.url : String(input))
    const path = target.pathname + target.search
    let lastError: unknown
    for (let tried = 0; tried < this.urls.length; tried++) {
      const base = this.current
      try {
        return await this.fetchImpl(base + path, init)
      } catch (err) {
        lastError = err
        this.failed(base)
        // Only a connection never made is safe to send again; a timeout or a reset mid-request is not.
        if (connectErrorCode(err) === undefined || init?.signal?.aborted === true) throw err
      }
    }
    throw lastError
  }
}
