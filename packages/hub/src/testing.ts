/**
 * Testing kit for suites that need a database: every suite runs on embedded PGlite and, when
 * W3AI_TEST_DATABASE_URL is set, on that PostgreSQL too, each test in a fresh schema (devnet
 * stories once: on PostgreSQL when it is set, see `storyBackends`).
 *
 * ```ts
 * describe.each(backends())('my feature on %s', (backend) => {
 *   const url = freshDatabaseUrl(backend) // undefined for PGlite
 * })
 * ```
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { parseDatabaseUrl } from './db/postgres.js'

export { pgliteTemplate, seedPgliteHome } from './db/pglite-template.js'

export type Backend = 'pglite' | 'postgres'

/** The backends this run covers: always PGlite; PostgreSQL too when W3AI_TEST_DATABASE_URL is set. */
export function backends(env: NodeJS.ProcessEnv = process.env): Backend[] {
  return env.W3AI_TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
}

/**
 * The one backend a devnet story runs on: PostgreSQL when W3AI_TEST_DATABASE_URL is set, else
 * PGlite. Stories (real hub and node processes for a minute or more) exercise the same domain code
 * as the route tests, which run on both backends; running each story once keeps the suite's time
 * in budget.
 */
export function storyBackends(env: NodeJS.ProcessEnv = process.env): Backend[] {
  return env.W3AI_TEST_DATABASE_URL ? ['postgres'] : ['pglite']
}

/** A database URL in a fresh schema of the test PostgreSQL, or undefined for PGlite. */
export function freshDatabaseUrl(backend: Backend, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const base = env.W3AI_TEST_DATABASE_URL
  if (backend === 'pglite' || base === undefined || base === '') return undefined
  const u = new URL(base)
  u.searchParams.set('schema', `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`)
  return u.toString()
}

/** Drops the schema a database URL names (`?schema=`), so test runs leave nothing behind. */
export async function dropSchema(databaseUrl: string): Promise<void> {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl)
  if (schema === undefined) return
  const client = new pg.Client({ connectionString })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
