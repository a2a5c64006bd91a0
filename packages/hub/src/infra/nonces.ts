/**
 * Replay protection: a nonce is accepted once per key while its timestamp could still pass the
 * clock-skew check. On PostgreSQL the nonces live in a shared table, so a request accepted by one
 * hub is refused by every other. Embedded PGlite is owned by a single hub process, so there the
 * set is kept in memory (a statement per request would halve throughput) and saved to the
 * table on stop, to be loaded again on start.
 */
import { MAX_CLOCK_SKEW_MS } from '@w3ai/protocol'
import type { Database } from '../db/types.js'

export interface NonceStore {
  start(): Promise<void>
  /** Records the nonce; false when it was already used. */
  claim(publicKey: string, nonce: string, timestamp: number): Promise<boolean>
  /** Forgets nonces whose timestamps can no longer pass the skew check. */
  prune(): Promise<void>
  stop(): Promise<void>
}

const keep = (timestamp: number): number => timestamp + 2 * MAX_CLOCK_SKEW_MS

export class SqlNonceStore implements NonceStore {
  constructor(private readonly db: Database) {}

  async start(): Promise<void> {}

  async claim(publicKey: string, nonce: string, timestamp: number): Promise<boolean> {
    const r = await this.db.query(
      'INSERT INTO request_nonces (public_key, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1',
      [publicKey, nonce, new Date(keep(timestamp)).toISOString()],
    )
    return r.rows.length === 1
  }

  async prune(): Promise<void> {
    await this.db.query('DELETE FROM request_nonces WHERE expires_at < now()')
  }

  async stop(): Promise<void> {}
}

export class LocalNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>()

  constructor(private readonly db: Database, private readonly now: () => number = Date.now) {}

  async start(): Promise<void> {
    const r = await this.db.query<{ public_key: string; nonce: string; expires_at: Date | string }>(
      'SELECT public_key, nonce, expires_at FROM request_nonces WHERE expires_at >= now()',
    )
    for (const row of r.rows) this.seen.set(`${row.public_key} ${row.nonce}`, new Date(row.expires_at).getTime())
    await this.db.query('DELETE FROM request_nonces')
  }

  async claim(publicKey: string, nonce: string, timestamp: number): Promise<boolean> {
    const key = `${publicKey} ${nonce}`
    if (this.seen.has(key)) return false
    this.seen.set(key, keep(timestamp))
    return true
  }

  async prune(): Promise<void> {
    const now = this.now()
    for (const [key, expires] of this.seen) if (expires < now) this.seen.delete(key)
  }

  async stop(): Promise<void> {
    await this.prune()
    const rows = [...this.seen].map(([key, expires]) => {
      const [publicKey, nonce] = key.split(' ')
      return { public_key: publicKey, nonce, expires_at: new Date(expires).toISOString() }
    })
    for (let i = 0; i < rows.length; i += 5000) {
      await this.db.query(
        `INSERT INTO request_nonces (public_key, nonce, expires_at)
         SELECT public_key, nonce, expires_at FROM jsonb_to_recordset($1::jsonb) AS v(public_key text, nonce text, expires_at timestamptz)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(rows.slice(i, i + 5000))],
      )
    }
  }
}

export function createNonceStore(db: Database): NonceStore {
  return db.kind === 'postgres' ? new SqlNonceStore(db) : new LocalNonceStore(db)
}
