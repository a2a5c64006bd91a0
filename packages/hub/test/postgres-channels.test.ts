/**
 * Two networks that share one PostgreSQL database in different schemas never hear each other's
 * events: NOTIFY channels are database-wide, so the adapter scopes them by schema. Before the fix,
 * a hub heard the node registrations of another network's hub and placed pieces on its nodes.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { openPostgres, scopedChannel } from '../src/db/postgres.js'
import type { Database } from '../src/db/types.js'
import { dropSchema, freshDatabaseUrl } from '../src/testing.js'
import { until } from './helpers.js'

describe('scopedChannel', () => {
  it('leaves an unscoped channel alone and names every schema apart, within 63 bytes', () => {
    expect(scopedChannel('w3ai_events', undefined)).toBe('w3ai_events')
    const a = scopedChannel('w3ai_events', 't_a')
    const b = scopedChannel('w3ai_events', 't_b')
    expect(a).not.toBe(b)
    const long1 = scopedChannel('w3ai_events', 's'.repeat(63))
    const long2 = scopedChannel('w3ai_events', 's'.repeat(62) + 't')
    expect(Buffer.byteLength(long1)).toBeLessThanOrEqual(63)
    expect(long1).not.toBe(long2)
  })
})

describe.skipIf(!process.env.W3AI_TEST_DATABASE_URL)('NOTIFY on a shared PostgreSQL', () => {
  const urls = [freshDatabaseUrl('postgres')!, freshDatabaseUrl('postgres')!]
  const dbs: Database[] = []
  afterAll(async () => {
    for (const db of dbs) await db.close()
    for (const url of urls) await dropSchema(url)
  })

  it('delivers an event to the hubs of its own schema only', async () => {
    const [a1, a2, b] = [await openPostgres(urls[0]!), await openPostgres(urls[0]!), await openPostgres(urls[1]!)]
    dbs.push(a1, a2, b)
    const heard: Record<string, string[]> = { a2: [], b: [] }
    await a2.listen('w3ai_events', (p) => heard.a2!.push(p))
    await b.listen('w3ai_events', (p) => heard.b!.push(p))
    await a1.notify('w3ai_events', 'from-a')
    await until(async () => heard.a2!.length === 1, 5_000)
    await b.notify('w3ai_events', 'from-b')
    await until(async () => heard.b!.length === 1, 5_000)
    expect(heard).toEqual({ a2: ['from-a'], b: ['from-b'] })
  })
})
