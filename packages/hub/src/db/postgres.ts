/**
 * PostgreSQL through node-postgres: the scale-out deployment, where several stateless hubs share
 * one database. A `schema` query parameter in the URL (not a libpq option) puts every table of
 * this network in that schema, so several networks or test runs can share one database.
 * NOTIFY channels are database-wide, so a schema also scopes them (see `scopedChannel`): hubs of
 * one network never hear another's events.
 */
import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Database, Queryable, QueryResult } from './types.js'

export interface PostgresTarget {
  connectionString: string
  schema: string | undefined
}

export function parseDatabaseUrl(url: string): PostgresTarget {
  const u = new URL(url)
  const schema = u.searchParams.get('schema') ?? undefined
  u.searchParams.delete('schema')
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid schema name in database URL: ${schema}`)
  }
  return { connectionString: u.toString(), schema }
}

/**
 * The NOTIFY channel that carries `channel` for the network in `schema`. Channels are names of at
 * most 63 bytes; a longer scoped name is shortened to a digest of it.
 */
export function scopedChannel(channel: string, schema: string | undefined): string {
  if (schema === undefined) return channel
  const scoped = `${channel}@${schema}`
  return Buffer.byteLength(scoped) <= 63 ? scoped : `${channel.slice(0, 20)}@${createHash('sha256').update(scoped).digest('hex').slice(0, 40)}`
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params?: unknown[]): Promise<QueryResult<T>> {
      const r = await client.query(sql, params)
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length }
    },
  }
}

export async function openPostgres(url: string): Promise<Database> {
  const { connectionString, schema } = parseDatabaseUrl(url)
  if (schema !== undefined) {
    const setup = new pg.Client({ connectionString })
    await setup.connect()
    try {
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    } finally {
      await setup.end()
    }
  }
  // The schema goes in as a startup parameter, so every pooled connection uses it from the start.
  const options = schema === undefined ? undefined : `-c search_path=${schema}`
  const pool = new pg.Pool({ connectionString, max: 10, ...(options === undefined ? {} : { options }) })
  pool.on('error', () => undefined) // an idle client's error must not crash the hub; the next query reports it
  const base = wrap(pool)
  let listener: pg.Client | undefined
  const handlers = new Map<string, Set<(payload: string) => void>>()

  return {
    kind: 'postgres',
    query: base.query,
    async exec(sql) {
      await pool.query(sql)
    },
    async transaction(fn) {
      const client = await pool.connect()
      try {
        await client.query('BEGIN')
        const out = await fn(wrap(client))
        await client.query('COMMIT')
        return out
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      } finally {
        client.release()
      }
    },
    async listen(name, handler) {
      const channel = scopedChannel(name, schema)
      if (listener === undefined) {
        listener = new pg.Client({ connectionString })
        listener.on('error', () => undefined)
        await listener.connect()
        listener.on('notification', (msg) => {
          for (const h of handlers.get(msg.channel) ?? []) h(msg.payload ?? '')
        })
      }
      let set = handlers.get(channel)
      if (set === undefined) {
        set = new Set()
        handlers.set(channel, set)
        await listener.query(`LISTEN "${channel}"`)
      }
      set.add(handler)
      return async () => {
        set.delete(handler)
      }
    },
    async notify(name, payload) {
      await pool.query('SELECT pg_notify($1, $2)', [scopedChannel(name, schema), payload])
    },
    async close() {
      await listener?.end().catch(() => undefined)
      await pool.end()
    },
  }
}
