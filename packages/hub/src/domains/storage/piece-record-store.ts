/** SQL for piece upkeep: deletion from nodes, audits and repair. */
import type { Queryable } from '../../db/types.js'
import { HEALTHY_SQL } from './object-store.js'

export interface PieceRef {
  uploadId: string
  seg: number
  index: number
  cid: string
  nodeId: string
  endpoint: string
  size: number
  merkleRoot: string
}

interface RawPiece {
  upload_id: string
  seg: number
  piece_index: number
  cid: string
  node_id: string
  endpoint: string
  size: string | number
  merkle_root: string
}

const toRef = (p: RawPiece): PieceRef => ({
  uploadId: p.upload_id,
  seg: p.seg,
  index: p.piece_index,
  cid: p.cid,
  nodeId: p.node_id,
  endpoint: p.endpoint,
  size: Number(p.size),
  merkleRoot: p.merkle_root,
})

const PIECE_COLUMNS = 'p.upload_id, p.seg, p.piece_index, p.cid, p.node_id, n.endpoint, p.size, p.merkle_root'

export interface SegmentToRepair {
  objectCid: string
  uploadId: string
  seg: number
  healthy: number
}

export class PieceRecordStore {
  constructor(private readonly db: Queryable, private readonly graceMs: number) {}

  /** Pieces of deleted objects still on online nodes. */
  async deleted(limit: number): Promise<PieceRef[]> {
    const r = await this.db.query<RawPiece>(
      `SELECT ${PIECE_COLUMNS} FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.status = 'deleted' AND n.status = 'online' LIMIT $1`,
      [limit],
    )
    return r.rows.map(toRef)
  }

  async forget(p: Pick<PieceRef, 'uploadId' | 'seg' | 'index'>): Promise<void> {
    await this.db.query('DELETE FROM pieces WHERE upload_id = $1 AND seg = $2 AND piece_index = $3', [p.uploadId, p.seg, p.index])
  }

  /** Random healthy pieces on online nodes, least recently audited first among the sample. */
  async auditSample(limit: number): Promise<PieceRef[]> {
    const r = await this.db.query<RawPiece>(
      `SELECT ${PIECE_COLUMNS} FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.status = 'healthy' AND p.object_cid IS NOT NULL AND n.status = 'online'
       ORDER BY p.audited_at NULLS FIRST, random() LIMIT $1`,
      [limit],
    )
    return r.rows.map(toRef)
  }

  /** Records an audit: a failed one marks the piece bad; the node's score is a moving average. */
  async recordAudit(p: PieceRef, passed: boolean): Promise<{ score: number; passed: number; failed: number } | undefined> {
    const r = await this.db.query<{ audit_score: number; audits_passed: number; audits_failed: number }>(
      `WITH pc AS (UPDATE pieces SET audited_at = now(), status = CASE WHEN $4 THEN status ELSE 'bad' END, updated_at = now()
                   WHERE upload_id = $1 AND seg = $2 AND piece_index = $3 RETURNING 1)
       UPDATE nodes SET audits_passed = audits_passed + CASE WHEN $4 THEN 1 ELSE 0 END,
                        audits_failed = audits_failed + CASE WHEN $4 THEN 0 ELSE 1 END,
                        audit_score = audit_score * 0.8 + CASE WHEN $4 THEN 0.2 ELSE 0 END
       WHERE id = $5 RETURNING audit_score, audits_passed, audits_failed`,
      [p.uploadId, p.seg, p.index, passed, p.nodeId],
    )
    const row = r.rows[0]
    return row === undefined ? undefined : { score: Number(row.audit_score), passed: row.audits_passed, failed: row.audits_failed }
  }

  /** Segments of live objects whose healthy pieces fell below the repair threshold. */
  async needingRepair(limit: number): Promise<SegmentToRepair[]> {
    const r = await this.db.query<{ object_cid: string; upload_id: string; seg: number; healthy: string | number }>(
      `SELECT o.cid AS object_cid, o.upload_id, p.seg, count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) AS healthy
       FROM objects o JOIN pieces p ON p.object_cid = o.cid JOIN nodes n ON n.id = p.node_id
       WHERE o.deleted_at IS NULL AND p.status <> 'deleted'
       GROUP BY o.cid, o.upload_id, p.seg, o.repair_threshold
       HAVING count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) < o.repair_threshold
       LIMIT $2`,
      [this.graceMs, limit],
    )
    return r.rows.map((x) => ({ objectCid: x.object_cid, uploadId: x.upload_id, seg: x.seg, healthy: Number(x.healthy) }))
  }

  /** Every piece of one segment with whether it is healthy now. */
  async segment(uploadId: string, seg: number): Promise<Array<PieceRef & { healthy: boolean }>> {
    const r = await this.db.query<RawPiece & { healthy: boolean }>(
      `SELECT ${PIECE_COLUMNS}, ${HEALTHY_SQL.replace('$GRACE', '$3')} AS healthy FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.upload_id = $1 AND p.seg = $2 AND p.status <> 'deleted' ORDER BY p.piece_index`,
      [uploadId, seg, this.graceMs],
    )
    return r.rows.map((p) => ({ ...toRef(p), healthy: p.healthy }))
  }

  /** Points a piece at the node that now holds a regenerated copy. */
  async moved(p: Pick<PieceRef, 'uploadId' | 'seg' | 'index'>, nodeId: string): Promise<void> {
    await this.db.query(
      `UPDATE pieces SET node_id = $4, status = 'healthy', audited_at = NULL, updated_at = now()
       WHERE upload_id = $1 AND seg = $2 AND piece_index = $3`,
      [p.uploadId, p.seg, p.index, nodeId],
    )
  }
}
