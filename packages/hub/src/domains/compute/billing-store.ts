/** SQL of job_billing: a job's escrow, the settlement decided for it, and whether it was applied. */
import type { ResourceClass } from '@w3ai/ledger'
import type { Queryable } from '../../db/types.js'

export type BillingStatus = 'escrowed' | 'settled' | 'refunded'

/** The settlement decided for a job: its outcome and the transfers (amounts as decimal strings) to apply. */
export interface BillingPlan {
  outcome: 'paid' | 'refund'
  /** Units charged to the owner ('0' for a refund). */
  total: string
  /** The settlement chain, then the rewards (applied as separate, unlinked transfers). */
  chain: PlannedTransfer[]
  rewards: PlannedTransfer[]
}

export interface PlannedTransfer {
  id: string
  debit?: string
  credit?: string
  amount?: string
  kind?: string
  post?: string
  void?: string
  linked?: boolean
  memo?: string
}

export interface JobBillingRow {
  jobId: string
  owner: string
  resourceClass: ResourceClass
  pricePerSecond: bigint
  limitSeconds: number
  escrow: bigint
  status: BillingStatus
  plan: BillingPlan | null
  charged: bigint | null
  createdAt: string
}

interface Raw {
  job_id: string
  owner: string
  resource_class: ResourceClass
  price_per_second: string | number
  limit_seconds: number
  escrow: string | number
  status: BillingStatus
  plan: BillingPlan | null
  charged: string | number | null
  created_at: Date | string
}

/** NUMERIC comes back as a string (or a number from some drivers for small values): either way exact here. */
const big = (v: string | number): bigint => BigInt(typeof v === 'number' ? Math.trunc(v) : v)

const toRow = (r: Raw): JobBillingRow => ({
  jobId: r.job_id,
  owner: r.owner,
  resourceClass: r.resource_class,
  pricePerSecond: big(r.price_per_second),
  limitSeconds: Number(r.limit_seconds),
  escrow: big(r.escrow),
  status: r.status,
  plan: r.plan,
  charged: r.charged === null ? null : big(r.charged),
  createdAt: new Date(r.created_at).toISOString(),
})

/** What job billing reads and writes (JobBillingStore over SQL; tests pass an in-memory one). */
export type JobBillingRecords = Pick<JobBillingStore, 'insert' | 'get' | 'plan' | 'close' | 'unsettled' | 'taskTimes'>

export class JobBillingStore {
  constructor(private readonly db: Queryable) {}

  async insert(row: Pick<JobBillingRow, 'jobId' | 'owner' | 'resourceClass' | 'pricePerSecond' | 'limitSeconds' | 'escrow'>): Promise<void> {
    await this.db.query(
      `INSERT INTO job_billing (job_id, owner, resource_class, price_per_second, limit_seconds, escrow) VALUES ($1, $2, $3, $4::numeric, $5, $6::numeric) ON CONFLICT (job_id) DO NOTHING`,
      [row.jobId, row.owner, row.resourceClass, row.pricePerSecond.toString(), row.limitSeconds, row.escrow.toString()],
    )
  }

  async get(jobId: string): Promise<JobBillingRow | undefined> {
    const r = await this.db.query<Raw>('SELECT * FROM job_billing WHERE job_id = $1', [jobId])
    return r.rows[0] === undefined ? undefined : toRow(r.rows[0])
  }

  /** Keeps the first plan decided: a second decision (another hub, a retry) gets the stored one. */
  async plan(jobId: string, plan: BillingPlan): Promise<BillingPlan> {
    const r = await this.db.query<{ plan: BillingPlan }>(
      `UPDATE job_billing SET plan = coalesce(plan, $2::jsonb) WHERE job_id = $1 RETURNING plan`,
      [jobId, JSON.stringify(plan)],
    )
    return r.rows[0]?.plan ?? plan
  }

  /** Marks the plan applied. */
  async close(jobId: string, status: Exclude<BillingStatus, 'escrowed'>, charged: bigint): Promise<void> {
    await this.db.query(`UPDATE job_billing SET status = $2, charged = $3::numeric, settled_at = coalesce(settled_at, now()) WHERE job_id = $1 AND status = 'escrowed'`, [jobId, status, charged.toString()])
  }

  /**
   * Escrows still open whose job finished (or never came to be: a submission that failed between
   * the escrow and the job) at least `graceMs` ago, oldest first: what the upkeep settles. The
   * grace leaves a finishing job to the request that finishes it (a succeeded job may still be
   * given a tie-breaker by its verification).
   */
  async unsettled(graceMs: number, limit = 100): Promise<string[]> {
    const r = await this.db.query<{ job_id: string }>(
      `SELECT b.job_id FROM job_billing b LEFT JOIN jobs j ON j.id = b.job_id
       WHERE b.status = 'escrowed'
         AND (CASE WHEN j.id IS NULL THEN b.created_at ELSE j.updated_at END) < now() - ($1::text || ' milliseconds')::interval
         AND (j.id IS NULL OR j.status IN ('succeeded', 'failed', 'cancelled'))
       ORDER BY b.created_at LIMIT $2`,
      [String(graceMs), limit],
    )
    return r.rows.map((x) => x.job_id)
  }

  /** Each succeeded task's node and how long its last lease ran until it committed (ms). */
  async taskTimes(jobId: string): Promise<Array<{ nodeId: string; ms: number }>> {
    const r = await this.db.query<{ node_id: string; ms: number | string }>(
      `SELECT node_id, greatest(0, extract(epoch FROM (updated_at - leased_at)) * 1000)::float8 AS ms
       FROM tasks WHERE job_id = $1 AND status = 'succeeded' AND node_id IS NOT NULL ORDER BY replica`,
      [jobId],
    )
    return r.rows.map((t) => ({ nodeId: t.node_id, ms: Number(t.ms) }))
  }
}
