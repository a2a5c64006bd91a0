import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { readIdentity, verifyObject } from '@w3ai/crypto'
import { HEADER_ORDER, type AuditProof, type PieceOrder, type SignedReceipt } from '@w3ai/protocol'
import { createNodeAgent, type NodeAgent, type NodeAgentOptions } from '../src/index.js'
import { startFakeHub } from './fake-hub.js'
import { TestNetwork, cidOf, naiveRoot, verifyProof } from './pieces-kit.js'

const MiB = 1024 * 1024
type OrderFields = Pick<PieceOrder, 'action' | 'pieceCid'> & Partial<PieceOrder>

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code
}

describe('node piece API', () => {
  const net = new TestNetwork()
  let root: string
  let node: NodeAgent
  const agents: NodeAgent[] = []

  const start = async (extra: Partial<NodeAgentOptions> = {}): Promise<NodeAgent> => {
    const a = createNodeAgent({
      home: await mkdtemp(join(root, 'node-')),
      hubUrl: 'http://127.0.0.1:9',
      logLevel: false,
      reconnect: { initialMs: 5000, maxMs: 5000, jitter: 0 },
      diskGb: 1,
      orderKey: net.orderKey,
      ...extra,
    })
    agents.push(a)
    await a.start()
    return a
  }
  const header = (fields: OrderFields, a: NodeAgent = node): string => net.header({ nodeId: a.id, ...fields })
  const url = (cid: string, a: NodeAgent = node): string => `${a.url}/v1/pieces/${cid}`
  const put = (cid: string, body: Uint8Array<ArrayBuffer>, order: Partial<PieceOrder> | string = {}, a: NodeAgent = node): Promise<Response> =>
    fetch(url(cid, a), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', [HEADER_ORDER]: typeof order === 'string' ? order : header({ action: 'put', pieceCid: cid, ...order }, a) },
      body,
    })
  const get = (cid: string, headers: Record<string, string> = {}, a: NodeAgent = node): Promise<Response> =>
    fetch(url(cid, a), { headers: { [HEADER_ORDER]: header({ action: 'get', pieceCid: cid }, a), ...headers } })
  const audit = (cid: string, leafIndex: unknown): Promise<Response> =>
    fetch(`${url(cid)}/audit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HEADER_ORDER]: header({ action: 'audit', pieceCid: cid }) },
      body: JSON.stringify({ leafIndex }),
    })
  const tempFiles = (a: NodeAgent): Promise<string[]> => readdir(join(a.config?.home ?? '', 'pieces', '.tmp'))

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-pieces-http-'))
    node = await start()
  })
  afterEach(async () => {
    await Promise.all(agents.filter((a) => a !== node).map((a) => a.stop()))
  })
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()))
    await rm(root, { recursive: true, force: true })
  })

  it('stores a piece and returns a receipt signed by the node', async () => {
    const bytes = randomBytes(5 * 4096 + 1)
    const cid = await cidOf(bytes)
    const before = Date.now()
    const res = await put(cid, bytes)
    expect(res.status).toBe(201)
    const { receipt, signature } = (await res.json()) as SignedReceipt
    expect(receipt).toEqual({ v: 1, pieceCid: cid, nodeId: node.id, size: bytes.length, merkleRoot: naiveRoot(bytes, 4096), storedAt: receipt.storedAt })
    expect(receipt.storedAt).toBeGreaterThanOrEqual(before)
    const identity = await readIdentity(node.config?.home ?? '')
    expect(verifyObject(identity?.publicKey ?? '', receipt, signature)).toBe(true)
    expect(verifyObject(net.orderKey, receipt, signature)).toBe(false)
  })

  it('serves a piece whole and by single byte ranges', async () => {
    const bytes = randomBytes(10_000)
    const cid = await cidOf(bytes)
    expect((await put(cid, bytes)).status).toBe(201)

    const whole = await get(cid)
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-type')).toBe('application/octet-stream')
    expect(whole.headers.get('accept-ranges')).toBe('bytes')
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes)

    const part = await get(cid, { range: 'bytes=100-199' })
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000')
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200))

    const tail = await get(cid, { range: 'bytes=-10' })
    expect(tail.status).toBe(206)
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(9990))

    const open = await get(cid, { range: 'bytes=9000-' })
    expect(open.headers.get('content-range')).toBe('bytes 9000-9999/10000')
    expect(Buffer.from(await open.arrayBuffer())).toEqual(bytes.subarray(9000))

    const past = await get(cid, { range: 'bytes=10000-10005' })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe('bytes */10000')

    const multi = await get(cid, { range: 'bytes=0-1,5-6' })
    expect(multi.status).toBe(200)
    expect((await multi.arrayBuffer()).byteLength).toBe(10_000)
  })

  it('deletes a piece with a delete order, then reports it missing', async () => {
    const bytes = randomBytes(3000)
    const cid = await cidOf(bytes)
    await put(cid, bytes)
    const del = (): Promise<Response> => fetch(url(cid), { method: 'DELETE', headers: { [HEADER_ORDER]: header({ action: 'delete', pieceCid: cid }) } })
    const first = await del()
    expect(first.status).toBe(204)
    const again = await del()
    expect(again.status).toBe(404)
    expect(await errorCode(again)).toBe('STORAGE_PIECE_NOT_FOUND')
    const res = await get(cid)
    expect(res.status).toBe(404)
    expect(await errorCode(res)).toBe('STORAGE_PIECE_NOT_FOUND')
  })

  it('answers audits with proofs that verify against the receipt root for the first, a middle and the last leaf', async () => {
    const bytes = randomBytes(13 * 4096 + 999)
    const cid = await cidOf(bytes)
    const { receipt } = (await (await put(cid, bytes)).json()) as SignedReceipt
    for (const leafIndex of [0, 6, 13]) {
      const res = await audit(cid, leafIndex)
      expect(res.status).toBe(200)
      const proof = (await res.json()) as AuditProof
      expect(proof.leafIndex).toBe(leafIndex)
      expect(Buffer.from(proof.leaf, 'base64url')).toEqual(bytes.subarray(leafIndex * 4096, (leafIndex + 1) * 4096))
      expect(verifyProof(proof, receipt.merkleRoot)).toBe(true)
    }
    for (const leafIndex of [14, -1, 'one']) {
      const res = await audit(cid, leafIndex)
      expect(res.status).toBe(400)
      expect(await errorCode(res)).toBe('VALIDATION_FAILED')
    }
  })

  it('stores and proves a 0-byte piece', async () => {
    const cid = await cidOf(new Uint8Array(0))
    const res = await put(cid, new Uint8Array(0))
    expect(res.status).toBe(201)
    const { receipt } = (await res.json()) as SignedReceipt
    expect(receipt.size).toBe(0)
    expect((await (await get(cid)).arrayBuffer()).byteLength).toBe(0)
    expect(verifyProof((await (await audit(cid, 0)).json()) as AuditProof, receipt.merkleRoot)).toBe(true)
  })

  it('refuses bytes that do not match the CID and keeps nothing', async () => {
    const cid = await cidOf(Buffer.from('the promised bytes'))
    const res = await put(cid, Buffer.from('other bytes'))
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toBe('STORAGE_PIECE_HASH_MISMATCH')
    expect((await get(cid)).status).toBe(404)
    expect(await tempFiles(node)).toEqual([])
  })

  it('gives no receipt for a piece it already holds unless the request carries its bytes (issue 8 A1)', async () => {
    const bytes = randomBytes(3 * 4096 + 5)
    const cid = await cidOf(bytes)
    const stored = (await (await put(cid, bytes)).json()) as SignedReceipt
    const other = Buffer.from(bytes)
    other[7] = (other[7] ?? 0) ^ 1
    // A sharee who can name the CID but does not have the bytes: no body at all, an empty one
    // (Content-Length 0), a prefix, or the right length with other bytes.
    const attempts: Array<() => Promise<Response>> = [
      () => fetch(url(cid), { method: 'PUT', headers: { [HEADER_ORDER]: header({ action: 'put', pieceCid: cid }) } }),
      () => put(cid, new Uint8Array(0)),
      () => put(cid, bytes.subarray(0, 4096)),
      () => put(cid, other),
    ]
    for (const attempt of attempts) {
      const res = await attempt()
      expect(res.status).toBe(400)
      const body = (await res.json()) as { error?: { code: string }; receipt?: unknown }
      expect(body.receipt).toBeUndefined()
      expect(body.error?.code).toBe('STORAGE_PIECE_HASH_MISMATCH')
    }
    expect(Buffer.from(await (await get(cid)).arrayBuffer())).toEqual(bytes)
    // Whoever does send the bytes gets a receipt, though the node keeps its one copy.
    const again = await put(cid, bytes)
    expect(again.status).toBe(201)
    expect(((await again.json()) as SignedReceipt).receipt).toMatchObject({ pieceCid: cid, size: bytes.length, merkleRoot: stored.receipt.merkleRoot })
    expect(await tempFiles(node)).toEqual([])
  })

  it('refuses a piece over the order maxSize, declared or streamed', async () => {
    const bytes = randomBytes(64 * 1024)
    const cid = await cidOf(bytes)
    const declared = await put(cid, bytes, { maxSize: 1000 })
    expect(declared.status).toBe(413)
    expect(await errorCode(declared)).toBe('STORAGE_PIECE_TOO_LARGE')

    // Chunked: the node only finds out while reading, and still answers.
    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url(cid), { method: 'PUT', headers: { 'content-type': 'application/octet-stream', [HEADER_ORDER]: header({ action: 'put', pieceCid: cid, maxSize: 1000 }) } }, (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      req.on('error', reject)
      req.write(bytes.subarray(0, 32 * 1024))
      req.end(bytes.subarray(32 * 1024))
    })
    expect(streamed.status).toBe(413)
    expect((JSON.parse(streamed.body) as { error: { code: string } }).error.code).toBe('STORAGE_PIECE_TOO_LARGE')
    expect((await get(cid)).status).toBe(404)
    expect(await tempFiles(node)).toEqual([])
  })

  it('refuses a piece that does not fit the disk share with STORAGE_NODE_FULL', async () => {
    const small = await start({ diskGb: 0.001 })
    const bytes = randomBytes(2 * MiB)
    const res = await put(await cidOf(bytes), bytes, {}, small)
    expect(res.status).toBe(507)
    expect(await errorCode(res)).toBe('STORAGE_NODE_FULL')
    expect(await tempFiles(small)).toEqual([])
  })

  it('refuses orders that are forged, for another node, piece or action, expired, replayed or missing', async () => {
    const bytes = randomBytes(100)
    const cid = await cidOf(bytes)
    const other = await cidOf(Buffer.from('another piece'))
    const forger = new TestNetwork()
    const cases: Array<[string, string | undefined, string]> = [
      ['forged', forger.header({ action: 'put', pieceCid: cid, nodeId: node.id }), 'STORAGE_ORDER_INVALID'],
      ['another node', net.header({ action: 'put', pieceCid: cid, nodeId: 'n_0123456789abcdef0123' }), 'STORAGE_ORDER_INVALID'],
      ['another piece', header({ action: 'put', pieceCid: other }), 'STORAGE_ORDER_INVALID'],
      ['another action', header({ action: 'get', pieceCid: cid }), 'STORAGE_ORDER_INVALID'],
      ['expired', header({ action: 'put', pieceCid: cid, expiresAt: Date.now() - 1 }), 'STORAGE_ORDER_EXPIRED'],
      ['not base64url JSON', 'bm90IGpzb24', 'STORAGE_ORDER_INVALID'],
      ['off-schema', Buffer.from(JSON.stringify({ order: { v: 2 }, signature: 'x' })).toString('base64url'), 'STORAGE_ORDER_INVALID'],
      ['missing', undefined, 'STORAGE_ORDER_INVALID'],
    ]
    for (const [name, value, code] of cases) {
      const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
      if (value !== undefined) headers[HEADER_ORDER] = value
      const res = await fetch(url(cid), { method: 'PUT', headers, body: bytes })
      expect({ name, status: res.status, code: await errorCode(res) }).toEqual({ name, status: 403, code })
    }
    expect((await get(cid)).status).toBe(404)

    const once = header({ action: 'put', pieceCid: cid })
    expect((await put(cid, bytes, once)).status).toBe(201)
    const replay = await put(cid, bytes, once)
    expect(replay.status).toBe(403)
    expect(await errorCode(replay)).toBe('STORAGE_ORDER_INVALID')
    // get orders may be used as often as needed until they expire
    const reusable = header({ action: 'get', pieceCid: cid })
    for (let i = 0; i < 2; i++) expect((await fetch(url(cid), { headers: { [HEADER_ORDER]: reusable } })).status).toBe(200)
  })

  it('lets a put order be retried after an attempt that stored nothing', async () => {
    const bytes = randomBytes(500)
    const cid = await cidOf(bytes)
    const order = header({ action: 'put', pieceCid: cid })
    expect((await put(cid, randomBytes(500), order)).status).toBe(400)
    const untyped = await fetch(url(cid), { method: 'PUT', headers: { 'content-type': 'text/plain', [HEADER_ORDER]: order }, body: 'hello' })
    expect(untyped.status).toBe(415)
    expect(await errorCode(untyped)).toBe('UNSUPPORTED_MEDIA_TYPE')
    expect((await put(cid, bytes, order)).status).toBe(201)
    expect((await put(cid, bytes, order)).status).toBe(403)
  })

  it('refuses a malformed CID in the path with STORAGE_BAD_CID', async () => {
    for (const bad of ['not-a-cid', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', 'b' + 'a'.repeat(200)]) {
      const res = await fetch(url(bad), { headers: { [HEADER_ORDER]: header({ action: 'get', pieceCid: await cidOf(Buffer.from('x')) }) } })
      expect(res.status).toBe(400)
      expect(await errorCode(res)).toBe('STORAGE_BAD_CID')
    }
  })

  it('refuses every order until it knows the network order key', async () => {
    const lonely = await start({ orderKey: undefined })
    expect(lonely.orderKey).toBeUndefined()
    const bytes = randomBytes(10)
    const res = await put(await cidOf(bytes), bytes, {}, lonely)
    expect(res.status).toBe(403)
    const body = (await res.json()) as { error: { code: string; message: string } }
    expect(body.error.code).toBe('STORAGE_ORDER_INVALID')
    expect(body.error.message).toMatch(/not connected to a hub/)
  })

  it('stores one copy when the same piece is uploaded concurrently', async () => {
    const bytes = randomBytes(MiB)
    const cid = await cidOf(bytes)
    const before = node.pieces.usage()
    const answers = await Promise.all(Array.from({ length: 4 }, () => put(cid, bytes)))
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201])
    const roots = await Promise.all(answers.map(async (r) => ((await r.json()) as SignedReceipt).receipt.merkleRoot))
    expect(new Set(roots)).toEqual(new Set([naiveRoot(bytes, 4096)]))
    expect(node.pieces.usage()).toEqual({ pieces: before.pieces + 1, bytes: before.bytes + MiB })
  })

  it('removes the temporary file when an upload is cut off', async () => {
    const bytes = randomBytes(4 * MiB)
    const cid = await cidOf(bytes)
    const req = request(url(cid), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': bytes.length, [HEADER_ORDER]: header({ action: 'put', pieceCid: cid }) },
    })
    req.on('error', () => undefined)
    req.write(bytes.subarray(0, MiB))
    await until(async () => (await tempFiles(node)).length === 1)
    req.destroy()
    await until(async () => (await tempFiles(node)).length === 0)
    expect((await get(cid)).status).toBe(404)
  })

  it('reports its pieces in /health', async () => {
    const health = (await (await fetch(`${node.url}/health`)).json()) as { pieces: { count: number; bytes: number } }
    expect(health.pieces).toEqual({ count: node.pieces.usage().pieces, bytes: node.pieces.usage().bytes })
    expect(health.pieces.count).toBeGreaterThan(0)
  })

  it('learns the order key from the hub and counts stored pieces in its heartbeats', async () => {
    const hub = await startFakeHub(50, { orderKey: net.orderKey })
    try {
      const a = await start({ hubUrl: hub.url, orderKey: undefined, reconnect: { initialMs: 20, maxMs: 100, jitter: 0 } })
      await until(() => a.orderKey === net.orderKey)
      const bytes = randomBytes(12 * MiB)
      expect((await put(await cidOf(bytes), bytes, {}, a)).status).toBe(201)
      await until(() => hub.heartbeats.some((h) => h.id === a.id && h.message.diskUsedGb >= 0.01))
    } finally {
      await Promise.all(agents.filter((a) => a !== node).map((a) => a.stop()))
      await hub.stop()
    }
  })

  it('keeps the network it first joined: tells hubs its order key and never takes another hub\'s', async () => {
    const home = await mkdtemp(join(root, 'node-'))
    const opts = { home, orderKey: undefined, reconnect: { initialMs: 20, maxMs: 100, jitter: 0 } }
    const own = await startFakeHub(50, { orderKey: net.orderKey })
    const other = new TestNetwork()
    const foreign = await startFakeHub(50, { orderKey: other.orderKey })
    try {
      const first = createNodeAgent({ ...opts, hubUrl: own.url, logLevel: false, diskGb: 1 })
      await first.start()
      await until(() => first.orderKey === net.orderKey)
      expect(own.registrations[0]?.body.network).toBeUndefined()
      await first.stop()
      expect(JSON.parse(await readFile(join(home, 'network.json'), 'utf8'))).toEqual({ orderKey: net.orderKey })

      const again = createNodeAgent({ ...opts, hubUrl: foreign.url, logLevel: false, diskGb: 1 })
      await again.start()
      try {
        await until(() => foreign.sockets.size === 1)
        expect(foreign.registrations.at(-1)?.body.network).toBe(net.orderKey)
        expect(again.orderKey).toBe(net.orderKey)
        const bytes = randomBytes(10)
        const res = await fetch(`${again.url}/v1/pieces/${await cidOf(bytes)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/octet-stream', [HEADER_ORDER]: other.header({ nodeId: again.id, action: 'put', pieceCid: await cidOf(bytes) }) },
          body: bytes,
        })
        expect(res.status).toBe(403)
      } finally {
        await again.stop()
      }
    } finally {
      await own.stop()
      await foreign.stop()
    }
  })
})
