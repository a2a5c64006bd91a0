import { generateIdentity, signRequest } from '@w3ai/crypto'
import type { LightMyRequestResponse } from 'fastify'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from './helpers.js'

/** Signed requests: every refusal has its own code, and a valid request passes exactly once. */
describe('signed requests', () => {
  let t: TestHub
  const alice = generateIdentity('account')
  const mallory = generateIdentity('account')

  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
  })
  afterAll(async () => t?.close())

  const post = (path: string, body: string, headers: Record<string, string>) =>
    t.hub.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: body })
  const get = (path: string, headers: Record<string, string>) => t.hub.app.inject({ method: 'GET', url: path, headers })

  function codeOf(res: LightMyRequestResponse): string {
    const j = res.json<{ error?: { code: string } }>()
    return j.error?.code ?? `HTTP ${res.statusCode}`
  }

  it('accepts a valid signature once and refuses the replay with AUTH_REPLAYED_NONCE', async () => {
    const body = JSON.stringify({ name: 'alice' })
    const headers = { ...signRequest(alice, 'POST', '/v1/accounts', body) }
    const first = await post('/v1/accounts', body, headers)
    expect(first.statusCode).toBe(201)
    const replay = await post('/v1/accounts', body, headers)
    expect(replay.statusCode).toBe(401)
    expect(codeOf(replay)).toBe('AUTH_REPLAYED_NONCE')
  })

  it('refuses a request without signature headers with AUTH_MISSING_SIGNATURE', async () => {
    const res = await post('/v1/accounts', '{}', {})
    expect(res.statusCode).toBe(401)
    expect(codeOf(res)).toBe('AUTH_MISSING_SIGNATURE')
  })

  it('refuses a request missing one header with AUTH_MISSING_SIGNATURE', async () => {
    const h: Record<string, string> = { ...signRequest(mallory, 'POST', '/v1/accounts', '{}') }
    delete h['x-w3ai-nonce']
    expect(codeOf(await post('/v1/accounts', '{}', h))).toBe('AUTH_MISSING_SIGNATURE')
  })

  it('refuses malformed headers with AUTH_MALFORMED_SIGNATURE', async () => {
    const h = { ...signRequest(mallory, 'POST', '/v1/accounts', '{}'), 'x-w3ai-key': 'not-a-key' }
    expect(codeOf(await post('/v1/accounts', '{}', h))).toBe('AUTH_MALFORMED_SIGNATURE')
    const h2 = { ...signRequest(mallory, 'POST', '/v1/accounts', '{}'), 'x-w3ai-timestamp': 'yesterday' }
    expect(codeOf(await post('/v1/accounts', '{}', h2))).toBe('AUTH_MALFORMED_SIGNATURE')
  })

  it('refuses a tampered body, method or path with AUTH_BAD_SIGNATURE', async () => {
    const signed = { ...signRequest(mallory, 'POST', '/v1/accounts', '{"name":"a"}') }
    expect(codeOf(await post('/v1/accounts', '{"name":"b"}', signed))).toBe('AUTH_BAD_SIGNATURE')
    const forGet = { ...signRequest(mallory, 'GET', '/v1/accounts', '{}') }
    expect(codeOf(await post('/v1/accounts', '{}', forGet))).toBe('AUTH_BAD_SIGNATURE')
    const otherPath = { ...signRequest(mallory, 'POST', '/v1/nodes', '{}') }
    expect(codeOf(await post('/v1/accounts', '{}', otherPath))).toBe('AUTH_BAD_SIGNATURE')
  })

  it('refuses a garbage signature with AUTH_BAD_SIGNATURE', async () => {
    const h = { ...signRequest(mallory, 'POST', '/v1/accounts', '{}'), 'x-w3ai-signature': Buffer.alloc(64, 7).toString('base64url') }
    expect(codeOf(await post('/v1/accounts', '{}', h))).toBe('AUTH_BAD_SIGNATURE')
  })

  it('refuses timestamps more than 60 s off with AUTH_STALE_TIMESTAMP, both directions', async () => {
    for (const skew of [-61_000, 61_000]) {
      const h = { ...signRequest(mallory, 'POST', '/v1/accounts', '{}', { now: Date.now() + skew }) }
      const res = await post('/v1/accounts', '{}', h)
      expect(res.statusCode).toBe(401)
      expect(codeOf(res)).toBe('AUTH_STALE_TIMESTAMP')
    }
    const ok = { ...signRequest(mallory, 'GET', '/v1/accounts/me', undefined, { now: Date.now() - 50_000 }) }
    expect(codeOf(await get('/v1/accounts/me', ok))).toBe('ACCOUNT_NOT_FOUND')
  })

  it('refuses a request signed by one account and replayed under another key', async () => {
    const body = JSON.stringify({ name: 'stolen' })
    const aliceSigned = signRequest(alice, 'POST', '/v1/accounts', body)
    const asMallory = { ...aliceSigned, 'x-w3ai-key': mallory.publicKey }
    const res = await post('/v1/accounts', body, asMallory)
    expect(res.statusCode).toBe(401)
    expect(codeOf(res)).toBe('AUTH_BAD_SIGNATURE')
    const me = await get('/v1/accounts/me', { ...signRequest(mallory, 'GET', '/v1/accounts/me') })
    expect(codeOf(me)).toBe('ACCOUNT_NOT_FOUND')
  })

  it('signs the query string too', async () => {
    const h = { ...signRequest(alice, 'GET', '/v1/accounts/me?x=1') }
    expect((await get('/v1/accounts/me?x=1', h)).statusCode).toBe(200)
    const h2 = { ...signRequest(alice, 'GET', '/v1/accounts/me?x=1') }
    expect(codeOf(await get('/v1/accounts/me?x=2', h2))).toBe('AUTH_BAD_SIGNATURE')
  })
})

// The heartbeat is a WebSocket upgrade: refusing it needs a listening hub.
describe('signed heartbeat sockets', () => {
  let t: TestHub
  beforeAll(async () => {
    t = await startTestHub('pglite')
  })
  afterAll(async () => t?.close())

  it('refuses an unsigned heartbeat socket with AUTH_MISSING_SIGNATURE', async () => {
    const ws = new WebSocket(t.hub.url.replace('http', 'ws') + '/v1/nodes/heartbeat')
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      ws.on('unexpected-response', (_req, res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      ws.on('open', () => reject(new Error('upgrade accepted')))
      ws.on('error', () => undefined)
    })
    expect(status).toBe(401)
    expect((JSON.parse(body) as { error: { code: string } }).error.code).toBe('AUTH_MISSING_SIGNATURE')
  })
})
