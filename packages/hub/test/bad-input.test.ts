import { randomBytes } from 'node:crypto'
import { generateIdentity, signRequest } from '@w3ai/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleRegistration, startTestHub, type TestHub } from './helpers.js'

/** Bad input gets a 4xx with a stable code, stores nothing, and leaves the hub healthy. */
describe('bad input to node registration', () => {
  let t: TestHub
  const node = generateIdentity('node')

  beforeAll(async () => {
    t = await startTestHub('pglite', { listen: false })
  })
  afterAll(async () => t?.close())

  async function send(body: string | Buffer, contentType: string | undefined, signed = true): Promise<{ status: number; code: string }> {
    const headers: Record<string, string> = {}
    if (contentType !== undefined) headers['content-type'] = contentType
    if (signed) Object.assign(headers, signRequest(node, 'POST', '/v1/nodes', body))
    const res = await t.hub.app.inject({ method: 'POST', url: '/v1/nodes', headers, payload: body })
    return { status: res.statusCode, code: errorCode(res.body) }
  }

  function errorCode(body: string): string {
    try {
      return (JSON.parse(body) as { error?: { code: string } }).error?.code ?? ''
    } catch {
      return ''
    }
  }
  const get = (url: string) => t.hub.app.inject({ method: 'GET', url })

  const cap = sampleRegistration().capabilities
  const loc = sampleRegistration().location
  const cases: Array<[string, unknown, string]> = [
    ['negative memory', sampleRegistration({ capabilities: { ...cap, memoryGb: -4 } }), 'VALIDATION_FAILED'],
    ['zero cores', sampleRegistration({ capabilities: { ...cap, cpuCores: 0 } }), 'VALIDATION_FAILED'],
    ['unknown executor', sampleRegistration({ capabilities: { ...cap, executors: ['quantum'] } }), 'VALIDATION_FAILED'],
    ['latitude 200', sampleRegistration({ location: { ...loc, lat: 200 } }), 'VALIDATION_FAILED'],
    ['longitude -181', sampleRegistration({ location: { ...loc, lon: -181 } }), 'VALIDATION_FAILED'],
    ['bad region name', sampleRegistration({ location: { ...loc, region: 'EU West!' } }), 'VALIDATION_FAILED'],
    ['string where a number belongs', sampleRegistration({ capabilities: { ...cap, memoryGb: '8' } }), 'VALIDATION_FAILED'],
    ['GPU without memory', sampleRegistration({ capabilities: { ...cap, gpus: [{ model: 'X' }] } }), 'VALIDATION_FAILED'],
    ['endpoint not a URL', sampleRegistration({ endpoint: 'ftp://x' }), 'VALIDATION_FAILED'],
    ['unknown field', sampleRegistration({ admin: true }), 'VALIDATION_FAILED'],
    ['missing capabilities', { location: loc, endpoint: 'http://127.0.0.1:1' }, 'VALIDATION_FAILED'],
    ['an array', [1, 2, 3], 'VALIDATION_FAILED'],
    ['null', null, 'VALIDATION_FAILED'],
  ]

  it.each(cases)('refuses %s with %s', async (_name, body, code) => {
    const r = await send(JSON.stringify(body), 'application/json')
    expect(r.status).toBe(400)
    expect(r.code).toBe(code)
  })

  it('refuses truncated JSON with INVALID_JSON', async () => {
    const text = JSON.stringify(sampleRegistration())
    const r = await send(text.slice(0, text.length / 2), 'application/json')
    expect(r).toEqual({ status: 400, code: 'INVALID_JSON' })
  })

  it('refuses 1 MiB of random bytes with PAYLOAD_TOO_LARGE, whatever the content type says', async () => {
    const junk = randomBytes(1024 * 1024)
    expect(await send(junk, 'application/json')).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' })
    expect((await send(junk, 'application/octet-stream')).status).toBeGreaterThanOrEqual(400)
  })

  it('refuses wrong content types with UNSUPPORTED_MEDIA_TYPE', async () => {
    const text = JSON.stringify(sampleRegistration())
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      expect(await send(text, type)).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' })
    }
  })

  it('refuses bad list queries and ids with codes', async () => {
    const bad: Array<[string, string]> = [
      ['/v1/nodes?limit=0', 'VALIDATION_FAILED'],
      ['/v1/nodes?limit=abc', 'VALIDATION_FAILED'],
      ['/v1/nodes?status=dead', 'VALIDATION_FAILED'],
      ['/v1/nodes?executor=quantum', 'VALIDATION_FAILED'],
      ['/v1/nodes?cursor=x', 'INVALID_CURSOR'],
    ]
    for (const [path, code] of bad) {
      const res = await get(path)
      expect(res.statusCode, path).toBe(400)
      expect(res.json<{ error: { code: string } }>().error.code, path).toBe(code)
    }
    const missing = await get('/v1/nodes/n_00000000000000000000')
    expect(missing.statusCode).toBe(404)
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('NODE_NOT_FOUND')
  })

  it('stored nothing and is still healthy', async () => {
    const list = (await get('/v1/nodes')).json<{ total: number }>()
    expect(list.total).toBe(0)
    const health = await get('/v1/health')
    expect(health.statusCode).toBe(200)
    const ok = await send(JSON.stringify(sampleRegistration()), 'application/json')
    expect(ok.status).toBe(201)
  })
})
