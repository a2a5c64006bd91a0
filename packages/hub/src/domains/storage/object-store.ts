/** SQL for stored objects, their wrapped keys (who may read) and their pieces' health. */
import { W3aiError, type Manifest, type ObjectHealth, type ObjectSummary, type WrappedKey } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'

interface RawObject {
  cid: string
  upload_id: string
  owner: string
  name: string | null
  size: string | number
  segments: number
  k: number
  n: number
  repair_threshold: number
  manifest: Manifest
  created_at: Date | string
  min_healthy: number | string | null
  repair_blocked: boolean | null
}

export interface ObjectRow {
  summary: ObjectSummary
  uploadId: string
  manifest: Manifest
}

export interface PieceLocation {
  seg: number
  index: number
  cid: string
  nodeId: string
  endpoint: string
  nodeStatus: string
  healthy: boolean
  size: number
  merkleRoot: string
}

/**
 * A piece counts as healthy while it passed its audits and its node is not offline, or was heard
 * from within the grace period (a reboot should not trigger repair). "Heard from" is the shared
 * heartbeat record (`last_seen_at`, written by whichever hub the node heartbeats to), not when some
 * hub last changed the node's status: a hub that lost the node's socket (or died) may mark it
 * offline while the node heartbeats to another hub (issue 8 B5).
 */
export const HEALTHY_SQL = `(p.status = 'healthy' AND (n.status <> 'offline' OR coalesce(n.last_seen_at, n.status_changed_at) > now() - ($GRACE::text || ' milliseconds')::interval))`

const SUMMARY_COLUMNS = `o.cid, o.upload_id, o.owner, o.name, o.size, o.segments, o.k, o.n, o.repair_threshold, o.manifest, o.created_at`

function healthy(graceParam: number): string {
  return HEALTHY_SQL.replace('$GRACE', `$${graceParam}`)
}

/** The object's health from its weakest segment and whether repair is backing off (see ObjectHealthSchema). */
export function healthOf(r: { minHealthy: number; k: number; n: number; repairThreshold: number; repairBlocked: boolean }): ObjectHealth {
  const state: ObjectHealth['state'] =
    r.minHealthy < r.k ? 'lost' : r.minHealthy >= r.repairThreshold ? 'healthy' : r.repairBlocked ? 'under-replicated' : 'repairing'
  return { state, healthyPieces: r.minHealthy, needed: r.k, target: r.n }
}

function toRow(r: RawObject): ObjectRow {
  const minHealthy = Number(r.min_healthy ?? 0)
  return {
    uploadId: r.upload_id,
    manifest: r.manifest,
    summary: {
      cid: r.cid,
      name: r.name,
      size: Number(r.size),
      owner: r.owner,
      createdAt: new Date(r.created_at).toISOString(),
      segments: r.segments,
      redundancy: { k: r.k, n: r.n, repairThreshold: r.repair_threshold },
      minHealthyPieces: minHealthy,
      health: healthOf({ minHealthy, k: r.k, n: r.n, repairThreshold: r.repair_threshold, repairBlocked: r.repair_blocked === true }),
    },
  }
}

const OBJECT_PAGES = new NewestFirst('objects', /^b[a-z2-7]{20,120}$/)

export class ObjectStore {
  constructor(private readonly db: Queryable, private readonly graceMs: number) {}

  private minHealthy(graceParam: number): string {
    return `(SELECT min(h) FROM (SELECT count(*) FILTER (WHERE ${healthy(graceParam)}) AS h
              FROM pieces p JOIN nodes n ON n.id = p.node_id WHERE p.object_cid = o.cid GROUP BY p.seg) s) AS min_healthy,
            EXISTS (SELECT 1 FROM segment_repairs r WHERE r.upload_id = o.upload_id) AS repair_blocked`
  }

  /** Stores a completed upload as an object whose owner holds the wrapped key. */
  async create(o: { cid: string; uploadId: string; owner: string; name: string | null; size: number; manifest: Manifest; repairThreshold: number; wrappedKey: WrappedKey }): Promise<void> {
    await this.db.query(
      `WITH obj AS (
         INSERT INTO objects (cid, upload_id, owner, name, size, segments, k, n, repair_threshold, manifest)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) RETURNING cid),
       pcs AS (UPDATE pieces SET object_cid = $1 WHERE upload_id = $2 RETURNING 1),
       upl AS (UPDATE uploads SET completed_at = now() WHERE id = $2 RETURNING 1)
       INSERT INTO object_keys (object_cid, account_id, wrapped_key, granted_by)
       SELECT cid, $3, $11::jsonb, $3 FROM obj`,
      [
        o.cid,
        o.uploadId,
        o.owner,
        o.name,
        o.size,
        o.manifest.segments.length,
        o.manifest.erasure.k,
        o.manifest.erasure.n,
        o.repairThreshold,
        JSON.stringify(o.manifest),
        JSON.stringify(o.wrappedKey),
      ],
    )
  }

  async get(cid: string): Promise<ObjectRow | undefined> {
    const r = await this.db.query<RawObject>(
      `SELECT ${SUMMARY_COLUMNS}, ${this.minHealthy(2)} FROM objects o WHERE o.cid = $1 AND o.deleted_at IS NULL`,
      [cid, this.graceMs],
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toRow(row)
  }

  /** Just the manifest of a live object (what a node needs to open it), without the health summary. */
  async manifest(cid: string): Promise<ObjectRow['manifest'] | undefined> {
    const r = await this.db.query<{ manifest: ObjectRow['manifest'] }>('SELECT manifest FROM objects WHERE cid = $1 AND deleted_at IS NULL', [cid])
    return r.rows[0]?.manifest
  }

  /** Objects the account may read (its own and those shared with it), newest first, one page after `request.cursor`. */
  async listFor(accountId: string, request: PageRequest = {}): Promise<Page<ObjectSummary>> {
    const params: unknown[] = [accountId, this.graceMs]
    const after = OBJECT_PAGES.where(request, params, 'o.created_at', 'o.cid')
    const r = await this.db.query<RawObject & { cursor_at: string }>(
      `SELECT ${SUMMARY_COLUMNS}, ${this.minHealthy(2)}, ${keysetTime('o.created_at')} AS cursor_at FROM objects o JOIN object_keys k ON k.object_cid = o.cid
       WHERE k.account_id = $1 AND o.deleted_at IS NULL${after === undefined ? '' : ` AND ${after}`}
       ${OBJECT_PAGES.order('o.created_at', 'o.cid')} LIMIT $${params.push(OBJECT_PAGES.limit(request) + 1)}`,
      params,
    )
    return OBJECT_PAGES.page(r.rows, request, (row) => row.cid, (row) => toRow(row).summary)
  }

  /**
   * A live object and the account's wrapped key for it; STORAGE_OBJECT_NOT_FOUND or
   * STORAGE_ACCESS_DENIED otherwise (`what`, e.g. "Input", names it in the messages).
   */
  async readableBy(cid: string, accountId: string, what?: string): Promise<{ object: ObjectRow; wrappedKey: WrappedKey }> {
    const object = await this.get(cid)
    if (object === undefined) throw new W3aiError('STORAGE_OBJECT_NOT_FOUND', what === undefined ? undefined : `${what} ${cid} is not a stored object.`)
    const wrappedKey = await this.keyFor(cid, accountId)
    if (wrappedKey === undefined) throw new W3aiError('STORAGE_ACCESS_DENIED', what === undefined ? undefined : `${what} ${cid} is not yours or shared with you.`)
    return { object, wrappedKey }
  }

  async keyFor(cid: string, accountId: string): Promise<WrappedKey | undefined> {
    const r = await this.db.query<{ wrapped_key: WrappedKey }>('SELECT wrapped_key FROM object_keys WHERE object_cid = $1 AND account_id = $2', [cid, accountId])
    return r.rows[0]?.wrapped_key
  }

  async share(cid: string, accountId: string, wrappedKey: WrappedKey, grantedBy: string): Promise<void> {
    await this.db.query(
      `INSERT INTO object_keys (object_cid, account_id, wrapped_key, granted_by) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (object_cid, account_id) DO UPDATE SET wrapped_key = EXCLUDED.wrapped_key, granted_by = EXCLUDED.granted_by`,
      [cid, accountId, JSON.stringify(wrappedKey), grantedBy],
    )
  }

  /** Marks the object deleted and its pieces for collection from the nodes; the keys go. */
  async delete(cid: string): Promise<void> {
    await this.db.query(
      `WITH obj AS (UPDATE objects SET deleted_at = now() WHERE cid = $1 AND deleted_at IS NULL RETURNING cid),
       keys AS (DELETE FROM object_keys WHERE object_cid IN (SELECT cid FROM obj) RETURNING 1)
       UPDATE pieces SET status = 'deleted', updated_at = now() WHERE object_cid IN (SELECT cid FROM obj)`,
      [cid],
    )
  }

  async pieces(cid: string): Promise<PieceLocation[]> {
    const r = await this.db.query<{
      seg: number
      piece_index: number
      cid: string
      node_id: string
      endpoint: string
      node_status: string
      healthy: boolean
      size: string | number
      merkle_root: string
    }>(
      `SELECT p.seg, p.piece_index, p.cid, p.node_id, n.endpoint, n.status AS node_status, ${healthy(2)} AS healthy, p.size, p.merkle_root
       FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.object_cid = $1 AND p.status <> 'deleted' ORDER BY p.seg, p.piece_index`,
      [cid, this.graceMs],
    )
    return r.rows.map((p) => ({
      seg: p.seg,
      index: p.piece_index,
      cid: p.cid,
      nodeId: p.node_id,
      endpoint: p.endpoint,
      nodeStatus: p.node_status,
      healthy: p.healthy,
      size: Number(p.size),
      merkleRoot: p.merkle_root,
    }))
  }
}
