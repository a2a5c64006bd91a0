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

/**
 * Whether piece `p` (its CID on its node) is referenced by anything but itself: a piece row not
 * deleted (live objects, uploads in progress), or a put order of an upload still open.
 */
export const REFERENCED_SQL = `(EXISTS (SELECT 1 FROM pieces q WHERE q.cid = p.cid AND q.node_id = p.node_id AND q.status <> 'deleted')
  OR EXISTS (SELECT 1 FROM upload_segments us JOIN uploads u ON u.id = us.upload_id
             WHERE NOT us.committed AND u.completed_at IS NULL AND u.expires_at > now()
               AND us.placements @> jsonb_build_array(jsonb_build_object('cid', p.cid, 'nodeId', p.node_id))))`

export interface SegmentToRepair {
  objectCid: string
  uploadId: string
  seg: number
  healthy: number
}

export class PieceRecordStore {
  constructor(private readonly db: Queryable, private readonly graceMs: number) {}

  /**
   * Deleted pieces on online nodes that nothing else references, so the node may drop them: no
   * other row (a live object's piece, a committed segment of an upload in progress) holds the
   * same CID on the same node, and no open upload was ordered to put it there.
   */
  async deleted(limit: number): Promise<PieceRef[]> {
    const r = await this.db.query<RawPiece>(
      `SELECT ${PIECE_COLUMNS} FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.status = 'deleted' AND n.status = 'online' AND NOT ${REFERENCED_SQL} LIMIT $1`,
      [limit],
    )
    return r.rows.map(toRef)
  }

  /**
   * Forgets rows of deleted pieces whose CID another row or open upload still references on the
   * same node: the node keeps the bytes for them. Returns how many rows went.
   */
  async forgetReferenced(limit: number): Promise<number> {
    const r = await this.db.query(
      `DELETE FROM pieces WHERE (upload_id, seg, piece_index) IN (
         SELECT p.upload_id, p.seg, p.piece_index FROM pieces p WHERE p.status = 'deleted' AND ${REFERENCED_SQL} LIMIT $1)`,
      [limit],
    )
    return r.rowCount
  }

  async forget(p: Pick<PieceRef, 'uploadId' | 'seg' | 'index'>): Promise<void> {
    await this.db.query('DELETE FROM pieces WHERE upload_id = $1 AND seg = $2 AND piece_index = $3', [p.uploadId, p.seg, p.index])
  }

  /**
   * Of `cids` held by node `nodeId`, those no record references there: no piece row of any status
   * (deleted rows are the collector's) and no put order of an open upload.
   */
  async unreferenced(nodeId: string, cids: string[]): Promise<string[]> {
    if (cids.length === 0) return []
    const r = await this.db.query<{ cid: string }>(
      `SELECT c.cid FROM jsonb_array_elements_text($2::jsonb) AS c(cid)
       WHERE NOT EXISTS (SELECT 1 FROM pieces q WHERE q.cid = c.cid AND q.node_id = $1)
         AND NOT EXISTS (SELECT 1 FROM upload_segments us JOIN uploads u ON u.id = us.upload_id
                         WHERE NOT us.committed AND u.completed_at IS NULL AND u.expires_at > now()
                           AND us.placements @> jsonb_build_array(jsonb_build_object('cid', c.cid, 'nodeId', $1::text)))`,
      [nodeId, JSON.stringify(cids)],
    )
    return r.rows.map((x) => x.cid)
  }

  /**
   * Uploads that expired unfinished: their committed pieces are marked deleted (the collector
   * removes those nothing else references), and uploads with no pieces left go. Returns how many
   * pieces were released.
   */
  async releaseAbandonedUploads(): Promise<number> {
    const r = await this.db.query(
      `UPDATE pieces SET status = 'deleted', updated_at = now()
       WHERE status <> 'deleted' AND object_cid IS NULL
         AND upload_id IN (SELECT id FROM uploads WHERE completed_at IS NULL AND expires_at < now())`,
    )
    await this.db.query(
      `DELETE FROM uploads u WHERE u.completed_at IS NULL AND u.expires_at < now()
         AND NOT EXISTS (SELECT 1 FROM pieces p WHERE p.upload_id = u.id)`,
    )
    return r.rowCount
  }

  /** Up to `limit` online nodes, at random, with their endpoints (the orphan sweep visits a few per round). */
  async onlineNodes(limit: number): Promise<Array<{ id: string; endpoint: string }>> {
    const r = await this.db.query<{ id: string; endpoint: string }>(`SELECT id, endpoint FROM nodes WHERE status = 'online' ORDER BY random() LIMIT $1`, [limit])
    return r.rows
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

  /**
   * Segments of live objects whose healthy pieces fell below the repair threshold, and segments a
   * repair started but could not finish (it found a home for some pieces only) until every piece
   * is healthy again; except those whose last repair failed and whose backoff has not run out.
   */
  async needingRepair(limit: number): Promise<SegmentToRepair[]> {
    const r = await this.db.query<{ object_cid: string; upload_id: string; seg: number; healthy: string | number }>(
      `SELECT o.cid AS object_cid, o.upload_id, p.seg, count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) AS healthy
       FROM objects o JOIN pieces p ON p.object_cid = o.cid JOIN nodes n ON n.id = p.node_id
       WHERE o.deleted_at IS NULL AND p.status <> 'deleted'
         AND NOT EXISTS (SELECT 1 FROM segment_repairs r WHERE r.upload_id = o.upload_id AND r.seg = p.seg AND r.next_attempt_at > now())
       GROUP BY o.cid, o.upload_id, p.seg, o.repair_threshold
       HAVING count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) < o.repair_threshold
           OR (count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) < count(*)
               AND EXISTS (SELECT 1 FROM segment_repairs r WHERE r.upload_id = o.upload_id AND r.seg = p.seg))
       LIMIT $2`,
      [this.graceMs, limit],
    )
    return r.rows.map((x) => ({ objectCid: x.object_cid, uploadId: x.upload_id, seg: x.seg, healthy: Number(x.healthy) }))
  }

  /**
   * Records a repair that could not finish: the segment is skipped until its backoff runs out,
   * `min(maxMs, baseMs · 2^attempts)`, and its object reads as under-replicated meanwhile.
   * Returns the attempts so far.
   */
  async repairFailed(uploadId: string, seg: number, reason: string, baseMs: number, maxMs: number): Promise<number> {
    const r = await this.db.query<{ attempts: number }>(
      `INSERT INTO segment_repairs (upload_id, seg, attempts, next_attempt_at, reason)
       VALUES ($1, $2, 1, now() + ($4::text || ' milliseconds')::interval, $3)
       ON CONFLICT (upload_id, seg) DO UPDATE SET attempts = segment_repairs.attempts + 1, reason = EXCLUDED.reason, updated_at = now(),
         next_attempt_at = now() + (least($5::float8, $4::float8 * power(2, segment_repairs.attempts))::text || ' milliseconds')::interval
       RETURNING attempts`,
      [uploadId, seg, reason.slice(0, 500), String(baseMs), String(maxMs)],
    )
    return r.rows[0]?.attempts ?? 1
  }

  /** Ends every repair's wait (a node joined or came back); the attempts so far still count. */
  async retryRepairsNow(): Promise<void> {
    await this.db.query('UPDATE segment_repairs SET next_attempt_at = now() WHERE next_attempt_at > now()')
  }

  /** Forgets a segment's failed repairs (it was repaired). */
  async repairDone(uploadId: string, seg: number): Promise<void> {
    await this.db.query('DELETE FROM segment_repairs WHERE upload_id = $1 AND seg = $2', [uploadId, seg])
  }

  /** Forgets failed repairs of segments that are whole again (nodes came back or repair finished) or deleted. */
  async clearSettledRepairs(): Promise<void> {
    await this.db.query(
      `DELETE FROM segment_repairs r WHERE NOT EXISTS (
         SELECT 1 FROM objects o JOIN pieces p ON p.object_cid = o.cid JOIN nodes n ON n.id = p.node_id
         WHERE o.upload_id = r.upload_id AND p.seg = r.seg AND o.deleted_at IS NULL AND p.status <> 'deleted'
         HAVING count(*) FILTER (WHERE ${HEALTHY_SQL.replace('$GRACE', '$1')}) < count(*))`,
      [this.graceMs],
    )
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
