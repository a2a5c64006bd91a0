/** Embedded PostgreSQL (PGlite, WASM) persisted to a directory: the single-machine default. */
import { dirname } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { privateDir, restrictTree } from './private-files.js'
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
  // The directory and everything in it belongs to the hub's user alone (issue 8 A2).
  await privateDir(dirname(dataDir))
  await privateDir(dataDir)
  // Relaxed durability: writes are not awaited to disk one by one (3x faster); a clean stop
  // flushes everything, a crash may lose the last moments. Production runs PostgreSQL.
  const db = await PGlite.create(dataDir, { relaxedDurability: true })
  // PGlite copies its initial database in with 0666 files; PostgreSQL itself creates 0600 ones.
  await restrictTree(dataDir)
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
      await restrictTree(dataDir)
    },
  }
}
