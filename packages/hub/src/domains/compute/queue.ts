/**
 * The task queue: rows in the database, claimed with FOR UPDATE SKIP LOCKED so any number of hubs
 * (and nodes pulling through them) share it without double-leasing. Leases have deadlines;
 * failures retry with exponential backoff up to a maximum, never on a node that already failed
 * the task; stragglers get one speculative copy; and a partial unique index makes each replica's
 * result commit exactly once, whichever copy finishes first. Same SQL on PGlite and PostgreSQL.
 */
import { randomBytes } from 'node:crypto'
import type { Database, Queryable } from '../../db/types.js'

export interface QueueOptions {
  /** How long a claim holds a task before it is re-dispatched (default 30 s). */
  leaseMs: number
  /** First retry delay; doubles per attempt (default 500 ms). */
  backoffBaseMs: number
  backoffMaxMs: number
}

export const QUEUE_DEFAULTS: QueueOptions = { leaseMs: 30_000, backoffBaseMs: 500, backoffMaxMs: 30_000 }

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

export type CommitOutcome = 'committed' | 'duplicate' | 'stale'
export type FailOutcome = 'retrying' | 'failed' | 'stale'

/** What the queue decided for a report; `repeated` when it had decided it before (nothing changed now). */
export interface Report<T extends string> {
  outcome: T
  repeated: boolean
}

const STALE = { outcome: 'stale', repeated: false } as const

export interface TaskEvent {
  id: number
  taskId: string
  at: string
  kind: string
  nodeId: string | null
  detail: unknown
}

const newTaskId = (): string => `t_${randomBytes(10).toString('hex')}`
const iso = (d: Date | string): string => new Date(d).toISOString()

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
        `INSERT INTO jobs (id, owner, executor, spec, priority, replicas, inputs, tolerance, status) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9)`,
        [job.id, job.owner, job.executor, JSON.stringify(job.spec ?? null), job.priority ?? 0, replicas, JSON.stringify(job.inputs ?? {}), job.tolerance ?? 0, job.status ?? 'queued'],
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
         lease_expires_at = now() + ($4::text || ' milliseconds')::interval, attempts = t.attempts + 1, updated_at = now()
       FROM picked WHERE t.id = picked.id
       RETURNING t.id, t.job_id, t.replica, t.executor, (SELECT spec FROM jobs j WHERE j.id = t.job_id) AS spec, t.lease_id, t.lease_expires_at, t.attempts`,
      [nodeId, executors, capacity, String(this.o.leaseMs)],
    )
    for (const t of r.rows) {
      await event(this.db, t.id, t.job_id, 'leased', nodeId, { attempt: t.attempts })
      await this.settle(t.job_id)
    }
    return r.rows.map((t) => ({ id: t.id, jobId: t.job_id, replica: t.replica, executor: t.executor, spec: t.spec, leaseId: t.lease_id, leaseExpiresAt: iso(t.lease_expires_at), attempt: t.attempts }))
  }

  /** Appends a progress report of a task the node still holds to the job history. */
  async progress(taskId: string, leaseId: string, nodeId: string, progress: unknown): Promise<string | undefined> {
    const r = await this.db.query<{ job_id: string }>(
      `SELECT job_id FROM tasks WHERE id = $1 AND lease_id = $2 AND node_id = $3 AND status = 'leased'`,
      [taskId, leaseId, nodeId],
    )
    const jobId = r.rows[0]?.job_id
    if (jobId !== undefined) await event(this.db, taskId, jobId, 'progress', nodeId, progress)
    return jobId
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
   * Commits a result once per replica: a lost or superseded lease is `stale`; a replica another
   * copy committed first is `duplicate`. The same report sent again (same task, lease, node and
   * result digest; the node's outbox retries until it hears back) gets the first answer with
   * `repeated`, and changes nothing.
   */
  async complete(taskId: string, leaseId: string, nodeId: string, result: unknown, digest: string): Promise<Report<CommitOutcome>> {
    return this.db.transaction(async (tx) => {
      const seen = await reported(tx, taskId, leaseId, nodeId)
      if (seen !== undefined) return repeatOf<CommitOutcome>(seen, 'complete', digest)
      const own = await tx.query<{ job_id: string; replica: number }>('SELECT job_id, replica FROM tasks WHERE id = $1', [taskId])
      const task = own.rows[0]
      if (task === undefined) return STALE
      // Every copy of this replica, locked in one order: two copies finishing at once commit one after the other.
      await tx.query('SELECT id FROM tasks WHERE job_id = $1 AND replica = $2 ORDER BY id FOR UPDATE', [task.job_id, task.replica])
      const mine = await tx.query('SELECT 1 FROM tasks WHERE id = $1 AND lease_id = $2 AND node_id = $3 AND status = $4', [taskId, leaseId, nodeId, 'leased'])
      if (mine.rows.length === 0) {
        // The same report may have been committed by a request that held the lock before this one.
        const again = await reported(tx, taskId, leaseId, nodeId)
        return again === undefined ? STALE : repeatOf<CommitOutcome>(again, 'complete', digest)
      }
      const committed = await tx.query("SELECT 1 FROM tasks WHERE job_id = $1 AND replica = $2 AND id <> $3 AND status = 'succeeded'", [task.job_id, task.replica, taskId])
      if (committed.rows.length > 0) {
        // Another copy of this replica already committed: this one is cancelled, not a second result.
        await tx.query(`UPDATE tasks SET status = 'cancelled', lease_id = NULL, updated_at = now() WHERE id = $1`, [taskId])
        await event(tx, taskId, task.job_id, 'duplicate', nodeId, null)
        await record(tx, taskId, leaseId, nodeId, 'complete', 'duplicate', digest)
        return { outcome: 'duplicate', repeated: false }
      }
      await tx.query(
        `UPDATE tasks SET status = 'succeeded', result = $2::jsonb, result_digest = $3, lease_id = NULL, updated_at = now() WHERE id = $1`,
        [taskId, JSON.stringify(result), digest],
      )
      await event(tx, taskId, task.job_id, 'succeeded', nodeId, { digest })
      const siblings = await tx.query<{ id: string }>(
        `UPDATE tasks SET status = 'cancelled', lease_id = NULL, updated_at = now()
         WHERE job_id = $1 AND replica = $2 AND id <> $3 AND status IN ('queued', 'leased') RETURNING id`,
        [task.job_id, task.replica, taskId],
      )
      for (const s of siblings.rows) await event(tx, s.id, task.job_id, 'cancelled', null, { reason: 'another copy committed' })
      await record(tx, taskId, leaseId, nodeId, 'complete', 'committed', digest)
      await this.settle(task.job_id, tx)
      return { outcome: 'committed', repeated: false }
    })
  }

  /**
   * Records a failed attempt: retried later on another node while attempts remain. The same
   * report sent again gets the first answer with `repeated`; a superseded lease is `stale`.
   */
  async fail(taskId: string, leaseId: string, nodeId: string, error: unknown, retryable = true): Promise<Report<FailOutcome>> {
    return this.db.transaction(async (tx) => {
      const seen = await reported(tx, taskId, leaseId, nodeId)
      if (seen !== undefined) return repeatOf<FailOutcome>(seen, 'fail')
      const r = await tx.query<{ job_id: string; status: string }>(
        `${retrySql(4)} WHERE id = $1 AND lease_id = $2 AND node_id = $3 AND status = 'leased' RETURNING job_id, status`,
        [taskId, leaseId, nodeId, JSON.stringify(error ?? null), retryable, this.o.backoffBaseMs, this.o.backoffMaxMs],
      )
      const row = r.rows[0]
      if (row === undefined) {
        const again = await reported(tx, taskId, leaseId, nodeId)
        return again === undefined ? STALE : repeatOf<FailOutcome>(again, 'fail')
      }
      const outcome: FailOutcome = row.status === 'queued' ? 'retrying' : 'failed'
      await event(tx, taskId, row.job_id, outcome, nodeId, error)
      await record(tx, taskId, leaseId, nodeId, 'fail', outcome, null)
      await this.settle(row.job_id, tx)
      return { outcome, repeated: false }
    })
  }

  /** Re-dispatches every task whose lease ran out (its node died or stalled); returns their jobs. */
  async expire(): Promise<string[]> {
    const r = await this.db.query<{ id: string; job_id: string; status: string; failed_node: string }>(
      `WITH gone AS (SELECT id AS gone_id, node_id AS gone_node FROM tasks WHERE status = 'leased' AND lease_expires_at < now() FOR UPDATE SKIP LOCKED)
       ${retrySql(1)} FROM gone WHERE tasks.id = gone.gone_id
       RETURNING tasks.id, tasks.job_id, tasks.status, gone.gone_node AS failed_node`,
      [JSON.stringify({ code: 'LEASE_EXPIRED' }), true, this.o.backoffBaseMs, this.o.backoffMaxMs],
    )
    for (const t of r.rows) {
      await event(this.db, t.id, t.job_id, t.status === 'queued' ? 'expired' : 'failed', t.failed_node, { code: 'LEASE_EXPIRED' })
      await this.settle(t.job_id)
    }
    return r.rows.map((t) => t.job_id)
  }

  /**
   * Frees tasks waiting for an assigned node that did not claim them in time (it died or is busy),
   * so any other eligible node may; returns their jobs.
   */
  async releaseAssignments(afterMs: number): Promise<string[]> {
    const r = await this.db.query<{ id: string; job_id: string; assigned: string }>(
      `WITH stuck AS (SELECT id AS stuck_id, assigned_node AS assigned FROM tasks
                      WHERE status = 'queued' AND assigned_node IS NOT NULL AND updated_at < now() - ($1::text || ' milliseconds')::interval
                      FOR UPDATE SKIP LOCKED)
       UPDATE tasks SET assigned_node = NULL, updated_at = now() FROM stuck WHERE tasks.id = stuck.stuck_id
       RETURNING tasks.id, tasks.job_id, stuck.assigned`,
      [String(afterMs)],
    )
    for (const t of r.rows) await event(this.db, t.id, t.job_id, 'reassigned', null, { from: t.assigned })
    return r.rows.map((t) => t.job_id)
  }

  /**
   * Queued tasks no node can take: every online node holding the job's keys has failed it before
   * (or runs another copy), or none is online. When a keyed online node only failed it before, it
   * may run it again (the attempt limit still bounds retries). When every keyed online node holds
   * or committed another copy of the job (a replica or tie-breaker with nowhere to go), or none is
   * online, the task fails once it has waited `failAfterMs`, since only the owner could wrap the
   * keys to other nodes. Returns the jobs changed.
   */
  async unstrand(afterMs: number, failAfterMs: number): Promise<string[]> {
    const r = await this.db.query<{ id: string; job_id: string; keyed_online: boolean; keyed_free: boolean; waited_ms: number }>(
      `SELECT t.id, t.job_id,
              EXISTS (SELECT 1 FROM job_keys k JOIN nodes n ON n.id = k.node_id WHERE k.job_id = t.job_id AND n.status = 'online') AS keyed_online,
              EXISTS (SELECT 1 FROM job_keys k JOIN nodes n ON n.id = k.node_id WHERE k.job_id = t.job_id AND n.status = 'online'
                        AND NOT EXISTS (SELECT 1 FROM tasks o WHERE o.job_id = t.job_id AND o.id <> t.id AND o.node_id = k.node_id AND o.status IN ('leased', 'succeeded'))) AS keyed_free,
              (extract(epoch FROM now() - t.updated_at) * 1000)::float8 AS waited_ms
       FROM tasks t JOIN jobs j ON j.id = t.job_id
       WHERE t.status = 'queued' AND j.status IN ('queued', 'running') AND j.inputs <> '{}'::jsonb
         AND t.not_before <= now() AND t.updated_at < now() - ($1::text || ' milliseconds')::interval
         AND NOT EXISTS (SELECT 1 FROM job_keys k JOIN nodes n ON n.id = k.node_id
                         WHERE k.job_id = t.job_id AND n.status = 'online' AND NOT (k.node_id = ANY(t.excluded_nodes))
                           AND (t.assigned_node IS NULL OR t.assigned_node = k.node_id)
                           AND NOT EXISTS (SELECT 1 FROM tasks o WHERE o.job_id = t.job_id AND o.id <> t.id AND o.node_id = k.node_id AND o.status IN ('leased', 'succeeded')))
       LIMIT 100`,
      [String(afterMs)],
    )
    const changed: string[] = []
    for (const t of r.rows) {
      if (t.keyed_free) {
        const u = await this.db.query(`UPDATE tasks SET excluded_nodes = '{}', assigned_node = NULL, updated_at = now() WHERE id = $1 AND status = 'queued'`, [t.id])
        if (u.rowCount === 1) await event(this.db, t.id, t.job_id, 'retrying', null, { reason: 'every other node holding the keys is busy or failed it; any keyed node may retry' })
      } else if (t.waited_ms >= failAfterMs) {
        const error = t.keyed_online
          ? { code: 'COMPUTE_NOT_ENOUGH_NODES', message: 'Every online node holding the keys of this job already runs or ran another copy of it, so none can run this one; submit it again when more nodes are online.' }
          : { code: 'COMPUTE_NOT_ENOUGH_NODES', message: 'No online node holds the keys of this job any more; submit it again.' }
        const u = await this.db.query(`UPDATE tasks SET status = 'failed', error = $2::jsonb, updated_at = now() WHERE id = $1 AND status = 'queued'`, [t.id, JSON.stringify(error)])
        if (u.rowCount === 1) {
          await event(this.db, t.id, t.job_id, 'failed', null, error)
          await this.db.query(`UPDATE jobs SET status = 'failed', error = $2::jsonb, finished_at = now(), updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`, [t.job_id, JSON.stringify(error)])
        }
      } else {
        continue
      }
      changed.push(t.job_id)
    }
    return changed
  }

  /** Queues one speculative copy of each task leased longer than `afterMs` (a straggler). */
  async speculate(afterMs: number): Promise<string[]> {
    const r = await this.db.query<{ id: string; job_id: string }>(
      `INSERT INTO tasks (id, job_id, replica, speculative, owner, executor, priority, max_attempts, excluded_nodes)
       SELECT 't_' || md5(random()::text || t.id), t.job_id, t.replica, true, t.owner, t.executor, t.priority, 1, ARRAY[t.node_id]
       FROM tasks t
       WHERE t.status = 'leased' AND NOT t.speculative AND t.leased_at < now() - ($1::text || ' milliseconds')::interval
         AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.job_id = t.job_id AND s.replica = t.replica AND s.speculative)
       RETURNING id, job_id`,
      [String(afterMs)],
    )
    for (const t of r.rows) await event(this.db, t.id, t.job_id, 'speculated', null, null)
    return r.rows.map((t) => t.job_id)
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

  /** Rolls a job's status up from its tasks. */
  private async settle(jobId: string, db: Queryable = this.db): Promise<void> {
    const r = await db.query<{ status: string }>(
      `UPDATE jobs AS j SET updated_at = now(),
         status = CASE
           WHEN (SELECT count(DISTINCT replica) FROM tasks WHERE job_id = j.id AND status = 'succeeded') >= j.replicas THEN 'succeeded'
           WHEN EXISTS (SELECT 1 FROM tasks f WHERE f.job_id = j.id AND f.status = 'failed'
                          AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.job_id = j.id AND s.replica = f.replica AND s.status IN ('queued', 'leased', 'succeeded'))) THEN 'failed'
           WHEN EXISTS (SELECT 1 FROM tasks WHERE job_id = j.id AND status IN ('leased', 'succeeded')) THEN 'running'
           ELSE j.status END,
         finished_at = CASE WHEN j.finished_at IS NULL AND (SELECT count(DISTINCT replica) FROM tasks WHERE job_id = j.id AND status = 'succeeded') >= j.replicas THEN now() ELSE j.finished_at END
       WHERE j.id = $1 AND j.status IN ('queued', 'running')
       RETURNING j.status`,
      [jobId],
    )
    if (r.rows[0]?.status !== 'failed') return
    // A job that failed here (a replica out of attempts) carries its last task error.
    await db.query(
      `UPDATE jobs AS j SET error = (SELECT f.error FROM tasks f WHERE f.job_id = j.id AND f.status = 'failed' ORDER BY f.updated_at DESC LIMIT 1), finished_at = coalesce(j.finished_at, now())
       WHERE j.id = $1 AND j.status = 'failed' AND j.error IS NULL`,
      [jobId],
    )
  }
}

/**
 * A failed or expired attempt goes back to the queue (backoff, excluding its node) or fails for
 * good. `p` is the number of the first of its four parameters: error, retryable, base, max.
 */
function retrySql(p: number): string {
  return `UPDATE tasks SET
    status = CASE WHEN $${p + 1}::boolean AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
    not_before = now() + (least($${p + 2}::float8 * power(2, greatest(attempts - 1, 0)), $${p + 3}::float8)::text || ' milliseconds')::interval,
    excluded_nodes = CASE WHEN node_id IS NULL THEN excluded_nodes ELSE array_append(excluded_nodes, node_id) END,
    assigned_node = NULL, node_id = NULL, lease_id = NULL, error = $${p}::jsonb, updated_at = now()`
}

interface SeenReport {
  kind: 'complete' | 'fail'
  outcome: string
  digest: string | null
}

async function reported(db: Queryable, taskId: string, leaseId: string, nodeId: string): Promise<SeenReport | undefined> {
  const r = await db.query<SeenReport>('SELECT kind, outcome, digest FROM task_reports WHERE task_id = $1 AND lease_id = $2 AND node_id = $3', [taskId, leaseId, nodeId])
  return r.rows[0]
}

/** The first answer to a report sent again; a different report on the same lease (another kind or result) is stale. */
function repeatOf<T extends string>(seen: SeenReport, kind: SeenReport['kind'], digest?: string): Report<T | 'stale'> {
  if (seen.kind !== kind || (kind === 'complete' && seen.digest !== digest)) return STALE
  return { outcome: seen.outcome as T, repeated: true }
}

async function record(db: Queryable, taskId: string, leaseId: string, nodeId: string, kind: SeenReport['kind'], outcome: string, digest: string | null): Promise<void> {
  await db.query('INSERT INTO task_reports (task_id, lease_id, node_id, kind, outcome, digest) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING', [taskId, leaseId, nodeId, kind, outcome, digest])
}

async function event(db: Queryable, taskId: string, jobId: string, kind: string, nodeId: string | null, detail: unknown): Promise<void> {
  await db.query('INSERT INTO task_events (task_id, job_id, kind, node_id, detail) VALUES ($1, $2, $3, $4, $5::jsonb)', [taskId, jobId, kind, nodeId, JSON.stringify(detail ?? null)])
}
