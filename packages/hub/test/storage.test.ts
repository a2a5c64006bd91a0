import { createHash, randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { generateIdentity, signObject, unwrapKey } from '@w3ai/crypto'
import { W3aiError } from '@w3ai/protocol'
import { HubClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, codeOf, until } from './helpers.js'
import { chunks, roundTrip, startStorageNet, type StorageNet } from './storage-net.js'
import { findPiece, leaks, WindowIndex } from './storage-scan.js'

const SEG = 64 * 1024
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')


describe.each(backends())('W3S storage on %s', (backend) => {
  let net: StorageNet
  let alice: Awaited<ReturnType<StorageNet['account']>>
  let bob: Awaited<ReturnType<StorageNet['account']>>

  beforeAll(async () => {
    net = await startStorageNet(backend, 6, { storage: { auditIntervalMs: 200, repairIntervalMs: 300, repairGraceMs: 2000 } })
    alice = await net.account('alice')
    bob = await net.account('bob')
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it.each([0, 1, SEG - 1, SEG, SEG + 1, 5 * SEG + 123])('round-trips %i bytes with identical SHA-256', async (size) => {
    const data = randomBytes(size)
    const obj = await alice.storage.put(chunks(data), size, { segmentSize: SEG })
    expect(obj.size).toBe(size)
    expect(obj.cid).toMatch(/^b[a-z2-7]+$/)
    expect(sha(await roundTrip(alice.storage, obj.cid))).toBe(sha(data))
  })

  it('spreads each segment over distinct nodes and reports their health', async () => {
    const data = randomBytes(3 * SEG)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG })
    const info = await alice.storage.info(obj.cid)
    expect(info.segments).toHaveLength(3)
    for (const seg of info.segments) {
      const nodes = seg.pieces.map((p) => p.nodeId)
      expect(new Set(nodes).size).toBe(nodes.length)
      expect(nodes.length).toBeGreaterThanOrEqual(6)
      expect(seg.healthy).toBe(seg.pieces.length)
    }
    expect(info.object.minHealthyPieces).toBeGreaterThanOrEqual(6)
    expect((await alice.storage.list()).map((o) => o.cid)).toContain(obj.cid)
  })

  it('keeps plaintext off every node disk and keys out of the hub database', async () => {
    const data = randomBytes(2 * SEG + 77)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG })
    const objectKey = unwrapKey((await alice.storage.info(obj.cid)).wrappedKey, alice.identity)
    const index = new WindowIndex(data)
    const needles = [objectKey, Buffer.from(objectKey.toString('hex')), Buffer.from(objectKey.toString('base64')), Buffer.from(objectKey.toString('base64url'))]
    for (const home of net.homes) expect(await leaks(home, index, needles)).toEqual([])
    if (backend === 'pglite') {
      expect(await leaks(net.t.home, index, needles)).toEqual([])
    } else {
      const { default: pg } = await import('pg')
      const { parseDatabaseUrl } = await import('../src/index.js')
      const target = parseDatabaseUrl(net.t.databaseUrl!)
      const client = new pg.Client({ connectionString: target.connectionString })
      await client.connect()
      const tables = await client.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1`, [target.schema])
      for (const { table_name } of tables.rows as Array<{ table_name: string }>) {
        const rows = await client.query(`SELECT t::text AS row FROM ${target.schema}.${table_name} t`)
        const dump = Buffer.from((rows.rows as Array<{ row: string }>).map((r) => r.row).join('\n'))
        expect(needles.some((n) => dump.includes(n)), table_name).toBe(false)
        expect(await index.find(dump), table_name).toBe(-1)
      }
      await client.end()
    }
  })

  it('lets another account neither download nor decrypt until the object is shared', async () => {
    const data = randomBytes(SEG + 5)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG })
    expect(await codeOf(bob.storage.info(obj.cid))).toBe('STORAGE_ACCESS_DENIED')
    expect(await codeOf(roundTrip(bob.storage, obj.cid))).toBe('STORAGE_ACCESS_DENIED')
    const aliceWrapped = (await alice.storage.info(obj.cid)).wrappedKey
    expect(() => unwrapKey(aliceWrapped, bob.identity)).toThrow(expect.objectContaining({ code: 'STORAGE_ACCESS_DENIED' }))
    expect(await codeOf(bob.storage.share(obj.cid, bob.identity.id))).toBe('STORAGE_ACCESS_DENIED')
    expect(await codeOf(bob.storage.remove(obj.cid))).toBe('STORAGE_ACCESS_DENIED')
    await alice.storage.share(obj.cid, bob.identity.id)
    expect(sha(await roundTrip(bob.storage, obj.cid))).toBe(sha(data))
    expect(await codeOf(bob.storage.remove(obj.cid))).toBe('STORAGE_ACCESS_DENIED')
  })

  it('skips corrupted pieces and never returns wrong bytes (random corruptions)', async () => {
    const data = randomBytes(SEG)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG })
    const info = await alice.storage.info(obj.cid)
    const pieces = info.segments[0]!.pieces
    const k = info.manifest.erasure.k
    const files = await Promise.all(pieces.map(async (p) => (await Promise.all(net.homes.map((h) => findPiece(h, p.cid)))).find((f) => f !== undefined)!))
    const originals = await Promise.all(files.map((f) => readFile(f)))
    let rng = 12345
    const rand = (n: number): number => ((rng = (rng * 1103515245 + 12345) % 2 ** 31), rng % n)
    for (let round = 0; round < 8; round++) {
      const corrupt = new Set<number>()
      const howMany = rand(pieces.length + 1)
      while (corrupt.size < howMany) corrupt.add(rand(pieces.length))
      for (const i of corrupt) {
        const bytes = Buffer.from(originals[i]!)
        const at = rand(bytes.length)
        bytes[at] = bytes[at]! ^ (1 + rand(255))
        await writeFile(files[i]!, bytes)
      }
      const intact = pieces.length - corrupt.size
      const result = await roundTrip(alice.storage, obj.cid).then((b) => sha(b), (e: unknown) => (e instanceof W3aiError ? e.code : String(e)))
      expect(result, `round ${round}: ${corrupt.size} corrupted`).toBe(intact >= k ? sha(data) : 'STORAGE_NOT_ENOUGH_PIECES')
      for (const i of corrupt) await writeFile(files[i]!, originals[i]!)
    }
  })

  it('audits pieces: a corrupted piece fails its audit, lowers the node score and is repaired elsewhere', async () => {
    const data = randomBytes(SEG)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG, redundancy: { k: 2, n: 3, repairThreshold: 3 } })
    const before = await alice.storage.info(obj.cid)
    const victim = before.segments[0]!.pieces[0]!
    const file = (await Promise.all(net.homes.map((h) => findPiece(h, victim.cid)))).find((f) => f !== undefined)!
    const bytes = await readFile(file)
    await writeFile(file, Buffer.alloc(bytes.length, 0x5a))
    const client = new HubClient({ url: net.t.hub.url })
    const audits: Array<{ id: string; failed: number }> = []
    const closeEvents = client.events((m) => {
      if (m.type === 'node.audit') audits.push({ id: m.id, failed: m.audit.failed })
    })
    await until(async () => ((await client.getNode(victim.nodeId)).audit?.failed ?? 0) > 0, 20_000)
    await until(async () => audits.some((a) => a.id === victim.nodeId && a.failed > 0), 5000)
    closeEvents()
    expect((await client.getNode(victim.nodeId)).audit!.score).toBeLessThan(1)
    await until(async () => {
      const seg = (await alice.storage.info(obj.cid)).segments[0]!
      const moved = seg.pieces.find((p) => p.index === victim.index)
      return moved !== undefined && moved.nodeId !== victim.nodeId && moved.healthy && seg.healthy === seg.pieces.length
    }, 20_000)
    expect(sha(await roundTrip(alice.storage, obj.cid))).toBe(sha(data))
  })

  it('removes the pieces of a deleted object from the nodes', async () => {
    const data = randomBytes(SEG)
    const obj = await alice.storage.put(chunks(data), data.length, { segmentSize: SEG })
    const cids = (await alice.storage.info(obj.cid)).segments.flatMap((s) => s.pieces.map((p) => p.cid))
    await alice.storage.remove(obj.cid)
    expect(await codeOf(alice.storage.info(obj.cid))).toBe('STORAGE_OBJECT_NOT_FOUND')
    await until(async () => {
      for (const cid of cids) for (const h of net.homes) if ((await findPiece(h, cid)) !== undefined) return false
      return true
    }, 15_000)
  })

  describe('bad input', () => {
    it('refuses malformed and unknown CIDs', async () => {
      expect(await codeOf(alice.storage.info('not-a-cid'))).toBe('STORAGE_BAD_CID')
      expect(await codeOf(alice.storage.info('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'))).toBe('STORAGE_OBJECT_NOT_FOUND')
    })

    it('refuses impossible redundancy and too few nodes, storing nothing', async () => {
      const before = (await alice.storage.list()).length
      const put = (r: { k: number; n: number; repairThreshold: number }) => alice.storage.put(chunks(Buffer.alloc(10)), 10, { redundancy: r })
      expect(await codeOf(put({ k: 6, n: 4, repairThreshold: 5 }))).toBe('STORAGE_BAD_REDUNDANCY')
      expect(await codeOf(put({ k: 4, n: 6, repairThreshold: 3 }))).toBe('STORAGE_BAD_REDUNDANCY')
      expect(await codeOf(put({ k: 4, n: 10, repairThreshold: 5 }))).toBe('STORAGE_NOT_ENOUGH_NODES')
      expect((await alice.storage.list()).length).toBe(before)
    })

    it('refuses forged receipts and a manifest that does not match, leaving no object', async () => {
      const before = (await alice.storage.list()).length
      const upload = await alice.hub.request<{ uploadId: string; totalPieces: number }>('POST', '/v1/storage/uploads', { size: 100, segmentSize: SEG })
      const pieces = Array.from({ length: upload.totalPieces }, (_, index) => ({ index, cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', size: 40 }))
      const { placements } = await alice.hub.request<{ placements: Array<{ index: number; cid: string; nodeId: string }> }>(
        'POST',
        `/v1/storage/uploads/${upload.uploadId}/segments/0/orders`,
        { pieces },
      )
      const forger = generateIdentity('node')
      const forged = placements.map((p) => {
        const receipt = { v: 1 as const, pieceCid: p.cid, nodeId: p.nodeId, size: 40, merkleRoot: '0'.repeat(64), storedAt: Date.now() }
        return { index: p.index, receipt: { receipt, signature: signObject(forger, receipt) } }
      })
      const commit = alice.hub.request('POST', `/v1/storage/uploads/${upload.uploadId}/segments/0/commit`, { plainSize: 100, cipherSize: 116, shardSize: 40, pieces: forged })
      expect(await codeOf(commit)).toBe('STORAGE_RECEIPT_INVALID')
      const complete = alice.hub.request('POST', `/v1/storage/uploads/${upload.uploadId}/complete`, {
        manifest: Buffer.from('{"v":1}').toString('base64url'),
        wrappedKey: { alg: 'X25519-HKDF-SHA256-AES-256-GCM', epk: 'A'.repeat(43), nonce: 'A'.repeat(16), ct: 'A'.repeat(64) },
      })
      expect(await codeOf(complete)).toBe('STORAGE_MANIFEST_INVALID')
      expect(await codeOf(bob.hub.request('POST', `/v1/storage/uploads/${upload.uploadId}/segments/0/orders`, { pieces }))).toBe('STORAGE_UPLOAD_NOT_FOUND')
      expect((await alice.storage.list()).length).toBe(before)
    })

    it('refuses uploads over the quota', async () => {
      const small = await startStorageNet(backend, 6, { storage: { storageQuotaBytes: 1000 } })
      try {
        const carol = await small.account('carol')
        expect(await codeOf(carol.storage.put(chunks(Buffer.alloc(2000)), 2000))).toBe('STORAGE_QUOTA_EXCEEDED')
        await carol.storage.put(chunks(Buffer.alloc(600)), 600)
        expect(await codeOf(carol.storage.put(chunks(Buffer.alloc(600)), 600))).toBe('STORAGE_QUOTA_EXCEEDED')
        expect((await carol.storage.list()).length).toBe(1)
      } finally {
        await small.close()
      }
    }, 90_000)

    it('refuses storage calls without a registered account', async () => {
      const stranger = generateIdentity('account')
      const storage = new StorageClient(new HubClient({ url: net.t.hub.url, identity: stranger }), stranger)
      expect(await codeOf(storage.put(chunks(Buffer.alloc(1)), 1))).toBe('ACCOUNT_NOT_FOUND')
    })
  })
})
