/** SQL for the node registry. The database is the source of truth; every hub reads it. */
import type { NodeInfo, NodeListQuery, NodeLoad, NodePrices, NodeRegistration, NodeStatus, NetworkSummary } from '@w3ai/protocol'
import { DEFAULT_PAGE_LIMIT } from '@w3ai/protocol'
import { Batcher } from '../../infra/batcher.js'
import { decodeCursor, encodeCursor } from '../../infra/paging.js'
import type { Queryable } from '../../db/types.js'
import { HUB_REGISTRY_INTERVAL_MS } from '../../db/hub-registry.js'

/** A hub whose row in `hubs` is younger than this is alive and answers for its nodes (three of its beats). */
export const HUB_LEASE_MS = 3 * HUB_REGISTRY_INTERVAL_MS

interface NodeRow {
  id: string
  public_key: string
  name: string
  version: string
  region: string
  location: NodeInfo['location']
  capabilities: NodeInfo['capabilities']
  endpoint: string
  encryption_key: string | null
  status: NodeStatus
  status_changed_at: Date | string
  load: NodeLoad | null
  last_seen_at: Date | string | null
  registered_at: Date | string
  audit_score: number
  audits_passed: number
  audits_failed: number
  reputation: number
  verifications_passed: number
  verifications_failed: number
  prices: NodePrices | null
}

const COLUMNS = 'id, public_key, name, version, region, location, capabilities, endpoint, encryption_key, status, status_changed_at, load, last_seen_at, registered_at, audit_score, audits_passed, audits_failed, reputation, verifications_passed, verifications_failed, prices'

const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString()

function toNode(r: NodeRow): NodeInfo {
  return {
    id: r.id,
    publicKey: r.public_key,
    name: r.name,
    version: r.version,
    status: r.status,
    region: r.region,
    location: r.location,
    capabilities: r.capabilities,
    endpoint: r.endpoint,
    encryptionKey: r.encryption_key,
    load: r.load,
    registeredAt: iso(r.registered_at),
    lastSeenAt: r.last_seen_at === null ? null : iso(r.last_seen_at),
    statusChangedAt: iso(r.status_changed_at),
    audit: { score: Number(r.audit_score), passed: r.audits_passed, failed: r.audits_failed },
    reputation: { score: Number(r.reputation), passed: r.verifications_passed, failed: r.verifications_failed },
    ...(r.prices === null ? {} : { prices: r.prices }),
  }
}

export class NodeStore {
  private readonly registered = new Set<string>()

  constructor(private readonly db: Queryable) {}

  /** Waits for batched registrations and status changes still in flight. */
  async stop(): Promise<void> {
    await this.upserts.stop()
    await this.onlines.stop()
  }

  /** Inserts or updates a node's registration; returns the node and whether it is new. */
  upsert(id: string, publicKey: string, reg: NodeRegistration, hubId: string): Promise<{ node: NodeInfo; created: boolean }> {
    return this.upserts.add({ id, publicKey, reg, hubId })
  }

  private readonly upserts = new Batcher<{ id: string; publicKey: string; reg: NodeRegistration; hubId: string }, { node: NodeInfo; created: boolean }>({
    key: (u) => u.id,
    run: async (items) => {
      const rows = items.map(({ id, publicKey, reg, hubId }) => ({
        id,
        public_key: publicKey,
        name: reg.name ?? id,
        version: reg.version ?? 'unknown',
        region: reg.location.region,
        location: reg.location,
        capabilities: reg.capabilities,
        endpoint: reg.endpoint,
        encryption_key: reg.encryptionKey ?? null,
        prices: reg.prices ?? null,
        hub_id: hubId,
      }))
      const r = await this.db.query<NodeRow & { created: boolean }>(
        `INSERT INTO nodes (id, public_key, name, version, region, location, capabilities, endpoint, encryption_key, prices, hub_id)
         SELECT id, public_key, name, version, region, location, capabilities, endpoint, encryption_key, prices, hub_id
         FROM jsonb_to_recordset($1::jsonb) AS v(id text, public_key text, name text, version text, region text,
           location jsonb, capabilities jsonb, endpoint text, encryption_key text, prices jsonb, hub_id text)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version, region = EXCLUDED.region,
           location = EXCLUDED.location, capabilities = EXCLUDED.capabilities, endpoint = EXCLUDED.endpoint,
           encryption_key = EXCLUDED.encryption_key, prices = EXCLUDED.prices,
           hub_id = EXCLUDED.hub_id, updated_at = now()
         RETURNING ${COLUMNS}, (xmax = 0) AS created`,
        [JSON.stringify(rows)],
      )
      const byId = new Map(r.rows.map((row) => [row.id, { node: toNode(row), created: row.created }]))
      return items.map((u) => {
        const out = byId.get(u.id)
        if (out === undefined) throw new Error(`upsert returned no row for ${u.id}`)
        return out
      })
    },
  })

  /** True once the node has registered (nodes are never removed, so a hit needs no query). */
  async exists(id: string): Promise<boolean> {
    if (this.registered.has(id)) return true
    const r = await this.db.query<{ id: string }>('SELECT id FROM nodes WHERE id = $1', [id])
    if (r.rows.length === 0) return false
    if (this.registered.size > 200_000) this.registered.clear()
    this.registered.add(id)
    return true
  }

  async get(id: string): Promise<NodeInfo | undefined> {
    const r = await this.db.query<NodeRow>(`SELECT ${COLUMNS} FROM nodes WHERE id = $1`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toNode(row)
  }

  /**
   * Marks a registered node online as it connects (batched: one statement for many connects);
   * returns undefined when the node is not registered, else the change time when its status changed.
   */
  markOnline(id: string, hubId: string): Promise<{ changedAt: string | undefined } | undefined> {
    return this.onlines.add({ id, hubId })
  }

  private readonly onlines = new Batcher<{ id: string; hubId: string }, { changedAt: string | undefined } | undefined>({
    key: (o) => o.id,
    run: async (items) => {
      const r = await this.db.query<{ id: string; previous: NodeStatus; status_changed_at: Date | string }>(
        `WITH old AS (SELECT id, status FROM nodes WHERE id = ANY($1::text[]) FOR UPDATE)
         UPDATE nodes AS n SET status = 'online', last_seen_at = now(), updated_at = now(), hub_id = $2,
           status_changed_at = CASE WHEN old.status <> 'online' THEN now() ELSE n.status_changed_at END
         FROM old WHERE n.id = old.id
         RETURNING n.id, old.status AS previous, n.status_changed_at`,
        [items.map((o) => o.id), items[0]?.hubId ?? ''],
      )
      const byId = new Map(r.rows.map((row) => [row.id, { changedAt: row.previous === 'online' ? undefined : iso(row.status_changed_at) }]))
      return items.map((o) => byId.get(o.id))
    },
  })

  async list(query: NodeListQuery): Promise<{ nodes: NodeInfo[]; total: number; nextCursor: string | null }> {
    const where: string[] = []
    const params: unknown[] = []
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`)
    if (query.region !== undefined) where.push(`region = $${params.push(query.region)}`)
    if (query.executor !== undefined) where.push(`capabilities->'executors' @> $${params.push(JSON.stringify([query.executor]))}::jsonb`)
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`
    const total = await this.db.query<{ n: number | string }>(`SELECT count(*) AS n FROM nodes ${filter}`, params)
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT
    const pageWhere = [...where]
    const pageParams = [...params]
    if (query.cursor !== undefined) {
      const [after] = decodeCursor('nodes', query.cursor, [/^n_[0-9a-f]{20}$/]) as [string]
      pageWhere.push(`id > $${pageParams.push(after)}`)
    }
    const pageFilter = pageWhere.length === 0 ? '' : `WHERE ${pageWhere.join(' AND ')}`
    const r = await this.db.query<NodeRow>(
      `SELECT ${COLUMNS} FROM nodes ${pageFilter} ORDER BY id LIMIT $${pageParams.push(limit + 1)}`,
      pageParams,
    )
    const more = r.rows.length > limit
    const nodes = r.rows.slice(0, limit).map(toNode)
    const last = nodes.at(-1)
    return { nodes, total: Number(total.rows[0]?.n ?? 0), nextCursor: more && last !== undefined ? encodeCursor('nodes', [last.id]) : null }
  }

  async all(): Promise<NodeInfo[]> {
    const r = await this.db.query<NodeRow>(`SELECT ${COLUMNS} FROM nodes ORDER BY id`)
    return r.rows.map(toNode)
  }

  /**
   * Changes the status of many nodes in one statement; returns those that changed, with the
   * change time. `lastHeardAt` (epoch ms, per id) records when the hub last heard each node, so
   * `last_seen_at` (written only now and then while a node is steady) says when it went quiet.
   */
  async setStatuses(ids: string[], status: NodeStatus, lastHeardAt?: number[]): Promise<Array<{ id: string; at: string }>> {
    if (ids.length === 0) return []
    const heard = ids.map((_, i) => (lastHeardAt?.[i] === undefined ? null : new Date(lastHeardAt[i]!).toISOString()))
    const r = await this.db.query<{ id: string; status_changed_at: Date | string }>(
      `UPDATE nodes AS n SET status = $2, status_changed_at = now(), updated_at = now(),
         last_seen_at = CASE WHEN $2 = 'online' THEN now() ELSE greatest(n.last_seen_at, v.heard) END
       FROM unnest($1::text[], $3::timestamptz[]) AS v(id, heard)
       WHERE n.id = v.id AND n.status <> $2 RETURNING n.id, n.status_changed_at`,
      [ids, status, heard],
    )
    return r.rows.map((row) => ({ id: row.id, at: iso(row.status_changed_at) }))
  }

  /**
   * Re-asserts the status of nodes this hub is sure about (they heartbeat here), repairing a
   * status another hub's sweep changed in a race; returns the nodes that changed.
   */
  async reassert(ids: string[], status: NodeStatus, hubId: string): Promise<Array<{ id: string; at: string }>> {
    if (ids.length === 0) return []
    const r = await this.db.query<{ id: string; status_changed_at: Date | string }>(
      `UPDATE nodes SET status = $2, status_changed_at = now(), updated_at = now(), last_seen_at = now(), hub_id = $3
       WHERE id = ANY($1::text[]) AND status <> $2 RETURNING id, status_changed_at`,
      [ids, status, hubId],
    )
    return r.rows.map((row) => ({ id: row.id, at: iso(row.status_changed_at) }))
  }

  /** Writes a batch of heartbeats (load and last-seen time) in one statement. */
  async recordLoads(loads: Array<{ id: string; load: NodeLoad }>, hubId: string): Promise<void> {
    if (loads.length === 0) return
    await this.db.query(
      `UPDATE nodes AS n SET load = v.load, last_seen_at = now(), hub_id = $2, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, load jsonb) WHERE n.id = v.id`,
      [JSON.stringify(loads), hubId],
    )
  }

  /**
   * Marks offline every node whose hub is gone (no live row in `hubs` for its hub_id within the
   * hub lease) and that no hub has written for `staleMs`, except `exclude`. Live hubs answer for
   * their own nodes, so a node's row needs no write per heartbeat to stay online.
   */
  async expireStale(staleMs: number, exclude: string[]): Promise<Array<{ id: string; at: string }>> {
    const leaseMs = Math.max(staleMs, HUB_LEASE_MS)
    const r = await this.db.query<{ id: string; status_changed_at: Date | string }>(
      `UPDATE nodes SET status = 'offline', status_changed_at = now(), updated_at = now()
       WHERE status <> 'offline' AND (last_seen_at IS NULL OR last_seen_at < now() - ($1::text || ' milliseconds')::interval)
         AND NOT (id = ANY($2::text[]))
         AND NOT EXISTS (SELECT 1 FROM hubs h WHERE h.id = nodes.hub_id AND h.last_seen >= now() - ($3::text || ' milliseconds')::interval)
       RETURNING id, status_changed_at`,
      [String(staleMs), exclude, String(leaseMs)],
    )
    return r.rows.map((row) => ({ id: row.id, at: iso(row.status_changed_at) }))
  }

  async summary(): Promise<NetworkSummary> {
    const counts = await this.db.query<{ status: NodeStatus; n: number | string }>('SELECT status, count(*) AS n FROM nodes GROUP BY status')
    const nodes = { total: 0, online: 0, suspect: 0, offline: 0 }
    for (const row of counts.rows) {
      nodes[row.status] = Number(row.n)
      nodes.total += Number(row.n)
    }
    const cap = await this.db.query<Record<string, number | string | null>>(
      `SELECT coalesce(sum((capabilities->>'cpuCores')::float8), 0) AS cpu,
              coalesce(sum((capabilities->>'memoryGb')::float8), 0) AS mem,
              coalesce(sum(jsonb_array_length(capabilities->'gpus')), 0) AS gpus,
              coalesce(sum((SELECT coalesce(sum((g->>'memoryGb')::float8), 0) FROM jsonb_array_elements(capabilities->'gpus') g)), 0) AS gpumem,
              coalesce(sum((capabilities->>'diskGb')::float8), 0) AS disk,
              coalesce(sum((load->>'diskUsedGb')::float8), 0) AS diskused
       FROM nodes WHERE status = 'online'`,
    )
    const c = cap.rows[0] ?? {}
    const regions = await this.db.query<{ region: string; n: number | string; online: number | string }>(
      `SELECT region, count(*) AS n, count(*) FILTER (WHERE status = 'online') AS online FROM nodes GROUP BY region ORDER BY region`,
    )
    return {
      nodes,
      capacity: {
        cpuCores: Number(c.cpu ?? 0),
        memoryGb: Number(c.mem ?? 0),
        gpus: Number(c.gpus ?? 0),
        gpuMemoryGb: Number(c.gpumem ?? 0),
        diskGb: Number(c.disk ?? 0),
        diskUsedGb: Number(c.diskused ?? 0),
      },
      regions: regions.rows.map((r) => ({ region: r.region, nodes: Number(r.n), online: Number(r.online) })),
    }
  }
}
