/** The registry's liveness statements on a real database: batched status changes, and the sweep's hub lease. */
import { afterEach, describe, expect, it } from 'vitest'
import type { Database } from '../src/index.js'
import { NodeStore } from '../src/domains/nodes/store.js'
import { backends, dropSchema, freshDatabaseUrl, openFreshDatabase, sampleRegistration, tempHome } from './helpers.js'

describe.each(backends())('node store liveness on %s', (backend) => {
  let db: Database | undefined
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    await db?.close()
    db = undefined
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function open(): Promise<{ d: Database; store: NodeStore }> {
    const home = await tempHome()
    const url = freshDatabaseUrl(backend)
    cleanups.push(home.cleanup)
    if (url !== undefined) cleanups.push(() => dropSchema(url))
    db = await openFreshDatabase(home.dir, url)
    const store = new NodeStore(db)
    for (const [i, hub] of ['hub_live', 'hub_live', 'hub_gone', 'hub_gone'].entries()) {
      await store.upsert(`n_${String(i).padStart(20, '0')}`, `key${i}`, sampleRegistration({ name: `n${i}` }) as never, hub)
      await store.markOnline(`n_${String(i).padStart(20, '0')}`, hub)
    }
    await store.stop()
    return { d: db, store }
  }
  const id = (i: number): string => `n_${String(i).padStart(20, '0')}`

  it('changes many statuses in one statement and reports only the nodes that changed', async () => {
    const { store } = await open()
    const changed = await store.setStatuses([id(0), id(1), id(2)], 'suspect')
    expect(changed.map((c) => c.id).sort()).toEqual([id(0), id(1), id(2)])
    expect(await store.setStatuses([id(0), id(3)], 'suspect')).toEqual([expect.objectContaining({ id: id(3) })])
    expect((await store.get(id(1)))?.status).toBe('suspect')
  })

  it('records when a node that went quiet was last heard, never moving last_seen_at back', async () => {
    const { d, store } = await open()
    await d.query(`UPDATE nodes SET last_seen_at = now() - interval '1 hour'`)
    const heard = Date.now() - 5000
    await store.setStatuses([id(0)], 'suspect', [heard])
    expect(new Date((await store.get(id(0)))!.lastSeenAt!).getTime()).toBeCloseTo(heard, -3)
    await store.setStatuses([id(0)], 'offline', [heard - 60_000])
    expect(new Date((await store.get(id(0)))!.lastSeenAt!).getTime()).toBeCloseTo(heard, -3)
  })

  it('expires the stale nodes of a hub that is gone, and keeps those of a live hub though their rows were not written lately', async () => {
    const { d, store } = await open()
    await d.query(`INSERT INTO hubs (id, url, last_seen) VALUES ('hub_live', 'http://10.0.0.1:7420', now())`)
    await d.query(`UPDATE nodes SET last_seen_at = now() - interval '1 hour'`)
    const expired = await store.expireStale(10_000, [id(3)])
    expect(expired.map((e) => e.id)).toEqual([id(2)])
    expect((await store.get(id(0)))?.status).toBe('online')
    expect((await store.get(id(3)))?.status).toBe('online')
    await d.query(`UPDATE hubs SET last_seen = now() - interval '1 hour'`)
    expect((await store.expireStale(10_000, [])).map((e) => e.id).sort()).toEqual([id(0), id(1), id(3)])
  })
}, 120_000)
