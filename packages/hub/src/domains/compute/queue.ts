/**
 * The task queue: rows in the database, claimed with FOR UPDATE SKIP LOCKED so any number of hubs
 * (and nodes pulling through them) share it without double-leasing. Leases have deadlines;
 * failures retry with exponential backoff up to a maximum, never on a node that already failed
 * the task; stragglers get one speculative copy; and a partial unique index makes each replica's
 * result commit exactly once, whichever copy finishes first. Same SQL on PGlite and PostgreSQL.
 */
import type { Database } from '../../db/types.js'
import { event, iso, newTaskId, QUEUE_DEFAULTS, settle, type QueueOptions } from './queue-sql.js'
import * as reports from './reports.js'
import type { CommitOutcome, FailOutcome, Report } from './reports.js'
import * as upkeep from './upkeep.js'

export { QUEUE_DEFAULTS, type QueueOptions } from './queue-sql.js'
export type { CommitOutcome, FailOutcome, Report } from './reports.js'

export interface NewJob {
  id: string
  owner: string
  executor: string
  spec: unknown
  priority?: number
  /** Independent runs on distinct nodes (verification); default 1. */
  replicas?: number
  maxAttempts?: number
  /** Preferred node per replica (from the router); any eligible node may take it otherwise. */
  assignments?: Array<string | undefined>
  /** W3S objects the job reads, by role: only nodes holding their wrapped keys may claim it. */
  inputs?: Record<string, string>
  tolerance?: number
  /** 'awaiting-keys' holds the job until the owner has wrapped the input keys to its nodes. */
  status?: 'queued' | 'awaiting-keys'
  /** The x25519 key the node seals the result to (the owner's); absent: a plain result. */
  sealTo?: string
  /** A job on a compute-only purchase: the order, and the seller who wraps `providedCid`'s key to its nodes. */
  grant?: { orderId: string; provider: string; providedCid: string }
  /** The nodes chosen at submission, each with its x25519 key (the provider wraps to them). */
  candidates?: Array<{ nodeId: string; encryptionKey: string }>
}

export interface LeasedTask {
  id: string
  jobId: string
  replica: number
  executor: string
  spec: unknown
  leaseId: string
  leaseExpiresAt: string
  attempt: number
}

export interface TaskEvent {
  id: number
  taskId: string
  at: string
  kind: string
  nodeId: string | null
  detail: unknown
}

export class TaskQueue {
  private readonly o: QueueOptions

  constructor(private readonly db: Database, options: Partial<QueueOptions> = {}) {
    this.o = { ...QUEUE_DEFAULTS, ...options }
  }

  async enqueue(job: NewJob): Promise<string[]> {
    const replicas = job.replicas ?? 1
    const ids = Array.from({ length: replicas }, newTaskId)
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO jobs (id, owner, executor, spec, priority, replicas, inputs, tolerance, status, seal_to, order_id, provider, provided_cid, candidates)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14::jsonb)`,
        [
          job.id, job.owner, job.executor, JSON.stringify(job.spec ?? null), job.priority ?? 0, replicas, JSON.stringify(job.inputs ?? {}), job.tolerance ?? 0, job.status ?? 'queued', job.sealTo ?? null,
          job.grant?.orderId ?? null, job.grant?.provider ?? null, job.grant?.providedCid ?? null, job.candidates === undefined ? null : JSON.stringify(job.candidates),
        ],
      )
      for (let r = 0; r < replicas; r++) {
        await tx.query(
          `INSERT INTO tasks (id, job_id, replica, owner, executor, priority, max_attempts, assigned_node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [ids[r], job.id, r, job.owner, job.executor, job.priority ?? 0, job.maxAttempts ?? 3, job.assignments?.[r] ?? null],
        )
        await event(tx, ids[r]!, job.id, 'queued', null, job.assignments?.[r] === undefined ? null : { assignedNode: job.assignments[r] })
      }
    })
    return ids
  }

  /**
   * Leases up to `capacity` tasks this node may run: its executors, assigned to it or to nobody,
   * not failed by it before, no other copy of the same job on it. Higher priority first, then the
   * accounts with the fewest tasks running (fairness), then oldest.
   */
  async claim(nodeId: string, executors: string[], capacity: number): Promise<LeasedTask[]> {
    if (capacity <= 0 || executors.length === 0) return []
    const r = await this.db.query<{ id: string; job_id: string; replica: number; executor: string; spec: unknown; lease_id: string; lease_expires_at: Date | string; attempts: number }>(
      `WITH picked AS (
         SELECT t.id FROM tasks t
         WHERE t.status = 'queued' AND t.not_before <= now() AND t.executor = ANY($2::text[])
           AND (t.assigned_node IS NULL OR t.assigned_node = $1) AND NOT ($1 = ANY(t.excluded_nodes))
           AND EXISTS (SELECT 1 FROM jobs j WHERE j.id = t.job_id AND j.status IN ('queued', 'running')
                         AND (j.inputs = '{}'::jsonb OR EXISTS (SELECT 1 FROM job_keys k WHERE k.job_id = j.id AND k.node_id = $1)))
           AND NOT EXISTS (SELECT 1 FROM tasks o WHERE o.job_id = t.job_id AND o.id <> t.id AND o.node_id = $1 AND o.status IN ('leased', 'succeeded'))
           -- One copy of a job per node per claim: only the lowest eligible replica is a candidate.
           AND NOT EXISTS (SELECT 1 FROM tasks p WHERE p.job_id = t.job_id AND p.status = 'queued' AND p.replica < t.replica
                             AND p.not_before <= now() AND (p.assigned_node IS NULL OR p.assigned_node = $1) AND NOT ($1 = ANY(p.excluded_nodes)))
         ORDER BY t.priority DESC,
                  (SELECT count(*) FROM tasks r WHERE r.owner = t.owner AND r.status = 'leased'),
                  t.created_at
         LIMIT $3
         FOR UPDATE SKIP LOCKED)
       UPDATE tasks AS t SET status = 'leased', node_id = $1, lease_id = md5(random()::text || t.id), leased_at = now(),
         lease_expires_at = now() + ($4::text || ' milliseconds')::interval, attempts = t.attempts + 1,
         expired_lease_id = NULL, expired_node = NULL, updated_at = now()
       FROM picked WHERE t.id = picked.id
       RETURNING t.id, t.job_id, t.replica, t.executor, (SELECT spec FROM jobs j WHERE j.id = t.job_id) AS spec, t.lease_id, t.lease_expires_at, t.attempts`,
      [nodeId, executors, capacity, String(this.o.leaseMs)],
    )
    for (const t of r.rows) {
      await event(this.db, t.id, t.job_id, 'leased', nodeId, { attempt: t.attempts })
      await settle(this.db, t.job_id)
    }
    return r.rows.map((t) => ({ id: t.id, jobId: t.job_id, replica: t.replica, executor: t.executor, spec: t.spec, leaseId: t.lease_id, leaseExpiresAt: iso(t.lease_expires_at), attempt: t.attempts }))
  }

  /**
   * Appends a progress report of a task the node holds (or held when its lease expired unheard)
   * to the job history, once per `seq` when the node numbers its reports; the job id, or undefined
   * when the lease is lost.
   */
  progress(taskId: string, leaseId: string, nodeId: string, progress: unknown, seq?: number): Promise<string | undefined> {
    return reports.progress(this.db, taskId, leaseId, nodeId, progress, seq)
  }

  /** Extends a lease the node still holds; false when it lost it. */
  async renew(taskId: string, leaseId: string, nodeId: string): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE tasks SET lease_expires_at = now() + ($4::text || ' milliseconds')::interval, updated_at = now()
       WHERE id = $1 AND lease_id = $2 AND node_id = $3 AND status = 'leased'`,
      [taskId, leaseId, nodeId, String(this.o.leaseMs)],
    )
    return r.rowCount === 1
  }

  /**
   * Commits a result once per replica (see reports.ts): `stale` for a lost lease, `duplicate` when
   * another copy committed first, the first answer with `repeated` for a report sent again. A late
   * result on a lease that expired while no other node leased the task again is committed.
   */
  complete(taskId: string, leaseId: string, nodeId: string, result: unknown, digest: string): Promise<Report<CommitOutcome>> {
    return reports.complete(this.db, taskId, leaseId, nodeId, result, digest)
  }

  /** Records a failed attempt (see reports.ts), retried later on another node while attempts remain. */
  fail(taskId: string, leaseId: string, nodeId: string, error: unknown, retryable = true): Promise<Report<FailOutcome>> {
    return reports.fail(this.db, this.o, taskId, leaseId, nodeId, error, retryable)
  }

  /** Re-dispatches every task whose lease ran out (its node died or stalled); returns their jobs. */
  expire(): Promise<string[]> {
    return upkeep.expire(this.db, this.o)
  }

  /** Frees tasks waiting for an assigned node that did not claim them within `afterMs`; returns their jobs. */
  releaseAssignments(afterMs: number): Promise<string[]> {
    return upkeep.releaseAssignments(this.db, afterMs)
  }

  /** Retries or fails queued tasks no online keyed node can take (see upkeep.ts); returns the jobs changed. */
  unstrand(afterMs: number, failAfterMs: number): Promise<string[]> {
    return upkeep.unstrand(this.db, afterMs, failAfterMs)
  }

  /** Queues one speculative copy of each task leased longer than `afterMs` (a straggler). */
  speculate(afterMs: number): Promise<string[]> {
    return upkeep.speculate(this.db, afterMs)
  }

  /** Stores input keys wrapped to nodes, assigns replicas to keyed nodes and releases the job. */
  async activate(jobId: string, keys: Array<{ nodeId: string; cid: string; wrappedKey: unknown }>, assignments: string[]): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const j = await tx.query(`UPDATE jobs SET status = 'queued', updated_at = now() WHERE id = $1 AND status = 'awaiting-keys'`, [jobId])
      if (j.rowCount === 0) return false
      await tx.query(
        `INSERT INTO job_keys (job_id, node_id, object_cid, wrapped_key)
         SELECT $1, node_id, cid, wrapped_key FROM jsonb_to_recordset($2::jsonb) AS k(node_id text, cid text, wrapped_key jsonb)
         ON CONFLICT DO NOTHING`,
        [jobId, JSON.stringify(keys.map((k) => ({ node_id: k.nodeId, cid: k.cid, wrapped_key: k.wrappedKey })))],
      )
      for (const [replica, nodeId] of assignments.entries()) {
        await tx.query('UPDATE tasks SET assigned_node = $3 WHERE job_id = $1 AND replica = $2 AND status = $4', [jobId, replica, nodeId, 'queued'])
      }
      return true
    })
  }

  /**
   * Records wrapped input keys of a job still awaiting them (two parties may wrap: the owner its
   * inputs, a provider the input it sells compute on); the nodes now holding a key for every
   * input. A key sent again for the same node and input replaces nothing.
   */
  async addKeys(jobId: string, keys: Array<{ nodeId: string; cid: string; wrappedKey: unknown }>): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const j = await tx.query<{ inputs: Record<string, string> }>(`SELECT inputs FROM jobs WHERE id = $1 AND status = 'awaiting-keys' FOR UPDATE`, [jobId])
      const row = j.rows[0]
      if (row === undefined) return []
      await tx.query(
        `INSERT INTO job_keys (job_id, node_id, object_cid, wrapped_key)
         SELECT $1, node_id, cid, wrapped_key FROM jsonb_to_recordset($2::jsonb) AS k(node_id text, cid text, wrapped_key jsonb)
         ON CONFLICT DO NOTHING`,
        [jobId, JSON.stringify(keys.map((k) => ({ node_id: k.nodeId, cid: k.cid, wrapped_key: k.wrappedKey })))],
      )
      const need = new Set(Object.values(row.inputs)).size
      const r = await tx.query<{ node_id: string }>(
        'SELECT node_id FROM job_keys WHERE job_id = $1 GROUP BY node_id HAVING count(DISTINCT object_cid) >= $2 ORDER BY node_id',
        [jobId, need],
      )
      return r.rows.map((k) => k.node_id)
    })
  }

  /** Adds one more replica (a tie-breaker after a disagreement), away from the nodes already used. */
  async addReplica(jobId: string): Promise<string | undefined> {
    const id = newTaskId()
    const r = await this.db.query<{ id: string }>(
      `WITH j AS (UPDATE jobs SET replicas = replicas + 1, status = 'running', updated_at = now() WHERE id = $2 AND status IN ('queued', 'running', 'succeeded') RETURNING id, replicas, owner, executor, priority)
       INSERT INTO tasks (id, job_id, replica, owner, executor, priority, excluded_nodes)
       SELECT $1, j.id, j.replicas - 1, j.owner, j.executor, j.priority,
              coalesce((SELECT array_agg(DISTINCT node_id) FROM tasks WHERE job_id = j.id AND node_id IS NOT NULL), '{}')
       FROM j RETURNING id`,
      [id, jobId],
    )
    if (r.rows[0] === undefined) return undefined
    await event(this.db, id, jobId, 'queued', null, { reason: 'tie-breaker' })
    return id
  }

  /** Cancels a job's unfinished tasks; false when it had already finished. */
  async cancel(jobId: string): Promise<boolean> {
    const j = await this.db.query(
      `UPDATE jobs SET status = 'cancelled', updated_at = now(), finished_at = now() WHERE id = $1 AND status IN ('awaiting-keys', 'queued', 'running')`,
      [jobId],
    )
    if (j.rowCount === 0) return false
    const t = await this.db.query<{ id: string }>(
      `UPDATE tasks SET status = 'cancelled', lease_id = NULL, updated_at = now() WHERE job_id = $1 AND status IN ('queued', 'leased') RETURNING id`,
      [jobId],
    )
    for (const row of t.rows) await event(this.db, row.id, jobId, 'cancelled', null, { reason: 'job cancelled' })
    return true
  }

  /**
   * Online nodes that could run one more replica of a job (a tie-breaker): keyed to it (any node
   * running its executor when it has no inputs) and not holding or having committed a copy of it.
   */
  async freshNodes(jobId: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM nodes n JOIN jobs j ON j.id = $1
       WHERE n.status = 'online'
         AND CASE WHEN j.inputs = '{}'::jsonb THEN n.capabilities->'executors' @> jsonb_build_array(j.executor)
                  ELSE EXISTS (SELECT 1 FROM job_keys k WHERE k.job_id = j.id AND k.node_id = n.id) END
         AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.job_id = j.id AND t.node_id = n.id AND t.status IN ('leased', 'succeeded'))`,
      [jobId],
    )
    return Number(r.rows[0]?.n ?? 0)
  }

  async taskExecutor(taskId: string): Promise<string | undefined> {
    const r = await this.db.query<{ executor: string }>('SELECT executor FROM tasks WHERE id = $1', [taskId])
    return r.rows[0]?.executor
  }

  async taskJob(taskId: string): Promise<string | undefined> {
    const r = await this.db.query<{ job_id: string }>('SELECT job_id FROM tasks WHERE id = $1', [taskId])
    return r.rows[0]?.job_id
  }

  /** Replicas added to settle disagreements. */
  async tieBreakers(jobId: string): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM task_events WHERE job_id = $1 AND kind = 'queued' AND detail->>'reason' = 'tie-breaker'`, [jobId])
    return Number(r.rows[0]?.n ?? 0)
  }

  async history(jobId: string): Promise<TaskEvent[]> {
    const r = await this.db.query<{ id: string | number; task_id: string; at: Date | string; kind: string; node_id: string | null; detail: unknown }>(
      'SELECT id, task_id, at, kind, node_id, detail FROM task_events WHERE job_id = $1 ORDER BY id',
      [jobId],
    )
    return r.rows.map((e) => ({ id: Number(e.id), taskId: e.task_id, at: iso(e.at), kind: e.kind, nodeId: e.node_id, detail: e.detail }))
  }

  async job(jobId: string): Promise<{ status: string; replicas: number; results: Array<{ replica: number; result: unknown; digest: string | null; nodeId: string | null }> } | undefined> {
    const j = await this.db.query<{ status: string; replicas: number }>('SELECT status, replicas FROM jobs WHERE id = $1', [jobId])
    const row = j.rows[0]
    if (row === undefined) return undefined
    const t = await this.db.query<{ replica: number; result: unknown; result_digest: string | null; node_id: string | null }>(
      `SELECT replica, result, result_digest, node_id FROM tasks WHERE job_id = $1 AND status = 'succeeded' ORDER BY replica`,
      [jobId],
    )
    return { status: row.status, replicas: row.replicas, results: t.rows.map((x) => ({ replica: x.replica, result: x.result, digest: x.result_digest, nodeId: x.node_id })) }
  }
}
