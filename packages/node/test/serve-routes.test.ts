/**
 * `POST /v1/serve/:id` decides from the headers whether to read a body at all: a request without
 * the network's signature headers, signed by another key, or declaring more than the limit is
 * refused before any body byte is read (and the connection is closed, not drained).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { generateIdentity, signRequest } from '@w3ai/crypto'
import { MAX_INFER_BODY_BYTES } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from '../src/server.js'
import type { ServingAgent } from '../src/serving.js'

const network = generateIdentity('node')
const stranger = generateIdentity('node')
const PATH = '/v1/serve/d_1'

/**
 * Sends only the headers of a request (the body is never written) and resolves with the answer:
 * a node that waited for the body before deciding would never answer.
 */
function headersOnly(port: number, headers: Record<string, string>): Promise<{ res: IncomingMessage; body: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: PATH, headers: { 'content-type': 'application/json', ...headers } })
    const closed = new Promise<void>((r) => req.on('close', () => r()))
    req.on('error', reject)
    req.on('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ res, body, closed }))
    })
    req.flushHeaders()
  })
}

describe('node serve route', () => {
  let app: FastifyInstance
  let port: number
  let served = 0

  beforeAll(async () => {
    const serving = { infer: async () => (served++, { outputs: { y: { type: 'float32', dims: [1], data: [1] } }, runMs: 1 }) } as unknown as ServingAgent
    app = createServer({
      logger: undefined,
      health: () => ({ status: 'ok', nodeId: 'n_1', version: '0', uptimeSec: 0, hub: { url: '', state: 'connected', connected: true }, pieces: { count: 0, bytes: 0 } }),
      serve: { serving, nodeId: () => 'n_1', networkKey: () => network.publicKey },
    })
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    port = Number(new URL(address).port)
  })

  afterAll(async () => {
    await app.close()
  })

  it('refuses an unsigned request declaring a large body before reading it, and closes the connection', async () => {
    const { res, body, closed } = await headersOnly(port, { 'content-length': String(60 * 1024 * 1024) })
    expect(res.statusCode).toBe(401)
    expect(JSON.parse(body).error.code).toBe('AUTH_MISSING_SIGNATURE')
    expect(res.headers.connection).toBe('close')
    await closed
  })

  it('refuses a request signed by a key other than the network key before reading it', async () => {
    const { res, body } = await headersOnly(port, { 'content-length': '1000', ...signRequest(stranger, 'POST', PATH, '{}') })
    expect(res.statusCode).toBe(403)
    expect(JSON.parse(body).error.code).toBe('AUTH_WRONG_IDENTITY')
  })

  it('refuses a stale timestamp before reading the body', async () => {
    const { res, body } = await headersOnly(port, { 'content-length': '1000', ...signRequest(network, 'POST', PATH, '{}', { now: Date.now() - 10 * 60_000 }) })
    expect(res.statusCode).toBe(401)
    expect(JSON.parse(body).error.code).toBe('AUTH_STALE_TIMESTAMP')
  })

  it('refuses a network-signed request declaring more than the limit before reading it', async () => {
    const { res, body } = await headersOnly(port, { 'content-length': String(MAX_INFER_BODY_BYTES + 1), ...signRequest(network, 'POST', PATH, '{}') })
    expect(res.statusCode).toBe(413)
    expect(JSON.parse(body).error.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('answers a request the network key signed', async () => {
    const text = JSON.stringify({ inputs: { x: { type: 'float32', dims: [1], data: [1] } } })
    const res = await app.inject({ method: 'POST', url: PATH, payload: text, headers: { 'content-type': 'application/json', ...signRequest(network, 'POST', PATH, text) } })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ nodeId: 'n_1', outputs: { y: { dims: [1] } } })
    expect(served).toBe(1)
  })
})
