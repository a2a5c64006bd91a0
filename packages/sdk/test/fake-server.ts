/** A local HTTP server for SDK tests: answers through a handler that sees every request in order. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'

export interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

export type Handler = (req: Seen, res: ServerResponse, n: number) => void

export interface FakeServer {
  url: string
  port: number
  seen: Seen[]
  server: Server
  close(): Promise<void>
}

/** Answers JSON with a status. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

/** Drops the connection without an answer, as a hub that died mid-request does. */
export function hangUp(res: ServerResponse): void {
  res.socket?.destroy()
}

export async function fakeServer(handler: Handler, port = 0): Promise<FakeServer> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(parts).toString('utf8') }
      seen.push(s)
      handler(s, res, seen.length)
    })
  })
  server.keepAliveTimeout = 100
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const actual = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A port that nothing listens on (bound once, then released). */
export async function closedPort(): Promise<number> {
  const s = await fakeServer(() => undefined)
  await s.close()
  return s.port
}

/** A `serve()` for one test file: each server it starts is closed after its test. */
export function servedPerTest(): (...args: Parameters<typeof fakeServer>) => Promise<FakeServer> {
  const servers: FakeServer[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close()
  })
  return async (...args) => {
    const s = await fakeServer(...args)
    servers.push(s)
    return s
  }
}
