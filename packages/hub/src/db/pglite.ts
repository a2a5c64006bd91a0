/** Embedded PostgreSQL (PGlite, WASM) persisted to a directory: the single-machine default. */
import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import type { Database, Queryable, QueryResult } from './types.js'

function wrap(q: { query: PGlite['query'] }): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await q.query<T>(sql, params as unknown[] | undefined)
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length }
    },
  }
}

export async function openPglite(dataDir: string): Promise<Database> {
  await mkdir(dataDir, { recursive: true })
  // Relaxed durability: writes are not awaited to disk one by one (3x faster); a clean stop
  // flushes everything, a crash may lose the last moments. Production runs PostgreSQL.
  const db = await PGlite.create(dataDir, { relaxedDurability: true })
  const base = wrap(db)
  return {
    kind: 'pglite',
    query: base.query,
    async exec(sql) {
      await db.exec(sql)
    },
    transaction(fn) {
      return db.transaction((tx) => fn(wrap(tx)))
    },
    async listen(channel, handler) {
      const unsub = await db.listen(channel, handler)
      return async () => unsub()
    },
    async notify(channel, payload) {
      await db.query('SELECT pg_notify($1, $2)', [channel, payload])
    },
    async close() {
      await db.close()
    },
  }
}
