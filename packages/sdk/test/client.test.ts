import { generateIdentity, verifySignedRequest } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { HubClient, isIdempotent } from '../src/index.js'
import { closedPort, hangUp, json, servedPerTest, type FakeServer } from './fake-server.js'

const serve = servedPerTest()

const identity = generateIdentity('account')
/** No real waiting between attempts: the tests count attempts, not time. */
const fast = { sleep: async () => undefined }

async function failure(p: Promise<unknown>): Promise<W3aiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(W3aiError)
  return err as W3aiError
}

describe('HubClient request signing', () => {
  it('signs method, path with query and body so the hub verifies them', async () => {
    const hub = await serve((req, res) => {
      try {
        verifySignedRequest(req.headers, req.method, req.url, req.body === '' ? undefined : req.body)
        json(res, 200, { ok: true })
      } catch (err) {
        json(res, 401, (err as W3aiError).toBody())
      }
    })
    const client = new HubClient({ url: `${hub.url}/`, identity })
    await client.request('POST', '/v1/things', { b: [1, 2], a: 'x' }, { query: { limit: 5, skip: undefined } })
    await client.request('GET', '/v1/things')
    expect(hub.seen.map((s) => s.url)).toEqual(['/v1/things?limit=5', '/v1/things'])
    expect(hub.seen[0]?.headers['x-w3ai-key']).toBe(identity.publicKey)
    expect(hub.seen[0]?.headers['content-type']).toBe('application/json')
  })

  it('sends unsigned when asked, and as another identity with `as`', async () => {
    const hub = await serve((_req, res) => json(res, 200, {}))
    const client = new HubClient({ url: hub.url, identity })
    const other = generateIdentity('account')
    await client.request('GET', '/v1/a', undefined, { unsigned: true })
    await client.request('GET', '/v1/b', undefined, { as: other })
    expect(hub.seen[0]?.headers['x-w3ai-signature']).toBeUndefined()
    expect(hub.seen[1]?.headers['x-w3ai-key']).toBe(other.publicKey)
  })
})

describe('HubClient error mapping', () => {
  it("throws the hub's code, message and details", async () => {
    const hub = await serve((_req, res) => json(res, 404, { error: { code: 'JOB_NOT_FOUND', message: 'no job j_1', details: { id: 'j_1' } } }))
    const err = await failure(new HubClient({ url: hub.url }).request('GET', '/v1/jobs/j_1'))
    expect([err.code, err.message, err.details, err.status]).toEqual(['JOB_NOT_FOUND', 'no job j_1', { id: 'j_1' }, 404])
  })

  it('turns an answer without a known code into INTERNAL with the status', async () => {
    const hub = await serve((_req, res) => {
      res.writeHead(500)
      res.end('<html>oops</html>')
    })
    const err = await failure(new HubClient({ url: hub.url }).request('GET', '/v1/x'))
    expect(err.code).toBe('INTERNAL')
    expect(err.message).toContain('500')
    expect(hub.seen).toHaveLength(1)
  })

  it("does not retry the hub's own answers, even 503 ones with a code", async () => {
    const hub = await serve((_req, res) => json(res, 503, { error: { code: 'STORAGE_NOT_ENOUGH_NODES', message: 'few nodes' } }))
    const err = await failure(new HubClient({ url: hub.url, retry: fast }).request('GET', '/v1/x'))
    expect(err.code).toBe('STORAGE_NOT_ENOUGH_NODES')
    expect(hub.seen).toHaveLength(1)
  })

  it('says HUB_UNREACHABLE for a closed port', async () => {
    const port = await closedPort()
    const err = await failure(new HubClient({ url: `http://127.0.0.1:${port}`, retry: false }).health())
    expect(err.code).toBe('HUB_UNREACHABLE')
    expect(err.message).toContain('ECONNREFUSED')
  })
})

describe('HubClient retries', () => {
  it('rides out dropped connections on a GET, signing each attempt with a fresh nonce', async () => {
    const hub = await serve((req, res, n) => {
      if (n <= 2) return hangUp(res)
      verifySignedRequest(req.headers, req.method, req.url, undefined)
      json(res, 200, { status: 'ok' })
    })
    const retries: number[] = []
    const client = new HubClient({ url: hub.url, identity, retry: { ...fast, onRetry: (_e, retry) => retries.push(retry) } })
    expect(await client.request('GET', '/v1/health')).toEqual({ status: 'ok' })
    expect(hub.seen).toHaveLength(3)
    expect(new Set(hub.seen.map((s) => s.headers['x-w3ai-nonce'])).size).toBe(3)
    expect(retries).toEqual([1, 2])
  })

  it('retries a gateway answer without a w3ai body (502/503/504) on a GET', async () => {
    const hub = await serve((_req, res, n) => {
      if (n === 1) {
        res.writeHead(502)
        return res.end('Bad Gateway')
      }
      json(res, 200, { fine: true })
    })
    expect(await new HubClient({ url: hub.url, retry: fast }).request('GET', '/v1/x')).toEqual({ fine: true })
    expect(hub.seen).toHaveLength(2)
  })

  it('does not resend a non-idempotent POST whose connection dropped (the hub may have acted on it)', async () => {
    const hub = await serve((_req, res) => hangUp(res))
    const err = await failure(new HubClient({ url: hub.url, identity, retry: fast }).request('POST', '/v1/jobs', { executor: 'onnx' }))
    expect(err.code).toBe('HUB_UNREACHABLE')
    expect(hub.seen).toHaveLength(1)
  })

  it('resends a POST the hub treats idempotently (segment orders and commits)', async () => {
    const hub = await serve((_req, res, n) => (n === 1 ? hangUp(res) : json(res, 200, { placements: [] })))
    const client = new HubClient({ url: hub.url, identity, retry: fast })
    await client.request('POST', '/v1/storage/uploads/u_0123456789abcdef01234567/segments/3/orders', { pieces: [] })
    expect(hub.seen).toHaveLength(2)
    expect(hub.seen[0]?.headers['x-w3ai-nonce']).not.toBe(hub.seen[1]?.headers['x-w3ai-nonce'])
  })

  it('resends any request whose connection was refused: it never reached the hub', async () => {
    const port = await closedPort()
    let waits = 0
    let back: FakeServer | undefined
    const client = new HubClient({
      url: `http://127.0.0.1:${port}`,
      identity,
      retry: {
        // The hub comes back during the second wait.
        sleep: async () => {
          if (++waits === 2) back = await serve((_req, res) => json(res, 201, { id: 'j_1' }), port)
        },
      },
    })
    expect(await client.request('POST', '/v1/jobs', { executor: 'onnx' })).toEqual({ id: 'j_1' })
    expect(waits).toBe(2)
    expect(back?.seen).toHaveLength(1)
  })

  it('gives up after the configured attempts with HUB_UNREACHABLE', async () => {
    const hub = await serve((_req, res) => hangUp(res))
    const err = await failure(new HubClient({ url: hub.url, retry: { ...fast, attempts: 3 } }).request('GET', '/v1/health'))
    expect(err.code).toBe('HUB_UNREACHABLE')
    expect(err.message).toContain('3 attempts')
    expect(hub.seen).toHaveLength(3)
  })

  it('with retryBeforeFirstAnswer false, fails at once until the hub has answered, then retries', async () => {
    const port = await closedPort()
    let sleeps = 0
    const client = new HubClient({ url: `http://127.0.0.1:${port}`, retryBeforeFirstAnswer: false, retry: { sleep: async () => void sleeps++ } })
    expect((await failure(client.health())).code).toBe('HUB_UNREACHABLE')
    expect(sleeps).toBe(0)
    const hub = await serve((_req, res, n) => (n === 2 ? hangUp(res) : json(res, 200, { n })), port)
    expect(await client.request('GET', '/v1/a')).toEqual({ n: 1 })
    expect(await client.request('GET', '/v1/b')).toEqual({ n: 3 })
    expect(sleeps).toBe(1)
    expect(hub.seen).toHaveLength(3)
  })

  it('treats GET and HEAD as idempotent, other methods only on the listed POST routes', () => {
    expect(isIdempotent('get', '/v1/jobs?limit=3')).toBe(true)
    expect(isIdempotent('POST', '/v1/storage/uploads/u_1/segments/0/commit')).toBe(true)
    expect(isIdempotent('POST', '/v1/storage/uploads/u_1/complete')).toBe(false)
    expect(isIdempotent('POST', '/v1/jobs')).toBe(false)
    expect(isIdempotent('DELETE', '/v1/storage/objects/bafk')).toBe(false)
  })
})
