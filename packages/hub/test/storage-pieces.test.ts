/**
 * Piece bookkeeping at the store level: which pieces the collector may remove from a node. A piece
 * (CID on a node) leaves the node only when no live object, no upload in progress and no other
 * row still references it (issue 8 A1, B9).
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import { utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { generateIdentity } from '@w3ai/crypto'
import { createNodeAgent, type NodeAgent } from '@w3ai/node'
import { putPiece } from '@w3ai/sdk'
import type { HubEvent } from '@w3ai/protocol'
import { pieceCid } from '@w3ai/storage'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Database } from '../src/db/types.js'
import { StorageMaintenance } from '../src/domains/storage/maintenance.js'
import { issueOrder } from '../src/domains/storage/orders.js'
import { listNodePieces } from '../src/domains/storage/orphans.js'
import { PieceRecordStore } from '../src/domains/storage/piece-record-store.js'
import { HubRouter } from '../src/domains/compute/routing.js'
import { NodeStore } from '../src/domains/nodes/store.js'
import { ObjectStore } from '../src/domains/storage/object-store.js'
import { backends, dropSchema, freshDatabaseUrl, openFreshDatabase, tempHome, until } from './helpers.js'

const GRACE_MS = 60_000
/** Placement by the hub router's index over the nodes table as loaded (these tests publish no events). */
const placementOf = (db: Database): HubRouter => new HubRouter(new NodeStore(db), { subscribe: () => () => undefined }, { refreshMs: 0 })
const cid = (): string => `bafkrei${randomBytes(20).toString('hex').slice(0, 52)}`

/** Rows as a completed upload leaves them: the upload, its committed segment, its pieces, the object. */
async function storeObject(db: Database, o: { objectCid: string; owner: string; pieces: Array<{ cid: string; nodeId: string }>; repairThreshold?: number }): Promise<string> {
  const uploadId = `u_${randomBytes(12).toString('hex')}`
  await db.query(
    `INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at, completed_at)
     VALUES ($1, $2, 100, 65536, 1, 2, 1, 2, now() + interval '1 day', now())`,
    [uploadId, o.owner],
  )
  await db.query(
    `INSERT INTO objects (cid, upload_id, owner, size, segments, k, n, repair_threshold, manifest) VALUES ($1, $2, $3, 100, 1, 1, 2, $4, $5::jsonb)`,
    [o.objectCid, uploadId, o.owner, o.repairThreshold ?? 1, JSON.stringify({ segments: [{ plainSize: 10, cipherSize: 26, shardSize: 50, pieces: [] }], erasure: { k: 1, n: 2, total: 2 } })],
  )
  for (const [i, p] of o.pieces.entries()) {
    await db.query(
      `INSERT INTO pieces (upload_id, seg, piece_index, object_cid, cid, node_id, size, merkle_root) VALUES ($1, 0, $2, $3, $4, $5, 50, 'root')`,
      [uploadId, i, o.objectCid, p.cid, p.nodeId],
    )
  }
  return uploadId
}

async function addNode(db: Database, id: string, endpoint = 'http://127.0.0.1:1'): Promise<void> {
  await db.query(
    `INSERT INTO nodes (id, public_key, name, version, region, location, capabilities, endpoint, status, last_seen_at)
     VALUES ($1, $1, $1, '0', 'eu-west', '{"lat":0,"lon":0}'::jsonb, '{"diskGb":10}'::jsonb, $2, 'online', now())`,
    [id, endpoint],
  )
}

describe.each(backends())('piece references on %s', (backend) => {
  let db: Database
  let cleanup: () => Promise<void>
  let url: string | undefined
  let pieces: PieceRecordStore
  let objects: ObjectStore

  beforeEach(async () => {
    const home = await tempHome('w3ai-pieces-')
    url = freshDatabaseUrl(backend)
    db = await openFreshDatabase(home.dir, url)
    cleanup = home.cleanup
    pieces = new PieceRecordStore(db, GRACE_MS)
    objects = new ObjectStore(db, GRACE_MS)
    await addNode(db, 'n_a')
    await addNode(db, 'n_b')
  })
  afterEach(async () => {
    await db.close()
    await cleanup()
    if (url !== undefined) await dropSchema(url)
  })

  it("keeps on its node a piece another live object references when a sharee deletes its copy", async () => {
    const shared = [{ cid: cid(), nodeId: 'n_a' }, { cid: cid(), nodeId: 'n_b' }]
    await storeObject(db, { objectCid: 'bafyowner', owner: 'a_owner', pieces: shared })
    await storeObject(db, { objectCid: 'bafysharee', owner: 'a_sharee', pieces: shared })

    await objects.delete('bafysharee')

    expect(await pieces.deleted(50)).toEqual([])
    // The sharee's rows go without a node being asked to delete anything; the owner's stay.
    expect(await pieces.forgetReferenced(50)).toBe(2)
    const left = await db.query<{ object_cid: string }>('SELECT object_cid FROM pieces')
    expect(left.rows.map((r) => r.object_cid)).toEqual(['bafyowner', 'bafyowner'])
    expect((await objects.pieces('bafyowner')).every((p) => p.healthy)).toBe(true)
  })

  it('removes a piece once the last object referencing it on that node is deleted', async () => {
    const same = cid()
    await storeObject(db, { objectCid: 'bafyone', owner: 'a_one', pieces: [{ cid: same, nodeId: 'n_a' }] })
    await storeObject(db, { objectCid: 'bafytwo', owner: 'a_two', pieces: [{ cid: same, nodeId: 'n_b' }] })

    await objects.delete('bafyone')

    // Same CID on another node is another piece: this one is unreferenced on n_a.
    expect((await pieces.deleted(50)).map((p) => [p.cid, p.nodeId])).toEqual([[same, 'n_a']])
  })

  it("judges a piece's node by the shared heartbeat record, not by the status a hub last wrote", async () => {
    const uploadId = await storeObject(db, { objectCid: 'bafyobj', owner: 'a_one', pieces: [{ cid: cid(), nodeId: 'n_a' }, { cid: cid(), nodeId: 'n_b' }] })
    // n_a was marked offline long ago by a hub that lost its socket; another hub still records its
    // heartbeats. n_b was marked offline long ago and nobody has heard from it since.
    await db.query(`UPDATE nodes SET status = 'offline', status_changed_at = now() - interval '2 hours', last_seen_at = now() WHERE id = 'n_a'`)
    await db.query(`UPDATE nodes SET status = 'offline', status_changed_at = now() - interval '2 hours', last_seen_at = now() - interval '2 hours' WHERE id = 'n_b'`)

    const health = new Map((await objects.pieces('bafyobj')).map((p) => [p.nodeId, p.healthy]))
    expect(health).toEqual(new Map([['n_a', true], ['n_b', false]]))
    expect((await pieces.segment(uploadId, 0)).map((p) => [p.nodeId, p.healthy])).toEqual([['n_a', true], ['n_b', false]])
  })

  it('keeps a piece an upload in progress was ordered to put on that node', async () => {
    const same = cid()
    await storeObject(db, { objectCid: 'bafygone', owner: 'a_one', pieces: [{ cid: same, nodeId: 'n_a' }] })
    const pending = `u_${randomBytes(12).toString('hex')}`
    await db.query(
      `INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at) VALUES ($1, 'a_two', 100, 65536, 1, 2, 1, 2, now() + interval '1 day')`,
      [pending],
    )
    await db.query(`INSERT INTO upload_segments (upload_id, seg, placements) VALUES ($1, 0, $2::jsonb)`, [pending, JSON.stringify([{ index: 0, cid: same, nodeId: 'n_a', size: 50 }])])

    await objects.delete('bafygone')

    expect(await pieces.deleted(50)).toEqual([])
  })
})

describe.each(backends())('orphan pieces on %s', (backend) => {
  const networkKey = generateIdentity('account')
  const HOUR = 3600_000
  let db: Database
  let home: Awaited<ReturnType<typeof tempHome>>
  let url: string | undefined
  let node: NodeAgent
  let maintenance: StorageMaintenance
  const logs: string[] = []

  /** Puts random bytes on the node as a piece; `ageMs` back-dates its file (its stored time). */
  const put = async (ageMs = 0): Promise<string> => {
    const bytes = randomBytes(200)
    const cid = pieceCid(bytes)
    await putPiece({ cid, endpoint: node.url, order: issueOrder(networkKey, 'put', cid, node.id, bytes.length) }, bytes)
    const at = (Date.now() - ageMs) / 1000
    await utimes(join(home.dir, 'node', 'pieces', cid.slice(-3, -1), cid), at, at)
    return cid
  }
  const held = async (): Promise<string[]> => {
    return (await listNodePieces(node.url, networkKey, null)).pieces.map((p) => p.cid).sort()
  }

  beforeEach(async () => {
    home = await tempHome('w3ai-orphans-')
    url = freshDatabaseUrl(backend)
    db = await openFreshDatabase(home.dir, url)
    node = createNodeAgent({ home: join(home.dir, 'node'), hubUrl: 'http://127.0.0.1:9', logLevel: false, reconnect: { initialMs: 5000, maxMs: 5000, jitter: 0 }, diskGb: 1, orderKey: networkKey.publicKey })
    await node.start()
    await addNode(db, node.id, node.url)
    const pieces = new PieceRecordStore(db, GRACE_MS)
    maintenance = new StorageMaintenance({
      pieces, objects: new ObjectStore(db, GRACE_MS), placement: placementOf(db), nodes: { get: async () => undefined } as never, networkKey,
      bus: { publish: () => undefined, subscribe: () => () => undefined }, collectIntervalMs: 60_000, auditIntervalMs: 60_000, repairIntervalMs: 60_000, auditsPerRound: 0,
      orphanGraceMs: HOUR, onError: (err) => logs.push(String(err)), log: (msg) => logs.push(msg),
    })
  })
  afterEach(async () => {
    await node.stop()
    await db.close()
    await home.cleanup()
    if (url !== undefined) await dropSchema(url)
  })

  it('deletes old pieces no record references and keeps referenced and recent ones', async () => {
    const live = await put(2 * HOUR)
    await put(2 * HOUR) // an orphan
    const recent = await put(0)
    await storeObject(db, { objectCid: 'bafylive', owner: 'a_one', pieces: [{ cid: live, nodeId: node.id }] })

    const deleted = await maintenance.sweepOrphans()
    expect(logs.filter((l) => l.includes('failed'))).toEqual([])
    expect(deleted).toBe(1)

    expect(await held()).toEqual([live, recent].sort())
  })

  it("releases an abandoned upload's pieces to the collector, sparing a CID a live object shares", async () => {
    const shared = await put(2 * HOUR)
    const own = await put(2 * HOUR)
    await storeObject(db, { objectCid: 'bafylive', owner: 'a_one', pieces: [{ cid: shared, nodeId: node.id }] })
    const abandoned = `u_${randomBytes(12).toString('hex')}`
    await db.query(
      `INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at) VALUES ($1, 'a_two', 100, 65536, 1, 2, 1, 2, now() - interval '1 minute')`,
      [abandoned],
    )
    for (const [i, cid] of [shared, own].entries()) {
      await db.query(`INSERT INTO pieces (upload_id, seg, piece_index, cid, node_id, size, merkle_root) VALUES ($1, 0, $2, $3, $4, 200, 'root')`, [abandoned, i, cid, node.id])
    }

    await maintenance.sweepOrphans()
    await maintenance.collect()

    expect(await held()).toEqual([shared])
    const rows = await db.query<{ upload_id: string }>('SELECT upload_id FROM pieces')
    expect(rows.rows.map((r) => r.upload_id)).not.toContain(abandoned)
    await maintenance.sweepOrphans()
    expect((await db.query('SELECT 1 FROM uploads WHERE id = $1', [abandoned])).rowCount).toBe(0)
  })
})

describe.each(backends())('repair with nowhere to place pieces on %s', (backend) => {
  let db: Database
  let home: Awaited<ReturnType<typeof tempHome>>
  let url: string | undefined
  let objects: ObjectStore
  let pieces: PieceRecordStore
  let maintenance: StorageMaintenance
  let requests = 0
  /** What the maintenance listens to on the bus; tests tell it of nodes joining. */
  let emit: (e: HubEvent) => void = () => undefined
  const server = createServer((_req, res) => {
    requests++
    res.writeHead(500).end()
  })

  beforeEach(async () => {
    requests = 0
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    home = await tempHome('w3ai-repair-')
    url = freshDatabaseUrl(backend)
    db = await openFreshDatabase(home.dir, url)
    // n_a holds the surviving piece (and counts any request); n_b, holder of the other, is long gone.
    await addNode(db, 'n_a', endpoint)
    await addNode(db, 'n_b', endpoint)
    await db.query(`UPDATE nodes SET status = 'offline', last_seen_at = now() - interval '2 hours' WHERE id = 'n_b'`)
    objects = new ObjectStore(db, GRACE_MS)
    pieces = new PieceRecordStore(db, GRACE_MS)
    maintenance = new StorageMaintenance({
      pieces, objects, placement: placementOf(db), nodes: { get: async () => undefined } as never, networkKey: generateIdentity('account'),
      bus: {
        publish: () => undefined,
        subscribe: (fn) => {
          emit = fn
          return () => (emit = () => undefined)
        },
      }, collectIntervalMs: 60_000, auditIntervalMs: 60_000, repairIntervalMs: 1000, auditsPerRound: 0,
      onError: () => undefined, log: () => undefined,
    })
  })
  afterEach(async () => {
    await maintenance.stop()
    server.close()
    await db.close()
    await home.cleanup()
    if (url !== undefined) await dropSchema(url)
  })

  it('checks for a place before fetching, backs off exponentially and reports the object under-replicated', async () => {
    const uploadId = await storeObject(db, { objectCid: 'bafyobj', owner: 'a_one', repairThreshold: 2, pieces: [{ cid: cid(), nodeId: 'n_a' }, { cid: cid(), nodeId: 'n_b' }] })
    expect((await objects.get('bafyobj'))?.summary.health).toEqual({ state: 'repairing', healthyPieces: 1, needed: 1, target: 2 })

    await maintenance.repair()

    expect(requests).toBe(0)
    expect((await objects.get('bafyobj'))?.summary.health?.state).toBe('under-replicated')
    const wait = async (): Promise<number> => {
      const r = await db.query<{ attempts: number; ms: string | number }>(
        `SELECT attempts, extract(epoch FROM next_attempt_at - updated_at) * 1000 AS ms FROM segment_repairs WHERE upload_id = $1`,
        [uploadId],
      )
      return Math.round(Number(r.rows[0]?.ms) / 1000)
    }
    expect(await wait()).toBe(1)
    // Within the backoff the segment is not tried again.
    expect(await pieces.needingRepair(10)).toEqual([])
    await maintenance.repair()
    expect((await db.query<{ attempts: number }>('SELECT attempts FROM segment_repairs')).rows[0]?.attempts).toBe(1)
    // Once it runs out, the next failure doubles it.
    await db.query(`UPDATE segment_repairs SET next_attempt_at = now() - interval '1 second'`)
    await maintenance.repair()
    expect(await wait()).toBe(2)
    await db.query(`UPDATE segment_repairs SET next_attempt_at = now() - interval '1 second'`)
    await maintenance.repair()
    expect(await wait()).toBe(4)
    expect(requests).toBe(0)

    // A node comes back (its heartbeat is recorded): the segment is whole, the object healthy again.
    await db.query(`UPDATE nodes SET status = 'online', last_seen_at = now() WHERE id = 'n_b'`)
    await maintenance.repair()
    expect((await db.query('SELECT 1 FROM segment_repairs')).rowCount).toBe(0)
    expect((await objects.get('bafyobj'))?.summary.health?.state).toBe('healthy')
  })

  it('retries a backed-off repair at once when a node joins or comes back online', async () => {
    const uploadId = await storeObject(db, { objectCid: 'bafyjoin', owner: 'a_one', repairThreshold: 2, pieces: [{ cid: cid(), nodeId: 'n_a' }, { cid: cid(), nodeId: 'n_b' }] })
    await maintenance.repair()
    await db.query(`UPDATE segment_repairs SET next_attempt_at = now() + interval '1 hour'`)
    expect(await pieces.needingRepair(10)).toEqual([])
    const attempts = async (): Promise<number> =>
      (await db.query<{ attempts: number }>('SELECT attempts FROM segment_repairs WHERE upload_id = $1', [uploadId])).rows[0]?.attempts ?? 0
    expect(await attempts()).toBe(1)

    maintenance.start()
    emit({ type: 'node.status', id: 'n_c', status: 'online', at: new Date().toISOString() })
    await until(async () => (await attempts()) === 2, 10_000)
    // Still nowhere to place it: the next wait is the doubled one, not the hour.
    const r = await db.query<{ ms: string | number }>('SELECT extract(epoch FROM next_attempt_at - now()) * 1000 AS ms FROM segment_repairs')
    expect(Number(r.rows[0]?.ms)).toBeLessThan(60 * 60_000)
  })

  it('finishes a repair that placed only some pieces: the segment stays due until every piece is healthy', async () => {
    await addNode(db, 'n_c', 'http://127.0.0.1:1')
    await db.query(`UPDATE nodes SET status = 'offline', last_seen_at = now() - interval '2 hours' WHERE id = 'n_c'`)
    // Three pieces, repair at 2: with n_b gone it is at 2 of 3, not due by the threshold alone.
    const uploadId = await storeObject(db, { objectCid: 'bafypart', owner: 'a_one', repairThreshold: 2, pieces: [{ cid: cid(), nodeId: 'n_a' }, { cid: cid(), nodeId: 'n_c' }, { cid: cid(), nodeId: 'n_b' }] })
    await db.query(`UPDATE nodes SET status = 'online', last_seen_at = now() WHERE id = 'n_c'`)
    expect(await pieces.needingRepair(10)).toEqual([])
    // A repair that started below the threshold and found a home for only some pieces left a record.
    await pieces.repairFailed(uploadId, 0, 'nowhere to place 1 piece(s)', 1000, 60_000)
    await db.query(`UPDATE segment_repairs SET next_attempt_at = now() - interval '1 second'`)
    expect((await pieces.needingRepair(10)).map((s) => [s.uploadId, s.healthy])).toEqual([[uploadId, 2]])
    await pieces.clearSettledRepairs()
    expect((await db.query('SELECT 1 FROM segment_repairs')).rows).toHaveLength(1)
    // Whole again: the record goes and the segment is no longer due.
    await db.query(`UPDATE nodes SET status = 'online', last_seen_at = now() WHERE id = 'n_b'`)
    await pieces.clearSettledRepairs()
    expect((await db.query('SELECT 1 FROM segment_repairs')).rows).toHaveLength(0)
    expect(await pieces.needingRepair(10)).toEqual([])
  })

  it('reports an object lost when a segment has fewer healthy pieces than it needs', async () => {
    await storeObject(db, { objectCid: 'bafylost', owner: 'a_one', repairThreshold: 2, pieces: [{ cid: cid(), nodeId: 'n_b' }] })
    expect((await objects.get('bafylost'))?.summary.health).toEqual({ state: 'lost', healthyPieces: 0, needed: 1, target: 2 })
  })
})
