import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateIdentity, verifySignedRequest } from '@w3ai/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { eventsPath, HubClient } from '../src/index.js'

interface FakeEvents {
  url: string
  requests: URL[]
  close(): Promise<void>
}

const open: FakeEvents[] = []
afterEach(async () => {
  for (const s of open.splice(0)) await s.close()
})

/** An event stream endpoint: `onConnect` decides per connection (number n, from 1) what to do. */
async function fakeEvents(onConnect: (ws: WebSocket, n: number) => void, refuse?: (n: number) => number | undefined): Promise<FakeEvents> {
  const requests: URL[] = []
  const server: Server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    requests.push(new URL(req.url ?? '/', 'http://hub'))
    const status = refuse?.(requests.length)
    if (status !== undefined) {
      socket.end(`HTTP/1.1 ${status} Refused\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)
      return
    }
    const n = requests.length
    wss.handleUpgrade(req, socket, head, (ws) => onConnect(ws, n))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const s: FakeEvents = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  open.push(s)
  return s
}

/** The standard signature headers, read back from a subscription's query. */
function headersOf(url: URL): Record<string, string | undefined> {
  const q = url.searchParams
  return { 'x-w3ai-key': q.get('key') ?? undefined, 'x-w3ai-timestamp': q.get('timestamp') ?? undefined, 'x-w3ai-nonce': q.get('nonce') ?? undefined, 'x-w3ai-signature': q.get('signature') ?? undefined }
}

function until(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const tick = (): void => (check() ? resolve() : void setTimeout(tick, 5))
    tick()
  })
}

const identity = generateIdentity('account')

describe('event stream subscriptions', () => {
  it('eventsPath signs GET /v1/events with an empty body in the query', () => {
    const path = eventsPath(identity, { now: 1_700_000_000_000, nonce: 'n'.repeat(22) })
    const url = new URL(path, 'http://hub')
    expect(url.pathname).toBe('/v1/events')
    expect([...url.searchParams.keys()]).toEqual(['key', 'timestamp', 'nonce', 'signature'])
    expect(verifySignedRequest(headersOf(url), 'GET', '/v1/events', undefined, 1_700_000_000_000).publicKey).toBe(identity.publicKey)
    expect(eventsPath(undefined)).toBe('/v1/events')
  })

  it("signs with the client's identity, and not at all when unsigned or without one", async () => {
    const hub = await fakeEvents((ws) => ws.send(JSON.stringify({ type: 'hello', hubId: 'h', nodes: [] })))
    const got: string[] = []
    const closers = [
      new HubClient({ url: hub.url, identity }).events((m) => got.push(m.type)),
      new HubClient({ url: hub.url, identity }).events(() => undefined, { unsigned: true }),
      new HubClient({ url: hub.url }).events(() => undefined),
    ]
    await until(() => hub.requests.length === 3 && got.length === 1)
    for (const close of closers) close()
    const signed = hub.requests.filter((u) => u.searchParams.has('signature'))
    expect(signed).toHaveLength(1)
    expect(verifySignedRequest(headersOf(signed[0]!), 'GET', '/v1/events', undefined).publicKey).toBe(identity.publicKey)
    expect(hub.requests.filter((u) => u.search === '')).toHaveLength(2)
  })

  it('reconnects after a drop, signing each subscription afresh', async () => {
    const hub = await fakeEvents((ws, n) => {
      ws.send(JSON.stringify({ type: 'job.updated', jobId: `j_${n}` }))
      if (n < 3) ws.close(1001, 'going away')
    })
    const jobs: string[] = []
    let opens = 0
    const close = new HubClient({ url: hub.url, identity }).events((m) => void (m.type === 'job.updated' && jobs.push(m.jobId)), {
      reconnect: { initialMs: 1, maxMs: 1 },
      onOpen: () => void opens++,
    })
    await until(() => jobs.length === 3)
    close()
    expect(jobs).toEqual(['j_1', 'j_2', 'j_3'])
    expect(opens).toBe(3)
    const nonces = hub.requests.map((u) => u.searchParams.get('nonce'))
    expect(new Set(nonces).size).toBe(3)
    for (const u of hub.requests) expect(() => verifySignedRequest(headersOf(u), 'GET', '/v1/events', undefined)).not.toThrow()
  })

  it('stops for good when the hub refuses the subscription, and calls onClose once', async () => {
    const hub = await fakeEvents(() => undefined, () => 401)
    let closed = 0
    new HubClient({ url: hub.url, identity }).events(() => undefined, { reconnect: { initialMs: 1, maxMs: 1 }, onClose: () => void closed++ })
    await until(() => closed === 1)
    expect(hub.requests).toHaveLength(1)
  })

  it('without reconnect, calls the legacy onClose argument when the stream ends', async () => {
    const hub = await fakeEvents((ws) => ws.close())
    let closed = 0
    new HubClient({ url: hub.url }).events(
      () => undefined,
      () => void closed++,
    )
    await until(() => closed === 1)
    expect(hub.requests).toHaveLength(1)
  })
})
