/**
 * A hub double for agent tests that need to misbehave on cue (forget a node, refuse an upgrade).
 * It checks request signatures with the real verifier, so the agent's signing is exercised too.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { idFromPublicKey, verifySignedRequest } from '@w3ai/crypto'
import type { HeartbeatMessage, NodeRegistration } from '@w3ai/protocol'
import { WebSocketServer, type WebSocket } from 'ws'

export interface FakeHub {
  url: string
  registrations: Array<{ id: string; body: NodeRegistration }>
  heartbeats: Array<{ id: string; message: HeartbeatMessage }>
  sockets: Map<string, WebSocket>
  /** Drops the node's registration and closes its socket with 4404, as a hub with a fresh database would. */
  forget(id: string): void
  stop(): Promise<void>
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (c: string) => (text += c))
    req.on('end', () => resolve(text))
  })
}

/** `orderKey` is sent in the welcome message when given, as a hub with storage does. */
export async function startFakeHub(heartbeatIntervalMs = 100, options: { orderKey?: string } = {}): Promise<FakeHub> {
  const registered = new Set<string>()
  const hub: Omit<FakeHub, 'url' | 'stop'> = {
    registrations: [],
    heartbeats: [],
    sockets: new Map(),
    forget(id) {
      registered.delete(id)
      hub.sockets.get(id)?.close(4404, 'NODE_NOT_REGISTERED')
    },
  }
  const server: Server = createServer((req, res) => {
    void readBody(req).then((text) => {
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
      ws.send(JSON.stringify({ type: 'welcome', nodeId: id, heartbeatIntervalMs, ...(options.orderKey === undefined ? {} : { orderKey: options.orderKey }) }))
      ws.on('message', (data) => hub.heartbeats.push({ id, message: JSON.parse(String(data)) as HeartbeatMessage }))
      ws.on('close', () => {
        if (hub.sockets.get(id) === ws) hub.sockets.delete(id)
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    ...hub,
    url: `http://127.0.0.1:${port}`,
    forget: hub.forget,
    async stop() {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
