/**
 * A stand-in hub for dashboard tests that must not depend on the real one: serves the built
 * dashboard and the unsigned read endpoints, and plays event-stream messages on demand. It can
 * also drop and refuse stream connections, which a real devnet cannot do on cue. Accounts are
 * registered and read with signed requests (checked by @w3ai/crypto's verifier), every account
 * sees the same `jobs` (none unless a test adds some) and no objects or deployments, lists are
 * paged as the real hub pages them (`?limit`, `?cursor`, `nextCursor`, INVALID_CURSOR), and every
 * stream connection's URL is recorded.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { idFromPublicKey, verifySignedRequest } from '@w3ai/crypto'
import type { Account, EventStreamMessage, HubEvent, Job, NetworkSummary, NodeInfo, NodeStatus } from '@w3ai/protocol'

export interface FakeHubOptions {
  /** Directory of the built dashboard. */
  webRoot: string
  nodes?: NodeInfo[]
  hubId?: string
}

export interface FakeHub {
  readonly url: string
  readonly hubId: string
  readonly nodes: Map<string, NodeInfo>
  /** Accounts registered through POST /v1/accounts, by id. */
  readonly accounts: Map<string, Account>
  /** The jobs every account's GET /v1/jobs lists, newest first; change it in place, then emit `job.updated`. */
  readonly jobs: Job[]
  /** The request URL (path and query) of every event-stream connection, in order. */
  readonly streamUrls: string[]
  /** Changes state and broadcasts the matching event, as the real hub would. */
  emit(event: HubEvent): void
  setStatus(id: string, status: NodeStatus): void
  /** Closes every stream socket and refuses new ones until `allowStreams()`. */
  dropStreams(): void
  allowStreams(): void
  stop(): Promise<void>
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
}

/**
 * The policy the real hub sends (hub shell/dashboard.ts): the dashboard must run under it, with no
 * inline scripts and no eval. (Piece transfers to nodes are not exercised against the fake hub.)
 */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' http: https: ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const hubId = options.hubId ?? 'h_fake0000000000000000'
  const nodes = new Map((options.nodes ?? []).map((n) => [n.id, n]))
  const started = Date.now()
  let refusing = false

  const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type, 'content-security-policy': CSP })
    res.end(typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body))
  }

  const api: Record<string, () => unknown> = {
    '/v1/health': () => ({ status: 'ok', version: '0.1.0-fake', hubId, database: 'pglite', uptimeSec: (Date.now() - started) / 1000, time: new Date().toISOString() }),
    '/v1/network/summary': () => summarize([...nodes.values()]),
    '/v1/nodes': () => ({ nodes: [...nodes.values()], total: nodes.size, nextCursor: null }),
  }

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    const rel = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^(\.\.[/\\])+/, '')
    try {
      send(res, 200, await readFile(join(options.webRoot, rel)), TYPES[extname(rel)] ?? 'application/octet-stream')
    } catch {
      send(res, 404, { error: { code: 'ROUTE_NOT_FOUND', message: `no ${req.url}` } })
    }
  }

  const accounts = new Map<string, Account>()
  const jobs: Job[] = []
  const streamUrls: string[] = []
  const refuse = (res: ServerResponse, status: number, code: string, message: string): void => send(res, status, { error: { code, message } })
  /** The signed account routes the dashboard's identity and pages use. */
  const signed = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> => {
    const route = `${req.method} ${pathname}`
    const routes = ['POST /v1/accounts', 'GET /v1/accounts/me', 'GET /v1/storage/objects', 'GET /v1/jobs', 'GET /v1/deployments']
    if (!routes.includes(route)) return false
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    let publicKey: string
    try {
      publicKey = verifySignedRequest(req.headers, req.method ?? 'GET', req.url ?? '/', body).publicKey
    } catch (err) {
      refuse(res, 401, (err as { code?: string }).code ?? 'AUTH_BAD_SIGNATURE', (err as Error).message)
      return true
    }
    const id = idFromPublicKey('account', publicKey)
    if (route === 'POST /v1/accounts') {
      if (accounts.has(id)) refuse(res, 409, 'ACCOUNT_EXISTS', 'exists')
      else {
        const { encryptionKey = null, name = null } = JSON.parse(body || '{}') as { encryptionKey?: string; name?: string }
        const account: Account = { id, publicKey, encryptionKey, name, createdAt: new Date().toISOString() } as Account
        accounts.set(id, account)
        send(res, 201, account)
      }
      return true
    }
    const account = accounts.get(id)
    if (account === undefined) refuse(res, 404, 'ACCOUNT_NOT_FOUND', 'no such account')
    else if (route === 'GET /v1/accounts/me') send(res, 200, account)
    else if (route === 'GET /v1/storage/objects') sendPage(res, req.url, 'objects', [], () => '')
    else if (route === 'GET /v1/jobs') sendPage(res, req.url, 'jobs', jobs, (j) => j.id)
    else sendPage(res, req.url, 'deployments', [], () => '')
    return true
  }

  /** One page of a newest-first list: the cursor is the last id of the previous page (a keyset, so items added on top shift nothing). */
  const sendPage = <T>(res: ServerResponse, url: string | undefined, key: string, items: readonly T[], id: (item: T) => string): void => {
    const q = new URL(url ?? '/', 'http://x').searchParams
    const limit = Number(q.get('limit') ?? 100)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) return refuse(res, 400, 'VALIDATION', 'limit must be 1..500')
    const cursor = q.get('cursor')
    let start = 0
    if (cursor !== null) {
      const at = items.findIndex((item) => `c.${id(item)}` === cursor)
      if (at < 0) return refuse(res, 400, 'INVALID_CURSOR', 'The cursor is not one this list gave out.')
      start = at + 1
    }
    const page = items.slice(start, start + limit)
    send(res, 200, { [key]: page, nextCursor: start + limit < items.length ? `c.${id(page.at(-1)!)}` : null })
  }

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname
    const handler = api[pathname]
    if (handler !== undefined) send(res, 200, handler())
    else
      void signed(req, res, pathname).then(
        (handled) => (handled ? undefined : serveStatic(req, res, pathname)),
        () => refuse(res, 500, 'INTERNAL', 'fake hub failure'),
      )
  })

  const wss = new WebSocketServer({ noServer: true })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    if (refusing || !req.url?.startsWith('/v1/events')) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n')
      return
    }
    streamUrls.push(req.url)
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      const hello: EventStreamMessage = { type: 'hello', hubId, nodes: [...nodes.values()] }
      ws.send(JSON.stringify(hello))
    })
  })

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const broadcast = (message: EventStreamMessage): void => {
    const text = JSON.stringify(message)
    for (const ws of sockets) ws.send(text)
  }

  const hub: FakeHub = {
    url: `http://127.0.0.1:${port}`,
    hubId,
    nodes,
    accounts,
    jobs,
    streamUrls,
    emit(event) {
      if (event.type === 'node.registered') nodes.set(event.node.id, event.node)
      if (event.type === 'node.status') {
        const node = nodes.get(event.id)
        if (node !== undefined) nodes.set(node.id, { ...node, status: event.status, statusChangedAt: event.at })
      }
      if (event.type === 'node.load') {
        for (const { id, load } of event.loads) {
          const node = nodes.get(id)
          if (node !== undefined) nodes.set(id, { ...node, load, lastSeenAt: load.at })
        }
      }
      broadcast(event)
    },
    setStatus(id, status) {
      hub.emit({ type: 'node.status', id, status, at: new Date().toISOString() })
    },
    dropStreams() {
      refusing = true
      for (const ws of sockets) ws.terminate()
    },
    allowStreams() {
      refusing = false
    },
    async stop() {
      for (const ws of sockets) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  return hub
}

/** The same sums the hub's /v1/network/summary reports: counts over all, capacity over online. */
export function summarize(nodes: NodeInfo[]): NetworkSummary {
  const summary: NetworkSummary = {
    nodes: { total: nodes.length, online: 0, suspect: 0, offline: 0 },
    capacity: { cpuCores: 0, memoryGb: 0, gpus: 0, gpuMemoryGb: 0, diskGb: 0, diskUsedGb: 0 },
    regions: [],
  }
  const regions = new Map<string, { region: string; nodes: number; online: number }>()
  for (const n of nodes) {
    summary.nodes[n.status] += 1
    const r = regions.get(n.region) ?? { region: n.region, nodes: 0, online: 0 }
    r.nodes += 1
    regions.set(n.region, r)
    if (n.status !== 'online') continue
    r.online += 1
    const c = summary.capacity
    c.cpuCores += n.capabilities.cpuCores
    c.memoryGb += n.capabilities.memoryGb
    c.gpus += n.capabilities.gpus.length
    c.gpuMemoryGb += n.capabilities.gpus.reduce((sum, g) => sum + g.memoryGb, 0)
    c.diskGb += n.capabilities.diskGb
    c.diskUsedGb += n.load?.diskUsedGb ?? 0
  }
  summary.regions = [...regions.values()]
  return summary
}
