import { afterEach, describe, expect, it } from 'vitest'
import { HubRegistry, type Database } from '../src/index.js'
import { backends, dropSchema, freshDatabaseUrl, openFreshDatabase, tempHome } from './helpers.js'

/** Issue 8 B5: the hubs of one network record their public URLs so each can name the others to nodes. */
describe.each(backends())('the hub registry on %s', (backend) => {
  let db: Database | undefined
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    await db?.close()
    db = undefined
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function open(): Promise<Database> {
    const home = await tempHome()
    const url = freshDatabaseUrl(backend)
    cleanups.push(home.cleanup)
    if (url !== undefined) cleanups.push(() => dropSchema(url))
    db = await openFreshDatabase(home.dir, url)
    return db
  }

  it('names every other live hub, not itself, and forgets a hub that stopped', async () => {
    const d = await open()
    const a = new HubRegistry(d, 'hub_a', () => 'http://10.0.0.1:7420')
    const b = new HubRegistry(d, 'hub_b', () => 'https://hub-b.example.org')
    const c = new HubRegistry(d, 'hub_c', () => 'http://10.0.0.3:7420')
    await a.start()
    await b.start()
    await c.start()
    expect(await a.others()).toEqual(['http://10.0.0.3:7420', 'https://hub-b.example.org'])
    expect(await b.others()).toEqual(['http://10.0.0.1:7420', 'http://10.0.0.3:7420'])
    await c.stop()
    expect(await a.others()).toEqual(['https://hub-b.example.org'])
    await a.stop()
    await b.stop()
    expect((await d.query('SELECT id FROM hubs')).rows).toEqual([])
  })

  it('leaves out a hub not heard from within the live window (a hub that died without stopping)', async () => {
    const d = await open()
    const a = new HubRegistry(d, 'hub_a', () => 'http://10.0.0.1:7420', { intervalMs: 60_000 })
    const b = new HubRegistry(d, 'hub_b', () => 'http://10.0.0.2:7420', { intervalMs: 60_000 })
    await a.start()
    await b.start()
    expect(await a.others()).toEqual(['http://10.0.0.2:7420'])
    // b's last record is older than three intervals: it died.
    await d.query("UPDATE hubs SET last_seen = now() - interval '181 seconds' WHERE id = 'hub_b'")
    expect(await a.others()).toEqual([])
    await b.beat()
    expect(await a.others()).toEqual(['http://10.0.0.2:7420'])
    await a.stop()
    await b.stop()
  })

  it('replaces the row of an earlier run of the same hub (same URL, new id) once that run stops beating', async () => {
    const d = await open()
    const before = new HubRegistry(d, 'hub_old', () => 'http://10.0.0.2:7420')
    await before.start()
    await before.beat() // crashed: never stopped, and no beat since
    await d.query("UPDATE hubs SET last_seen = now() - interval '16 seconds' WHERE id = 'hub_old'")
    const after = new HubRegistry(d, 'hub_new', () => 'http://10.0.0.2:7420')
    await after.start()
    const a = new HubRegistry(d, 'hub_a', () => 'http://10.0.0.1:7420')
    await a.start()
    expect(await a.others()).toEqual(['http://10.0.0.2:7420'])
    expect(await after.others()).toEqual(['http://10.0.0.1:7420'])
    expect((await d.query<{ id: string }>('SELECT id FROM hubs ORDER BY id')).rows.map((r) => r.id)).toEqual(['hub_a', 'hub_new'])
    for (const r of [before, after, a]) await r.stop()
  })

  it('keeps the rows of replicas that share one URL while each beats (cluster workers), naming the URL once', async () => {
    const d = await open()
    const w1 = new HubRegistry(d, 'hub_w1', () => 'http://10.0.0.2:7420')
    const w2 = new HubRegistry(d, 'hub_w2', () => 'http://10.0.0.2:7420')
    const a = new HubRegistry(d, 'hub_a', () => 'http://10.0.0.1:7420')
    for (const r of [w1, w2, a]) await r.start()
    await w1.beat()
    await w2.beat()
    expect((await d.query<{ id: string }>('SELECT id FROM hubs ORDER BY id')).rows.map((r) => r.id)).toEqual(['hub_a', 'hub_w1', 'hub_w2'])
    expect(await a.others()).toEqual(['http://10.0.0.2:7420'])
    for (const r of [w1, w2, a]) await r.stop()
  })
})
