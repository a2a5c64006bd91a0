/**
 * GET /v1/pieces: the pieces a node holds, paged, with when each was stored, for the hubs' orphan
 * collector (issue 8 B9). Only a fresh, unreplayed request signed by the network key is answered.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateIdentity, signRequest, type Identity } from '@w3ai/crypto'
import { HEADER_ORDER, HEADER_TIMESTAMP, type PieceListing } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNodeAgent, type NodeAgent } from '../src/index.js'
import { TestNetwork, cidOf } from './pieces-kit.js'

describe('node piece list', () => {
  const net = new TestNetwork()
  let root: string
  let node: NodeAgent
  const stored: string[] = []

  const list = (query = '', signer: Identity = net.key, tweak: (h: Record<string, string>) => void = () => undefined): Promise<Response> => {
    const path = `/v1/pieces${query}`
    const headers: Record<string, string> = { ...signRequest(signer, 'GET', path) }
    tweak(headers)
    return fetch(`${node.url}${path}`, { headers })
  }
  const code = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-pieces-list-'))
    node = createNodeAgent({ home: join(root, 'node'), hubUrl: 'http://127.0.0.1:9', logLevel: false, reconnect: { initialMs: 5000, maxMs: 5000, jitter: 0 }, diskGb: 1, orderKey: net.orderKey })
    await node.start()
    for (let i = 0; i < 7; i++) {
      const bytes = randomBytes(100 + i)
      const cid = await cidOf(bytes)
      const res = await fetch(`${node.url}/v1/pieces/${cid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream', [HEADER_ORDER]: net.header({ action: 'put', pieceCid: cid, nodeId: node.id }) },
        body: bytes,
      })
      expect(res.status).toBe(201)
      stored.push(cid)
    }
  })
  afterAll(async () => {
    await node?.stop()
    await rm(root, { recursive: true, force: true })
  })

  it('lists every held piece once, page by page, with its stored time', async () => {
    const seen: PieceListing['pieces'] = []
    let after: string | null = null
    let pages = 0
    do {
      const res = await list(`?limit=3${after === null ? '' : `&after=${after}`}`)
      expect(res.status).toBe(200)
      const page = (await res.json()) as PieceListing
      expect(page.pieces.length).toBeLessThanOrEqual(3)
      seen.push(...page.pieces)
      after = page.next
      pages++
    } while (after !== null && pages < 10)
    expect(seen.map((p) => p.cid).sort()).toEqual([...stored].sort())
    expect(new Set(seen.map((p) => p.cid)).size).toBe(stored.length)
    for (const p of seen) expect(p.storedAt).toBeGreaterThan(0)
  })

  it('refuses a request without a signature', async () => {
    const res = await fetch(`${node.url}/v1/pieces`)
    expect(res.status).toBe(401)
    expect(await code(res)).toBe('AUTH_MISSING_SIGNATURE')
  })

  it('refuses a request signed by another key than the network key', async () => {
    const res = await list('', generateIdentity('account'))
    expect(await code(res)).toBe('AUTH_WRONG_IDENTITY')
  })

  it('refuses a stale request and a replayed one', async () => {
    const stale = await list('', net.key, (h) => void (h[HEADER_TIMESTAMP] = String(Date.now() - 10 * 60_000)))
    expect(await code(stale)).toBe('AUTH_STALE_TIMESTAMP')
    const path = '/v1/pieces?limit=1'
    const headers = { ...signRequest(net.key, 'GET', path) }
    expect((await fetch(`${node.url}${path}`, { headers })).status).toBe(200)
    expect(await code(await fetch(`${node.url}${path}`, { headers }))).toBe('AUTH_REPLAYED_NONCE')
  })

  it('refuses a bad cursor or limit', async () => {
    expect(await code(await list('?after=not-a-cid'))).toBe('VALIDATION_FAILED')
    expect(await code(await list('?limit=0'))).toBe('VALIDATION_FAILED')
    expect(await code(await list('?limit=100000'))).toBe('VALIDATION_FAILED')
  })
})
