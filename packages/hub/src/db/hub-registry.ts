/**
 * The hubs of one network: several hubs serve a network over a shared database, and each records
 * its public URL in the `hubs` table every few seconds while it runs, so a hub can tell its nodes
 * where the others are (the welcome message's `hubs`) and a node can fail over to them.
 */
import type { Queryable } from './types.js'

export interface HubRegistryOptions {
  /** How often this hub records that it is alive (default 5 s). */
  intervalMs?: number
  /** A hub not heard from for this long is left out (default three intervals). */
  liveMs?: number
  onError?: (err: unknown) => void
}

export const HUB_REGISTRY_INTERVAL_MS = 5000
/** Rows of hubs gone this long are deleted. */
const FORGET_AFTER_MS = 24 * 3600_000

export class HubRegistry {
  private timer: NodeJS.Timeout | undefined
  private readonly intervalMs: number
  private readonly liveMs: number

  constructor(
    private readonly db: Queryable,
    private readonly hubId: string,
    /** This hub's public URL; read at start (the bound port is known by then). */
    private readonly url: () => string,
    private readonly options: HubRegistryOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? HUB_REGISTRY_INTERVAL_MS
    this.liveMs = options.liveMs ?? 3 * this.intervalMs
  }

  async start(): Promise<void> {
    await this.beat()
    this.timer = setInterval(() => {
      this.beat().catch((err: unknown) => this.options.onError?.(err))
    }, this.intervalMs)
    this.timer.unref()
  }

  /** Stops recording and removes this hub, so the others stop naming it at once. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.db.query('DELETE FROM hubs WHERE id = $1', [this.hubId]).catch((err: unknown) => this.options.onError?.(err))
  }

  /** Records this hub as alive now (the database's clock, so hubs' clocks need not agree). */
  async beat(): Promise<void> {
    const url = this.url()
    await this.db.query(
      `INSERT INTO hubs (id, url, last_seen) VALUES ($1, $2, now())
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, last_seen = now()`,
      [this.hubId, url],
    )
    // A restarted hub has a new id: its old row goes once it stops beating, and rows long gone go.
    // Rows of the same URL that still beat are replicas behind one address (cluster workers, a
    // load balancer) and keep their lease for the nodes they hold.
    await this.db.query(
      `DELETE FROM hubs WHERE (url = $1 AND id <> $2 AND last_seen < now() - $3::double precision * interval '1 millisecond')
         OR last_seen < now() - $4::double precision * interval '1 millisecond'`,
      [url, this.hubId, this.liveMs, FORGET_AFTER_MS],
    )
  }

  /** The public URLs of the other hubs heard from recently. */
  async others(): Promise<string[]> {
    const r = await this.db.query<{ url: string }>(
      `SELECT DISTINCT url FROM hubs
       WHERE id <> $1 AND url <> $2 AND last_seen > now() - $3::double precision * interval '1 millisecond'
       ORDER BY url`,
      [this.hubId, this.url(), this.liveMs],
    )
    return r.rows.map((row) => row.url)
  }
}
