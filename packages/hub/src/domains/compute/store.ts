/** SQL for the job views and the verification bookkeeping around the task queue. */
import type { Job, JobExecutor } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'

interface RawJob {
  id: string
  owner: string
  executor: JobExecutor
  spec: unknown
  inputs: Record<string, string>
  tolerance: number
  status: string
  replicas: number
  result: unknown
  error: unknown
  created_at: Date | string
  finished_at: Date | string | null
  seal_to: string | null
  order_id: string | null
  provider: string | null
  provided_cid: string | null
  candidates: Array<{ nodeId: string; encryptionKey: string }> | null
}

export interface JobRow {
  id: string
  owner: string
  executor: JobExecutor
  params: unknown
  inputs: Record<string, string>
  tolerance: number
  status: string
  replicas: number
  result: unknown
  error: unknown
  createdAt: string
  finishedAt: string | null
  /** The owner's x25519 key its result is sealed to; null: a plain result. */
  sealTo: string | null
  /** A job on a compute-only purchase: its order, and the seller who wraps `providedCid`'s key. */
  grant: { orderId: string; provider: string; providedCid: string } | null
  /** The nodes chosen at submission (kept for a provider's keys); null on older jobs. */
  candidates: Array<{ nodeId: string; encryptionKey: string }> | null
}

const toRow = (r: RawJob): JobRow => ({
  id: r.id,
  owner: r.owner,
  executor: r.executor,
  params: r.spec,
  inputs: r.inputs,
  tolerance: Number(r.tolerance),
  status: r.status,
  replicas: r.replicas,
  result: r.result,
  error: r.error,
  createdAt: new Date(r.created_at).toISOString(),
  finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
  sealTo: r.seal_to ?? null,
  grant: r.order_id === null || r.order_id === undefined ? null : { orderId: r.order_id, provider: r.provider!, providedCid: r.provided_cid! },
  candidates: r.candidates ?? null,
})

const JOB_PAGES = new NewestFirst('jobs', /^j_[0-9a-f]{24}$/)

export class JobStore {
  constructor(private readonly db: Queryable) {}

  async get(id: string): Promise<JobRow | undefined> {
    const r = await this.db.query<RawJob>('SELECT * FROM jobs WHERE id = $1', [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toRow(row)
  }

  /** The owner's jobs, newest first, one page after `request.cursor` (keyset on created_at, id). */
  async list(owner: string, request: PageRequest = {}): Promise<Page<JobRow>> {
    const params: unknown[] = [owner]
    const after = JOB_PAGES.where(request, params, 'created_at', 'id')
    const r = await this.db.query<RawJob & { cursor_at: string }>(
      `SELECT *, ${keysetTime('created_at')} AS cursor_at FROM jobs WHERE owner = $1${after === undefined ? '' : ` AND ${after}`}
       ${JOB_PAGES.order('created_at', 'id')} LIMIT $${params.push(JOB_PAGES.limit(request) + 1)}`,
      params,
    )
    return JOB_PAGES.page(r.rows, request, (row) => row.id, toRow)
  }

  /** Successful results per replica, with the node that produced each. */
  async results(jobId: string): Promise<Array<{ replica: number; nodeId: string; result: unknown; digest: string | null }>> {
    const r = await this.db.query<{ replica: number; node_id: string; result: unknown; result_digest: string | null }>(
      `SELECT replica, node_id, result, result_digest FROM tasks WHERE job_id = $1 AND status = 'succeeded' ORDER BY replica`,
      [jobId],
    )
    return r.rows.map((t) => ({ replica: t.replica, nodeId: t.node_id, result: t.result, digest: t.result_digest }))
  }

  async finish(jobId: string, status: 'succeeded' | 'failed', result: unknown, error: unknown): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = $2, result = $3::jsonb, error = $4::jsonb, finished_at = coalesce(finished_at, now()), updated_at = now() WHERE id = $1`,
      [jobId, status, JSON.stringify(result ?? null), JSON.stringify(error ?? null)],
    )
  }

  /**
   * A verification's verdict: the job's status with its result or error, taken only while the job
   * is still undecided (running, or succeeded with its one replica's result); false when it was
   * decided or cancelled meanwhile.
   */
  async decide(jobId: string, status: 'succeeded' | 'failed', result: unknown, error: unknown): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE jobs SET status = $2, result = $3::jsonb, error = $4::jsonb, finished_at = coalesce(finished_at, now()), updated_at = now()
       WHERE id = $1 AND status IN ('running', 'succeeded')`,
      [jobId, status, JSON.stringify(result ?? null), JSON.stringify(error ?? null)],
    )
    return r.rowCount === 1
  }

  /** Running jobs with every replica in and no verdict, untouched for `idleMs` (a hub stopped mid-verification). */
  async unverified(idleMs: number, limit = 50): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT j.id FROM jobs j
       WHERE j.status = 'running' AND j.updated_at < now() - ($1::text || ' milliseconds')::interval
         AND (SELECT count(DISTINCT t.replica) FROM tasks t WHERE t.job_id = j.id AND t.status = 'succeeded') >= j.replicas
       LIMIT $2`,
      [String(idleMs), limit],
    )
    return r.rows.map((row) => row.id)
  }

  /** Jobs awaiting the keys a provider (a compute-only listing's seller) is to wrap, oldest first. */
  async awaitingProvider(provider: string, limit = 100): Promise<JobRow[]> {
    const r = await this.db.query<RawJob>(`SELECT * FROM jobs WHERE provider = $1 AND status = 'awaiting-keys' ORDER BY created_at, id LIMIT $2`, [provider, limit])
    return r.rows.map(toRow)
  }

  /** Moves node reputations: agreeing nodes up, disagreeing ones down (a moving average). */
  async recordVerification(nodeId: string, passed: boolean): Promise<void> {
    await this.db.query(
      `UPDATE nodes SET verifications_passed = verifications_passed + CASE WHEN $2 THEN 1 ELSE 0 END,
                        verifications_failed = verifications_failed + CASE WHEN $2 THEN 0 ELSE 1 END,
                        reputation = reputation * 0.7 + CASE WHEN $2 THEN 0.3 ELSE 0 END
       WHERE id = $1`,
      [nodeId, passed],
    )
  }

  async reputation(nodeId: string): Promise<number | undefined> {
    const r = await this.db.query<{ reputation: number }>('SELECT reputation FROM nodes WHERE id = $1', [nodeId])
    return r.rows[0] === undefined ? undefined : Number(r.rows[0].reputation)
  }

  /** Online nodes that run `executor` and can receive wrapped keys, least loaded first. */
  async candidates(executor: JobExecutor, count: number, exclude: string[] = []): Promise<Array<{ nodeId: string; encryptionKey: string }>> {
    const r = await this.db.query<{ id: string; encryption_key: string }>(
      `SELECT id, encryption_key FROM nodes
       WHERE status = 'online' AND encryption_key IS NOT NULL AND capabilities->'executors' @> $1::jsonb AND NOT (id = ANY($3::text[]))
       ORDER BY reputation DESC, coalesce((load->>'runningTasks')::int, 0), coalesce((load->>'cpuPercent')::float8, 0), random()
       LIMIT $2`,
      [JSON.stringify([executor]), count, exclude],
    )
    return r.rows.map((n) => ({ nodeId: n.id, encryptionKey: n.encryption_key }))
  }

  /** The x25519 keys of these nodes (those without one are left out), in the given order. */
  async encryptionKeys(ids: string[]): Promise<Array<{ nodeId: string; encryptionKey: string }>> {
    if (ids.length === 0) return []
    const r = await this.db.query<{ id: string; encryption_key: string }>(
      `SELECT id, encryption_key FROM nodes WHERE id = ANY($1::text[]) AND encryption_key IS NOT NULL AND status = 'online'`,
      [ids],
    )
    const byId = new Map(r.rows.map((n) => [n.id, n.encryption_key]))
    return ids.filter((id) => byId.has(id)).map((id) => ({ nodeId: id, encryptionKey: byId.get(id)! }))
  }

  /** The x25519 key an account registered (what its results may be sealed to); null when it has none. */
  async accountEncryptionKey(owner: string): Promise<string | null> {
    const r = await this.db.query<{ encryption_key: string | null }>('SELECT encryption_key FROM accounts WHERE id = $1', [owner])
    return r.rows[0]?.encryption_key ?? null
  }

  async keyFor(jobId: string, nodeId: string, cid: string): Promise<unknown> {
    const r = await this.db.query<{ wrapped_key: unknown }>('SELECT wrapped_key FROM job_keys WHERE job_id = $1 AND node_id = $2 AND object_cid = $3', [jobId, nodeId, cid])
    return r.rows[0]?.wrapped_key
  }
}

export function jobView(row: JobRow, history: Job['history'], verification: Job['verification']): Job {
  return {
    id: row.id,
    owner: row.owner,
    executor: row.executor,
    status: row.status,
    replicas: row.replicas,
    inputs: row.inputs,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    result: row.result,
    error: row.error,
    verification,
    history,
  }
}
