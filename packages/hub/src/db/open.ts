/** Opens the hub database (PGlite under `<home>/hub/db`, or PostgreSQL) and applies migrations. */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openPglite } from './pglite.js'
import { openPostgres } from './postgres.js'
import { splitSqlStatements } from './split-sql.js'
import type { Database } from './types.js'

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))
// Arbitrary constant: serializes migrations when several hubs start on one PostgreSQL at once.
const MIGRATION_LOCK = 7420_0001

export async function openDatabase(options: { home: string; databaseUrl?: string | undefined }): Promise<Database> {
  const db = options.databaseUrl !== undefined && options.databaseUrl !== ''
    ? await openPostgres(options.databaseUrl)
    : await openPglite(join(options.home, 'hub', 'db'))
  try {
    await migrate(db)
  } catch (err) {
    await db.close().catch(() => undefined)
    throw err
  }
  return db
}

export async function migrate(db: Database): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort()
  const scripts = await Promise.all(files.map(async (f) => ({ version: f.replace(/\.sql$/, ''), sql: await readFile(join(MIGRATIONS_DIR, f), 'utf8') })))
  return db.transaction(async (tx) => {
    if (db.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())')
    const done = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version))
    const applied: string[] = []
    for (const { version, sql } of scripts) {
      if (done.has(version)) continue
      for (const statement of splitSqlStatements(sql)) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version])
      applied.push(version)
    }
    return applied
  })
}
