/**
 * SQL for storage payments (storage_billing, migration 019): one row per paid upload, from the
 * reservation at upload start to the refund once closed. A row's plan is the epoch's transfers,
 * written once (the first hub to plan the epoch wins) and applied by whoever finds it.
 */
import type { Queryable } from '../../db/types.js'
import type { PlannedTransfer } from './rewards-plan.js'

export interface BillingRow {
  uploadId: string
  owner: string
  durationMs: number
  objectCid: string | null
  storedBytes: number | null
  amount: bigint | null
  startsAt: number | null
  endsAt: number | null
  paidUntil: number | null
  planEnd: number | null
  plan: PlannedTransfer[] | null
  closed: boolean
}

interface RawBilling {
  upload_id: string
  owner: string
  duration_ms: string | number
  object_cid: string | null
  stored_bytes: string | number | null
  amount: string | null
  starts_at: Date | string | null
  ends_at: Date | string | null
  paid_until: Date | string | null
  plan_end: Date | string | null
  plan: PlannedTransfer[] | null
  closed_at: Date | string | null
}

const ms = (t: Date | string | null): number | null => (t === null ? null : new Date(t).getTime())
const iso = (t: number): string => new Date(t).toISOString()

const toRow = (r: RawBilling): BillingRow => ({
  uploadId: r.upload_id,
  owner: r.owner,
  durationMs: Number(r.duration_ms),
  objectCid: r.object_cid,
  storedBytes: r.stored_bytes === null ? null : Number(r.stored_bytes),
  amount: r.amount === null ? null : BigInt(r.amount),
  startsAt: ms(r.starts_at),
  endsAt: ms(r.ends_at),
  paidUntil: ms(r.paid_until),
  planEnd: ms(r.plan_end),
  plan: r.plan,
  closed: r.closed_at !== null,
})

const COLUMNS = 'upload_id, owner, duration_ms, object_cid, stored_bytes, amount::text AS amount, starts_at, ends_at, paid_until, plan_end, plan, closed_at'

/** What a node holds of one object: the bytes of its pieces whose last audit passed, on a node not offline. */
export interface ProvenBytes {
  uploadId: string
  nodeId: string
  bytes: number
}

export class BillingStore {
  constructor(private readonly db: Queryable) {}

  /** Records the paid duration of an upload at its start (kept if the upload asks again). */
  async reserve(uploadId: string, owner: string, durationMs: number): Promise<void> {
    await this.db.query('INSERT INTO storage_billing (upload_id, owner, duration_ms) VALUES ($1, $2, $3) ON CONFLICT (upload_id) DO NOTHING', [uploadId, owner, durationMs])
  }

  async get(uploadId: string): Promise<BillingRow | undefined> {
    const r = await this.db.query<RawBilling>(`SELECT ${COLUMNS} FROM storage_billing WHERE upload_id = $1`, [uploadId])
    const row = r.rows[0]
    return row === undefined ? undefined : toRow(row)
  }

  /** Sets what the completed upload pays (bytes held by the nodes, amount), before its escrow transfer. */
  async price(uploadId: string, owner: string, durationMs: number, storedBytes: number, amount: bigint): Promise<void> {
    await this.db.query(
      `INSERT INTO storage_billing (upload_id, owner, duration_ms, stored_bytes, amount) VALUES ($1, $2, $3, $4, $5::numeric)
       ON CONFLICT (upload_id) DO UPDATE SET stored_bytes = EXCLUDED.stored_bytes, amount = EXCLUDED.amount
       WHERE storage_billing.object_cid IS NULL AND storage_billing.closed_at IS NULL`,
      [uploadId, owner, durationMs, storedBytes, amount.toString()],
    )
  }

  /**
   * Starts the paid period of every priced row whose object now exists (its creation time is the
   * start, to the ms: the stretch bounds are ms, and a plan is claimed by matching paid_until
   * exactly), so a hub that stopped between the escrow and this step catches up.
   */
  async activate(uploadId?: string): Promise<void> {
    await this.db.query(
      `UPDATE storage_billing b SET object_cid = o.cid, starts_at = date_trunc('milliseconds', o.created_at), paid_until = date_trunc('milliseconds', o.created_at),
              ends_at = date_trunc('milliseconds', o.created_at) + (b.duration_ms::text || ' milliseconds')::interval
       FROM objects o
       WHERE o.upload_id = b.upload_id AND b.object_cid IS NULL AND b.amount IS NOT NULL AND b.closed_at IS NULL
         ${uploadId === undefined ? '' : 'AND b.upload_id = $1'}`,
      uploadId === undefined ? [] : [uploadId],
    )
  }

  /**
   * Closes rows that are done: their object was deleted or their paid period is over; or their
   * upload is no longer in progress (completed, expired or gone) and they were never priced (a
   * free upload: nothing to refund, the row is removed) or paid for no object (abandoned after
   * its escrow: refunded). Any plan not applied is dropped.
   */
  async closeFinished(now: number): Promise<void> {
    await this.db.query(
      `UPDATE storage_billing b SET closed_at = now(), plan = NULL, plan_end = NULL
       WHERE b.closed_at IS NULL AND (
         (b.object_cid IS NOT NULL AND (b.paid_until >= b.ends_at
            OR EXISTS (SELECT 1 FROM objects o WHERE o.cid = b.object_cid AND o.upload_id = b.upload_id AND o.deleted_at IS NOT NULL)))
         OR (b.object_cid IS NULL
             AND NOT EXISTS (SELECT 1 FROM uploads u WHERE u.id = b.upload_id AND u.completed_at IS NULL AND u.expires_at > $1)
             AND (b.amount IS NULL OR NOT EXISTS (SELECT 1 FROM objects o WHERE o.upload_id = b.upload_id))))`,
      [iso(now)],
    )
    await this.db.query('DELETE FROM storage_billing WHERE closed_at IS NOT NULL AND amount IS NULL')
  }

  /** Closes one row now (its object was deleted). */
  async close(uploadId: string): Promise<void> {
    await this.db.query('UPDATE storage_billing SET closed_at = now(), plan = NULL, plan_end = NULL WHERE upload_id = $1 AND closed_at IS NULL', [uploadId])
  }

  /** Closed rows whose escrow is not refunded yet. */
  async toRefund(limit: number): Promise<BillingRow[]> {
    const r = await this.db.query<RawBilling>(`SELECT ${COLUMNS} FROM storage_billing WHERE closed_at IS NOT NULL AND refunded_at IS NULL AND amount IS NOT NULL ORDER BY upload_id LIMIT $1`, [limit])
    return r.rows.map(toRow)
  }

  async refunded(uploadId: string): Promise<void> {
    await this.db.query('UPDATE storage_billing SET refunded_at = now() WHERE upload_id = $1', [uploadId])
  }

  /** Open rows with a plan to apply, or with time before `epochEnd` not paid yet. */
  async due(epochEnd: number, limit: number): Promise<BillingRow[]> {
    const r = await this.db.query<RawBilling>(
      `SELECT ${COLUMNS} FROM storage_billing
       WHERE closed_at IS NULL AND object_cid IS NOT NULL AND (plan_end IS NOT NULL OR (paid_until < $1 AND paid_until < ends_at))
       ORDER BY paid_until, upload_id LIMIT $2`,
      [iso(epochEnd), limit],
    )
    return r.rows.map(toRow)
  }

  /** Bytes per node of these uploads' pieces whose last audit passed, on nodes not offline. */
  async provenBytes(uploadIds: string[]): Promise<ProvenBytes[]> {
    if (uploadIds.length === 0) return []
    const r = await this.db.query<{ upload_id: string; node_id: string; bytes: string | number }>(
      `SELECT p.upload_id, p.node_id, sum(p.size) AS bytes FROM pieces p JOIN nodes n ON n.id = p.node_id
       WHERE p.upload_id = ANY($1::text[]) AND p.status = 'healthy' AND p.audited_at IS NOT NULL AND n.status <> 'offline'
       GROUP BY p.upload_id, p.node_id ORDER BY p.upload_id, p.node_id`,
      [uploadIds],
    )
    return r.rows.map((x) => ({ uploadId: x.upload_id, nodeId: x.node_id, bytes: Number(x.bytes) }))
  }

  /**
   * Writes the plan for the time up to `planEnd` unless a plan exists or that time was paid: the
   * first hub to plan wins. Returns the row as it is now (with whichever plan won).
   */
  async savePlan(uploadId: string, paidUntil: number, planEnd: number, plan: PlannedTransfer[]): Promise<BillingRow | undefined> {
    await this.db.query(
      `UPDATE storage_billing SET plan_end = $3, plan = $4::jsonb
       WHERE upload_id = $1 AND closed_at IS NULL AND plan_end IS NULL AND paid_until = $2`,
      [uploadId, iso(paidUntil), iso(planEnd), JSON.stringify(plan)],
    )
    return this.get(uploadId)
  }

  /** Marks a plan applied: the time up to its end is paid. */
  async planApplied(uploadId: string, planEnd: number): Promise<void> {
    await this.db.query('UPDATE storage_billing SET paid_until = plan_end, plan = NULL, plan_end = NULL WHERE upload_id = $1 AND plan_end = $2', [uploadId, iso(planEnd)])
  }
}
