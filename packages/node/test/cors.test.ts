/**
 * Browsers call the piece API cross-origin (the dashboard uploads and downloads pieces itself), so
 * nodes answer CORS preflights and mark every piece answer, errors included, readable by any page.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HEADER_ORDER } from '@w3ai/protocol'
import { createNodeAgent, type NodeAgent } from '../src/index.js'
import { TestNetwork, cidOf } from './pieces-kit.js'

const ORIGIN = 'http://dashboard.example:7420'

/** A raw HTTP exchange: fetch() may not send the preflight's own headers. */
function exchange(url: string, method: string, headers: Record<string, string>, body?: Uint8Array): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = ''
      res.on('data', (d: Buffer) => (text += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const list = (value: string | string[] | undefined): string[] => String(value ?? '').split(',').map((s) => s.trim().toLowerCase())

describe('node piece API CORS', () => {
  const net = new TestNetwork()
  let root: string
  let node: NodeAgent

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-cors-'))
    node = createNodeAgent({ home: root, hubUrl: 'http://127.0.0.1:9', logLevel: false, reconnect: { initialMs: 5000, maxMs: 5000, jitter: 0 }, diskGb: 1, orderKey: net.orderKey })
    await node.start()
  })
  afterAll(async () => {
    await node.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('answers a preflight for a piece upload from any origin', async () => {
    const cid = await cidOf(randomBytes(64))
    const res = await exchange(`${node.url}/v1/pieces/${cid}`, 'OPTIONS', {
      origin: ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': `${HEADER_ORDER},content-type`,
    })
    expect(res.status).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(list(res.headers['access-control-allow-methods'])).toEqual(expect.arrayContaining(['get', 'put', 'delete', 'post', 'options']))
    expect(list(res.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining([HEADER_ORDER, 'content-type']))
    const audit = await exchange(`${node.url}/v1/pieces/${cid}/audit`, 'OPTIONS', { origin: ORIGIN, 'access-control-request-method': 'POST' })
    expect(audit.status).toBe(204)
  })

  it('lets the page read stored pieces, their length and ranges', async () => {
    const bytes = randomBytes(10_000)
    const cid = await cidOf(bytes)
    const order = (action: 'put' | 'get') => net.header({ nodeId: node.id, action, pieceCid: cid })
    const put = await exchange(`${node.url}/v1/pieces/${cid}`, 'PUT', { origin: ORIGIN, 'content-type': 'application/octet-stream', [HEADER_ORDER]: order('put') }, bytes)
    expect(put.status).toBe(201)
    expect(put.headers['access-control-allow-origin']).toBe('*')
    const range = await exchange(`${node.url}/v1/pieces/${cid}`, 'GET', { origin: ORIGIN, range: 'bytes=0-99', [HEADER_ORDER]: order('get') })
    expect(range.status).toBe(206)
    expect(range.headers['access-control-allow-origin']).toBe('*')
    expect(list(range.headers['access-control-expose-headers'])).toEqual(expect.arrayContaining(['content-length', 'content-range']))
  })

  it('keeps error answers readable cross-origin, so the page sees the error code', async () => {
    const cid = await cidOf(randomBytes(32))
    const res = await exchange(`${node.url}/v1/pieces/${cid}`, 'GET', { origin: ORIGIN })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toMatch(/^STORAGE_ORDER/)
  })
})
