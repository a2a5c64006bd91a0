import { generateIdentity, signRequest } from '@w3ai/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleRegistration, startTestHub, type TestHub } from './helpers.js'
import { rawRequest } from './raw-http.js'

const INFER = '/v1/deployments/d_000000000000000000000000/infer'
const MiB = 1024 * 1024

function errorOf(body: string): { code: string; message: string } {
  const parsed = JSON.parse(body) as { error: { code: string; message: string } }
  expect(Object.keys(parsed)).toEqual(['error'])
  expect(typeof parsed.error.message).toBe('string')
  return parsed.error
}

/** Large bodies are refused from their headers (signature and declared length), before a byte is read. */
// A refusal that waited for the body would never come: these tests then fail by timeout.
describe('refusals before the body is read', { timeout: 15_000 }, () => {
  let t: TestHub
  const alice = generateIdentity('account')

  beforeAll(async () => {
    t = await startTestHub('pglite')
  })
  afterAll(async () => t?.close())

  const head = (path: string, headers: Record<string, string>): string =>
    `POST ${path} HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`

  it('refuses an unsigned inference request declaring 50 MiB without waiting for its body', async () => {
    const answer = await rawRequest(t.hub.url, head(INFER, { 'Content-Length': String(50 * MiB) }))
    expect(answer.status).toBe(401)
    expect(errorOf(answer.body).code).toBe('AUTH_MISSING_SIGNATURE')
  })

  it('refuses a stale or malformed signature on an inference request without waiting for its body', async () => {
    const stale = signRequest(alice, 'POST', INFER, 'x', { now: Date.now() - 10 * 60_000 })
    const a = await rawRequest(t.hub.url, head(INFER, { ...stale, 'Content-Length': String(50 * MiB) }))
    expect(errorOf(a.body).code).toBe('AUTH_STALE_TIMESTAMP')
    const malformed = { ...signRequest(alice, 'POST', INFER, 'x'), 'x-w3ai-signature': 'short' }
    const b = await rawRequest(t.hub.url, head(INFER, { ...malformed, 'Content-Length': String(50 * MiB) }))
    expect(errorOf(b.body).code).toBe('AUTH_MALFORMED_SIGNATURE')
  })

  it('refuses a signed body declared over the route limit with PAYLOAD_TOO_LARGE, unread', async () => {
    const infer = await rawRequest(t.hub.url, head(INFER, { ...signRequest(alice, 'POST', INFER, 'x'), 'Content-Length': String(65 * MiB) }))
    expect(infer.status).toBe(413)
    expect(errorOf(infer.body).code).toBe('PAYLOAD_TOO_LARGE')
    // Routes that name no limit take the small default (256 KiB), not the inference limit.
    const small = await rawRequest(t.hub.url, head('/v1/accounts', { ...signRequest(alice, 'POST', '/v1/accounts', 'x'), 'Content-Length': String(MiB) }))
    expect(small.status).toBe(413)
    expect(errorOf(small.body).code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('refuses an unsigned request on every route the API document marks signed', async () => {
    const doc = (await (await fetch(t.hub.url + '/v1/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> }
    const signed = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.security !== undefined).map(([method]) => [method.toUpperCase(), path] as const))
    expect(signed.length).toBeGreaterThan(25)
    for (const [method, path] of signed) {
      const url = path.replace('{id}', 'x').replace('{index}', '0').replace('{cid}', 'x')
      const res = await t.hub.app.inject({ method, url, headers: { 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { payload: '{}' }) })
      expect([res.statusCode, errorOf(res.body).code], `${method} ${path}`).toEqual([401, 'AUTH_MISSING_SIGNATURE'])
    }
  })

  it('refuses a large-body route without a Content-Length (chunked) with LENGTH_REQUIRED, unread', async () => {
    const answer = await rawRequest(t.hub.url, head(INFER, { ...signRequest(alice, 'POST', INFER, 'x'), 'Transfer-Encoding': 'chunked' }))
    expect(answer.status).toBe(411)
    expect(errorOf(answer.body).code).toBe('LENGTH_REQUIRED')
  })
})

/** Every refusal, Fastify's and Node's included, has the error body with a stable code. */
describe('the error body on every refusal', () => {
  let t: TestHub
  const node = generateIdentity('node')

  beforeAll(async () => {
    t = await startTestHub('pglite')
  })
  afterAll(async () => t?.close())

  it('answers a malformed URL with INVALID_URL', async () => {
    for (const url of ['/v1/nodes/%E0%A4%A', '/%']) {
      const res = await t.hub.app.inject({ method: 'GET', url })
      expect(res.statusCode, url).toBe(400)
      expect(errorOf(res.body).code).toBe('INVALID_URL')
    }
    const raw = await rawRequest(t.hub.url, 'GET /v1/nodes/%zz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n')
    expect(raw.status).toBe(400)
    expect(errorOf(raw.body).code).toBe('INVALID_URL')
  })

  it('answers oversized headers with 431 HEADERS_TOO_LARGE', async () => {
    const raw = await rawRequest(t.hub.url, `GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(raw.status).toBe(431)
    expect(raw.headers['content-type']).toContain('application/json')
    expect(errorOf(raw.body).code).toBe('HEADERS_TOO_LARGE')
  })

  it('answers a malformed Content-Length and a length that does not match the body with INVALID_CONTENT_LENGTH', async () => {
    const raw = await rawRequest(t.hub.url, 'POST /v1/nodes HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}')
    expect(raw.status).toBe(400)
    expect(errorOf(raw.body).code).toBe('INVALID_CONTENT_LENGTH')
    const body = JSON.stringify(sampleRegistration())
    const res = await t.hub.app.inject({
      method: 'POST',
      url: '/v1/nodes',
      headers: { 'content-type': 'application/json', 'content-length': '5', ...signRequest(node, 'POST', '/v1/nodes', body) },
      payload: body,
    })
    expect(res.statusCode).toBe(400)
    expect(errorOf(res.body).code).toBe('INVALID_CONTENT_LENGTH')
  })

  it('answers a request that is not HTTP with the error body', async () => {
    const raw = await rawRequest(t.hub.url, 'HELLO THERE\r\n\r\n')
    expect(raw.status).toBe(400)
    expect(errorOf(raw.body).code).toBe('VALIDATION_FAILED')
  })

  it('answers an unsupported media type, a body too large and an unknown route or method with their codes', async () => {
    const body = JSON.stringify(sampleRegistration())
    const send = (payload: string, type: string) =>
      t.hub.app.inject({ method: 'POST', url: '/v1/nodes', headers: { 'content-type': type, ...signRequest(node, 'POST', '/v1/nodes', payload) }, payload })
    const media = await send(body, 'text/plain')
    expect([media.statusCode, errorOf(media.body).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE'])
    const large = await send(JSON.stringify({ junk: 'x'.repeat(300 * 1024) }), 'application/json')
    expect([large.statusCode, errorOf(large.body).code]).toEqual([413, 'PAYLOAD_TOO_LARGE'])
    const route = await t.hub.app.inject({ method: 'GET', url: '/v1/nowhere' })
    expect([route.statusCode, errorOf(route.body).code]).toEqual([404, 'ROUTE_NOT_FOUND'])
    const method = await t.hub.app.inject({ method: 'PUT', url: '/v1/health' })
    expect([method.statusCode, errorOf(method.body).code]).toEqual([404, 'ROUTE_NOT_FOUND'])
  })
})

/** The dashboard and the API send the security headers (CSP, nosniff, no framing, referrer policy). */
describe('security headers', () => {
  let t: TestHub
  beforeAll(async () => {
    t = await startTestHub('pglite')
  })
  afterAll(async () => t?.close())

  it('sends them on the dashboard, the API and errors', async () => {
    for (const path of ['/', '/nodes/abc', '/v1/health', '/v1/nowhere']) {
      const res = await fetch(t.hub.url + path)
      const csp = res.headers.get('content-security-policy') ?? ''
      expect(csp, path).toContain("default-src 'self'")
      expect(csp).toContain("script-src 'self'")
      // Pieces travel between the page and edge nodes at any address.
      expect(csp).toContain("connect-src 'self' http: https: ws: wss:")
      expect(csp).toContain("frame-ancestors 'none'")
      expect(csp).not.toContain('unsafe-eval')
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('referrer-policy')).toBe('same-origin')
    }
  })
})
