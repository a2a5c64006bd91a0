/**
 * A hub double for agent tests that need to misbehave on cue (forget a node, refuse an upgrade,
 * welcome late, go down and come back on the same port). It checks request signatures with the
 * real verifier, so the agent's signing is exercised too, and leases queued tasks like the hub's
 * task API (a result is committed once per lease; a repeat answers TASK_LEASE_LOST, as the hub does).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { idFromPublicKey, verifySignedRequest } from '@w3ai/crypto'
import type { ClaimedTask, HeartbeatMessage, NodeRegistration } from '@w3ai/protocol'
import { WebSocketServer, type WebSocket } from 'ws'

export interface FakeHub {
  url: string
  registrations: Array<{ id: string; body: NodeRegistration }>
  heartbeats: Array<{ id: string; message: HeartbeatMessage }>
  sockets: Map<string, WebSocket>
  /** Tasks waiting to be claimed (tests push ClaimedTask objects here). */
  queue: ClaimedTask[]
  /** Every task lease handed out. */
  claimed: ClaimedTask[]
  /** Results committed (one per lease at most). */
  completed: Array<{ id: string; leaseId: string; result: unknown }>
  failed: Array<{ id: string; leaseId: string; error: unknown }>
  progress: Array<{ id: string; leaseId: string; progress: unknown }>
  /** Drops the node's registration and closes its socket with 4404, as a hub with a fresh database would. */
  forget(id: string): void
  /** Stops listening and drops every connection (the hub process died); `up()` listens again on the same port. */
  down(): Promise<void>
  up(): Promise<void>
  stop(): Promise<void>
}

export interface FakeHubOptions {
  /** Sent in the welcome message, as a hub with storage does. */
  orderKey?: string
  /** Sent in the welcome message: the network's other hubs. */
  hubs?: string[]
  /** Awaited before the welcome message is sent (a slow hub). */
  beforeWelcome?: () => Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (text += c))
    req.on('end', () => resolve(text))
  })
}

export async function startFakeHub(heartbeatIntervalMs = 100, options: FakeHubOptions = {}): Promise<FakeHub> {
  const registered = new Set<string>()
  const hub: Omit<FakeHub, 'url' | 'stop' | 'down' | 'up'> = {
    registrations: [],
    heartbeats: [],
    sockets: new Map(),
    queue: [],
    claimed: [],
    completed: [],
    failed: [],
    progress: [],
    forget(id) {
      registered.delete(id)
      hub.sockets.get(id)?.close(4404, 'NODE_NOT_REGISTERED')
    },
  }
  const json = (res: import('node:http').ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) res.writeHead(status).end()
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  }
  /** Leases held now: task id → lease id (a committed or failed lease is gone). */
  const leases = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const task = /^\/v1\/tasks\/([^/]+)\/(renew|progress|complete|fail)$/.exec(req.url ?? '')
      if (req.method === 'POST' && (req.url === '/v1/tasks/claim' || task !== null)) {
        verifySignedRequest(req.headers, 'POST', req.url ?? '', text)
        const body = JSON.parse(text) as { capacity?: number; leaseId?: string; result?: unknown; error?: unknown; progress?: unknown }
        if (task === null) {
          const tasks = hub.queue.splice(0, body.capacity ?? 1)
          for (const t of tasks) leases.set(t.id, t.leaseId)
          hub.claimed.push(...tasks)
          json(res, 200, { tasks })
          return
        }
        const [, id = '', action] = task
        if (leases.get(id) !== body.leaseId) {
          json(res, 409, { error: { code: 'TASK_LEASE_LOST', message: 'lease lost' } })
          return
        }
        if (action === 'progress') hub.progress.push({ id, leaseId: body.leaseId!, progress: body.progress })
        if (action === 'complete') hub.completed.push({ id, leaseId: body.leaseId!, result: body.result })
        if (action === 'fail') hub.failed.push({ id, leaseId: body.leaseId!, error: body.error })
        if (action === 'complete' || action === 'fail') {
          leases.delete(id)
          json(res, 200, { outcome: action === 'complete' ? 'committed' : 'retrying' })
        } else json(res, 204)
        return
      }
      if (req.method === 'POST' && req.url === '/v1/nodes') {
        const { publicKey } = verifySignedRequest(req.headers, 'POST', req.url, text)
        const id = idFromPublicKey('node', publicKey)
        const again = registered.has(id)
        registered.add(id)
        hub.registrations.push({ id, body: JSON.parse(text) as NodeRegistration })
        res.writeHead(again ? 200 : 201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, status: 'offline' }))
        return
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'ROUTE_NOT_FOUND', message: 'no' } }))
    })
  })
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req, socket, head) => {
    const { publicKey } = verifySignedRequest(req.headers, 'GET', req.url ?? '', undefined)
    const id = idFromPublicKey('node', publicKey)
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (!registered.has(id)) {
        ws.send(JSON.stringify({ type: 'error', code: 'NODE_NOT_REGISTERED', message: 'register first' }))
        ws.close(4404, 'NODE_NOT_REGISTERED')
        return
      }
      hub.sockets.set(id, ws)
      ws.on('message', (data) => hub.heartbeats.push({ id, message: JSON.parse(String(data)) as HeartbeatMessage }))
      void (options.beforeWelcome?.() ?? Promise.resolve()).then(() => {
        if (ws.readyState !== ws.OPEN) return
        ws.send(JSON.stringify({ type: 'welcome', nodeId: id, heartbeatIntervalMs, ...(options.orderKey === undefined ? {} : { orderKey: options.orderKey }), ...(options.hubs === undefined ? {} : { hubs: options.hubs }) }))
      })
      ws.on('close', () => {
        if (hub.sockets.get(id) === ws) hub.sockets.delete(id)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let listening = true
  const down = async (): Promise<void> => {
    if (!listening) return
    listening = false
    for (const ws of wss.clients) ws.terminate()
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return Object.assign(hub, {
    url: `http://127.0.0.1:${port}`,
    down,
    async up() {
      if (listening) return
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
      listening = true
    },
    async stop() {
      await down()
      wss.close()
    },
  })
}
