/**
 * Cursor paging of every list endpoint (issue 8 B10): keyset pages over (created_at, id), newest
 * first, with no repeats and no gaps while rows are inserted between pages; refusals of bad
 * cursors and limits; the SDK's async iterators against a hub, through app.inject.
 */
import { randomBytes } from 'node:crypto'
import { generateIdentity } from '@w3ai/crypto'
import { W3aiError, type PageQuery } from '@w3ai/protocol'
import { HubClient, JobsClient, DeploymentsClient, StorageClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database, Queryable } from '../src/index.js'
import { JobStore } from '../src/domains/compute/store.js'
import { DeploymentStore } from '../src/domains/serving/store.js'
import { ObjectStore } from '../src/domains/storage/object-store.js'
import { decodeCursor, encodeCursor, type Page } from '../src/infra/paging.js'
import { backends, codeOf, dropSchema, freshDatabaseUrl, injectFetch, openFreshDatabase, INJECT_URL, startTestHub, tempHome, type TestHub } from './helpers.js'

const BASE = '2026-01-01T00:00:00.000000Z'

/** `count` jobs of `owner`: the first 100 share one created_at (ties broken by id), the rest are 1 µs apart; ids unrelated to time. */
async function insertJobs(db: Queryable, owner: string, count: number, at = BASE): Promise<void> {
  await db.query(
    `INSERT INTO jobs (id, owner, executor, spec, created_at)
     SELECT 'j_' || substr(md5(g::text || $3), 1, 24), $1, 'wasm', '{}'::jsonb,
            $2::timestamptz + (CASE WHEN g <= 100 THEN 0 ELSE g END) * interval '1 microsecond'
     FROM generate_series(1, $4::int) g`,
    [owner, at, randomBytes(8).toString('hex'), count],
  )
}

async function insertDeployments(db: Queryable, owner: string, count: number, at = BASE): Promise<void> {
  await db.query(
    `INSERT INTO deployments (id, owner, model_cid, status, replicas, max_batch, created_at)
     SELECT 'd_' || substr(md5(g::text || $3), 1, 24), $1, 'bafkqaaa', 'active', 1, 1,
            $2::timestamptz + (CASE WHEN g <= 40 THEN 0 ELSE g END) * interval '1 microsecond'
     FROM generate_series(1, $4::int) g`,
    [owner, at, randomBytes(8).toString('hex'), count],
  )
}

/** Objects owned by `owner`, readable by each of `readers` (a key row each); CIDs are bafk + 32 base32 characters. */
async function insertObjects(db: Queryable, owner: string, readers: string[], count: number, at = BASE, deleted = false): Promise<void> {
  const seed = randomBytes(8).toString('hex')
  await db.query(
    `INSERT INTO objects (cid, upload_id, owner, name, size, segments, k, n, repair_threshold, manifest, created_at, deleted_at)
     SELECT 'bafk' || translate(md5(g::text || $3), '0189', 'qrst'), 'u_x', $1, 'f' || g, 1, 1, 1, 2, 1, '{}'::jsonb,
            $2::timestamptz + (CASE WHEN g <= 30 THEN 0 ELSE g END) * interval '1 microsecond', CASE WHEN $5 THEN now() END
     FROM generate_series(1, $4::int) g`,
    [owner, at, seed, count, deleted],
  )
  for (const reader of readers) {
    await db.query(
      `INSERT INTO object_keys (object_cid, account_id, wrapped_key, granted_by)
       SELECT 'bafk' || translate(md5(g::text || $2), '0189', 'qrst'), $1, '{}'::jsonb, $3 FROM generate_series(1, $4::int) g`,
      [reader, seed, owner, count],
    )
  }
}

/** Walks every page, calling `between` after each one; returns the keys seen in order and the page sizes. */
async function walk<T>(list: (request: PageQuery) => Promise<Page<T>>, key: (item: T) => string, limit: number, between: () => Promise<void> = async () => undefined): Promise<{ keys: string[]; sizes: number[] }> {
  const keys: string[] = []
  const sizes: number[] = []
  let cursor: string | undefined
  for (let pages = 0; pages < 1000; pages++) {
    const page = await list({ limit, ...(cursor === undefined ? {} : { cursor }) })
    keys.push(...page.items.map(key))
    sizes.push(page.items.length)
    if (page.nextCursor === null) return { keys, sizes }
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
    cursor = page.nextCursor
    await between()
  }
  throw new Error('the pages never ended')
}

const expectedOrder = async (db: Queryable, sql: string, params: unknown[]): Promise<string[]> => (await db.query<{ k: string }>(sql, params)).rows.map((r) => r.k)

describe.each(backends())('list paging on %s', (backend) => {
  let db: Database
  let cleanup: () => Promise<void>
  const url = freshDatabaseUrl(backend)

  beforeAll(async () => {
    const home = await tempHome()
    cleanup = home.cleanup
    db = await openFreshDatabase(home.dir, url)
  })
  afterAll(async () => {
    await db?.close()
    await cleanup?.()
    if (url !== undefined) await dropSchema(url)
  })

  it('pages through 250 jobs newest first with no repeats or gaps, while jobs are inserted between pages', async () => {
    const jobs = new JobStore(db)
    const owner = 'a_00000000000000000001'
    await insertJobs(db, owner, 250)
    await insertJobs(db, 'a_00000000000000000002', 30) // another owner's: never listed
    const expected = await expectedOrder(db, 'SELECT id AS k FROM jobs WHERE owner = $1 ORDER BY created_at DESC, id DESC', [owner])
    expect(expected).toHaveLength(250)

    // Between pages: a newer job (before every cursor: not in later pages) and an older one (after them: listed at the end).
    const older: string[] = []
    let i = 0
    const between = async (): Promise<void> => {
      i++
      await db.query(`INSERT INTO jobs (id, owner, executor, spec, created_at) VALUES ($1, $2, 'wasm', '{}', $3::timestamptz + interval '1 day')`, [`j_${'a'.repeat(20)}${String(i).padStart(4, '0')}`, owner, BASE])
      const id = `j_${'b'.repeat(20)}${String(i).padStart(4, '0')}`
      older.push(id)
      await db.query(`INSERT INTO jobs (id, owner, executor, spec, created_at) VALUES ($1, $2, 'wasm', '{}', $3::timestamptz - interval '1 day')`, [id, owner, BASE])
    }
    const { keys, sizes } = await walk((r) => jobs.list(owner, r), (j) => j.id, 37, between)

    expect(new Set(keys).size).toBe(keys.length) // no repeats
    expect(keys.slice(0, 250)).toEqual(expected) // every original job once, in order
    expect(keys.slice(250).length).toBeGreaterThan(0) // then older ones inserted meanwhile, and nothing else
    expect(keys.slice(250).every((k) => older.includes(k))).toBe(true)
    expect(sizes.slice(0, -1).every((n) => n === 37)).toBe(true)
    expect(keys.every((k) => !k.startsWith('j_aaaa'))).toBe(true)

    // A fresh walk from the start sees everything, newer ones first.
    const all = await walk((r) => jobs.list(owner, r), (j) => j.id, 500)
    expect(all.keys).toHaveLength(250 + 2 * i)
    expect(all.sizes).toEqual([250 + 2 * i])
  })

  it('answers 100 jobs by default, and the owner only', async () => {
    const jobs = new JobStore(db)
    const first = await jobs.list('a_00000000000000000001')
    expect(first.items).toHaveLength(100)
    expect(first.nextCursor).not.toBeNull()
    const other = await jobs.list('a_00000000000000000002')
    expect(other.items.map((j) => j.owner)).toEqual(Array(30).fill('a_00000000000000000002'))
    expect(other.nextCursor).toBeNull()
    expect((await jobs.list('a_00000000000000000009')).items).toEqual([])
  })

  it('pages deployments the same way', async () => {
    const store = new DeploymentStore(db)
    const owner = 'a_00000000000000000003'
    await insertDeployments(db, owner, 120)
    await insertDeployments(db, 'a_00000000000000000004', 5)
    const expected = await expectedOrder(db, 'SELECT id AS k FROM deployments WHERE owner = $1 ORDER BY created_at DESC, id DESC', [owner])
    const { keys, sizes } = await walk((r) => store.list(owner, r), (d) => d.id, 50, async () => {
      await db.query(`INSERT INTO deployments (id, owner, model_cid, status, replicas, max_batch, created_at) VALUES ($1, $2, 'bafkqaaa', 'active', 1, 1, $3::timestamptz + interval '1 day')`, [`d_${randomBytes(12).toString('hex')}`, owner, BASE])
    })
    expect(keys).toEqual(expected)
    expect(sizes).toEqual([50, 50, 20])
  })

  it("pages the objects an account may read (own and shared, not deleted, not others')", async () => {
    const store = new ObjectStore(db, 60_000)
    const alice = 'a_00000000000000000005'
    const bob = 'a_00000000000000000006'
    await insertObjects(db, alice, [alice], 130)
    await insertObjects(db, bob, [bob, alice], 12, '2026-01-01T00:00:00.000050Z') // shared with alice, interleaved in time
    await insertObjects(db, bob, [bob], 7)
    await insertObjects(db, alice, [alice], 4, BASE, true) // deleted
    const expected = await expectedOrder(
      db,
      `SELECT o.cid AS k FROM objects o JOIN object_keys k ON k.object_cid = o.cid WHERE k.account_id = $1 AND o.deleted_at IS NULL ORDER BY o.created_at DESC, o.cid DESC`,
      [alice],
    )
    expect(expected).toHaveLength(142)
    const { keys } = await walk((r) => store.listFor(alice, r), (o) => o.cid, 25)
    expect(keys).toEqual(expected)
    expect((await walk((r) => store.listFor(bob, r), (o) => o.cid, 5)).keys).toHaveLength(19)
  })

  it('refuses a cursor it did not give out with INVALID_CURSOR', async () => {
    const jobs = new JobStore(db)
    const owner = 'a_00000000000000000001'
    const good = (await jobs.list(owner, { limit: 1 })).nextCursor as string
    const [at, id] = decodeCursor('jobs', good, [/./, /./]) as [string, string]
    const bad = [
      '', // empty
      'not a cursor!', // not base64url
      Buffer.from('{"no":"array"}').toString('base64url'),
      Buffer.from('[[[').toString('base64url'), // not JSON
      encodeCursor('deployments', [at, 'd_' + '0'.repeat(24)]), // another list's
      encodeCursor('jobs', [at]), // too short
      encodeCursor('jobs', [at, id, 'x']), // too long
      encodeCursor('jobs', ['2026-01-01T00:00:00Z', id]), // time without microseconds
      encodeCursor('jobs', ['yesterday', id]),
      encodeCursor('jobs', [at, "j_' OR 1=1 --"]), // not a job id
      'A'.repeat(600), // too long
      good.slice(0, -3),
    ]
    for (const cursor of bad) expect(await codeOf(jobs.list(owner, { cursor })), cursor).toBe('INVALID_CURSOR')
    expect(await codeOf(new DeploymentStore(db).list(owner, { cursor: good }))).toBe('INVALID_CURSOR')
    expect(await codeOf(new ObjectStore(db, 1).listFor(owner, { cursor: good }))).toBe('INVALID_CURSOR')
    expect(new W3aiError('INVALID_CURSOR').status).toBe(400)
  })
})

describe.each(backends())('list endpoints and the SDK iterators against a hub on %s', (backend) => {
  let t: TestHub
  let cleanup: () => Promise<void>
  const me = generateIdentity('account')
  let hub: HubClient

  beforeAll(async () => {
    // The rows go in before the hub opens the database (an embedded database has one owner at a time).
    const home = await tempHome()
    cleanup = home.cleanup
    const databaseUrl = freshDatabaseUrl(backend)
    const db = await openFreshDatabase(home.dir, databaseUrl)
    await insertJobs(db, me.id, 250)
    await insertJobs(db, generateIdentity('account').id, 20)
    await insertDeployments(db, me.id, 120)
    await insertObjects(db, me.id, [me.id], 105)
    await db.close()
    t = await startTestHub(backend, { home: home.dir, listen: false, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    hub = new HubClient({ url: INJECT_URL, identity: me, fetch: injectFetch(t.hub.app) })
    await hub.createAccount()
  })
  afterAll(async () => {
    await t?.close()
    await cleanup?.()
  })

  it('GET /v1/jobs answers a page with nextCursor; the SDK iterator follows every page', async () => {
    const jobs = new JobsClient(hub, me)
    const first = await jobs.list()
    expect(first).toHaveLength(100)
    expect(first.nextCursor).toEqual(expect.any(String))
    const small = await jobs.list({ limit: 7 })
    expect(small.map((j) => j.id)).toEqual(first.slice(0, 7).map((j) => j.id))
    const next = await jobs.list({ limit: 7, cursor: small.nextCursor as string })
    expect(next.map((j) => j.id)).toEqual(first.slice(7, 14).map((j) => j.id))

    const seen: string[] = []
    for await (const job of jobs.all({ limit: 60 })) seen.push(job.id)
    expect(seen).toHaveLength(250)
    expect(new Set(seen).size).toBe(250)
    expect(seen.slice(0, 100)).toEqual(first.map((j) => j.id))
    const last = await jobs.list({ limit: 500 })
    expect([last.length, last.nextCursor]).toEqual([250, null])
    expect(last.map((j) => j.id)).toEqual(seen)
  })

  it('pages deployments and objects through the SDK too', async () => {
    const deployments: string[] = []
    for await (const d of new DeploymentsClient(hub, me).all({ limit: 50 })) deployments.push(d.id)
    expect(new Set(deployments).size).toBe(120)
    const storage = new StorageClient(hub, me)
    const page = await storage.list()
    expect([page.length, page.nextCursor === null]).toEqual([100, false])
    const objects: string[] = []
    for await (const o of storage.all()) objects.push(o.cid)
    expect(new Set(objects).size).toBe(105)
    // A page compares and serializes like the array list() answered before paging.
    expect(JSON.parse(JSON.stringify(page))).toEqual([...page])
  })

  it('pages nodes with the same opaque cursors', async () => {
    const page = await hub.listNodes({ limit: 1 })
    expect(page.nextCursor).toBeNull() // no nodes registered
    expect(await codeOf(hub.listNodes({ cursor: 'n_' + '0'.repeat(20) }))).toBe('INVALID_CURSOR')
    expect(await codeOf(hub.listNodes({ cursor: encodeCursor('nodes', ['n_' + '0'.repeat(20)]) }))).toBe('resolved')
    const nodes: unknown[] = []
    for await (const n of hub.iterateNodes()) nodes.push(n)
    expect(nodes).toEqual([])
  })

  it('refuses a bad cursor with INVALID_CURSOR and a bad limit with VALIDATION_FAILED on every list', async () => {
    const jobsCursor = (await new JobsClient(hub, me).list({ limit: 1 })).nextCursor as string
    for (const path of ['/v1/jobs', '/v1/deployments', '/v1/storage/objects', '/v1/nodes']) {
      const get = (query: Record<string, string | number>): Promise<unknown> => hub.request('GET', path, undefined, { query })
      expect(await codeOf(get({ cursor: 'garbage!' })), path).toBe('INVALID_CURSOR')
      expect(await codeOf(get({ cursor: Buffer.from('[1,2]').toString('base64url') })), path).toBe('INVALID_CURSOR')
      if (path !== '/v1/jobs') expect(await codeOf(get({ cursor: jobsCursor })), path).toBe('INVALID_CURSOR')
      for (const limit of [0, 501, -1, 'ten', 1.5]) expect(await codeOf(get({ limit })), `${path} limit=${limit}`).toBe('VALIDATION_FAILED')
      expect(await codeOf(get({ limit: 500 })), path).toBe('resolved')
      expect(await codeOf(get({ limit: 1 })), path).toBe('resolved')
    }
    const res = await t.hub.app.inject({ method: 'GET', url: '/v1/nodes?cursor=%21' })
    expect([res.statusCode, (JSON.parse(res.body) as { error: { code: string } }).error.code]).toEqual([400, 'INVALID_CURSOR'])
  })
})
