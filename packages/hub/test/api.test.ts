import { readFile } from 'node:fs/promises'
import { ERROR_CODES } from '@w3ai/protocol'
import { simulateNode } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderApiDoc, type OpenApiDocument } from '../../../scripts/api-doc.js'
import { sampleRegistration, startTestHub, type TestHub } from './helpers.js'

describe('hub API surface', () => {
  let t: TestHub
  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
  })
  afterAll(async () => t?.close())
  const get = (url: string, headers: Record<string, string> = {}) => t.hub.app.inject({ method: 'GET', url, headers })

  it('publishes an OpenAPI 3.1 document generated from the validating schemas', async () => {
    const doc = (await get('/v1/openapi.json')).json<OpenApiDocument & { openapi: string }>()
    expect(doc.openapi).toBe('3.1.0')
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/health', '/v1/nodes', '/v1/nodes/{id}', '/v1/accounts', '/v1/accounts/me', '/v1/network/summary']))
    const register = doc.paths['/v1/nodes']?.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }
    expect(Object.keys(register.requestBody.content['application/json']!.schema.properties)).toEqual(
      expect.arrayContaining(['capabilities', 'location', 'endpoint']),
    )
  })

  it('keeps docs/api.md identical to what the OpenAPI document generates (npm run docs:api)', async () => {
    const doc = (await get('/v1/openapi.json')).json<OpenApiDocument>()
    const committed = await readFile(new URL('../../../docs/api.md', import.meta.url), 'utf8')
    expect(committed).toBe(renderApiDoc(doc))
  })

  it('documents every error code', async () => {
    const committed = await readFile(new URL('../../../docs/api.md', import.meta.url), 'utf8')
    for (const code of Object.keys(ERROR_CODES)) expect(committed).toContain(`\`${code}\``)
  })

  it('echoes a caller request id and makes one up otherwise', async () => {
    const given = await get('/v1/health', { 'x-request-id': 'trace-123' })
    expect(given.headers['x-request-id']).toBe('trace-123')
    const made = await get('/v1/nope')
    const id = made.headers['x-request-id']
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(made.json<{ error: { code: string; requestId: string } }>().error).toMatchObject({ code: 'ROUTE_NOT_FOUND', requestId: id })
    const hostile = await get('/v1/health', { 'x-request-id': 'a b;<script>' })
    expect(hostile.headers['x-request-id']).not.toContain('<')
  })

  it('serves the dashboard at / and deep links', async () => {
    for (const path of ['/', '/nodes/abc']) {
      const res = await get(path)
      expect(res.statusCode).toBe(200)
      expect(res.headers['content-type']).toContain('text/html')
      expect(res.body).toMatch(/w3ai/i)
    }
  })

  it('answers every error with a stable code in one shape', async () => {
    for (const [code, { status, message }] of Object.entries(ERROR_CODES)) {
      expect(status, code).toBeGreaterThanOrEqual(400)
      expect(message.length, code).toBeGreaterThan(10)
    }
    const res = await t.hub.app.inject({ method: 'DELETE', url: '/v1/nodes' })
    expect(res.statusCode).toBe(404)
    expect(res.json<{ error: { code: string } }>().error.code).toBe('ROUTE_NOT_FOUND')
  })
})

// A simulated node beats over the heartbeat WebSocket: this one needs a listening hub.
describe('hub metrics', () => {
  let t: TestHub
  beforeAll(async () => {
    t = await startTestHub('pglite')
  })
  afterAll(async () => t?.close())

  it('exports Prometheus metrics for nodes, heartbeats, requests and auth failures', async () => {
    const sim = await simulateNode(t.hub.url, sampleRegistration() as never)
    await sim.connect()
    sim.beat()
    await fetch(t.hub.url + '/v1/health')
    await fetch(t.hub.url + '/v1/accounts/me')
    await new Promise((r) => setTimeout(r, 300))
    const text = await (await fetch(t.hub.url + '/metrics')).text()
    expect(text).toMatch(/^w3ai_nodes\{status="online"\} 1$/m)
    expect(text).toMatch(/^w3ai_heartbeats_total [1-9]/m)
    expect(text).toMatch(/^w3ai_auth_failures_total\{code="AUTH_MISSING_SIGNATURE"\} 1$/m)
    expect(text).toMatch(/^w3ai_http_requests_total\{method="GET",route="\/v1\/health",status="200"\} \d+$/m)
    expect(text).toContain('w3ai_hub_process_cpu_seconds_total')
    sim.close()
  })
})
