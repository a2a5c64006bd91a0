/**
 * What nodes report on their tasks: progress, results and failures. Every report names the lease
 * it was made under; the node's outbox sends it again until it hears back, so each is idempotent:
 * a result or failure is decided once per (task, lease) and kept in task_reports, a progress report
 * once per (task, lease, sequence). A report on a lease that expired while the hub could not hear
 * it (the hub was down longer than the lease) is still taken from the last holder while no other
 * node has leased the task again (issue 8 B4), as if the lease had held.
 */
import type { Database, Queryable } from '../../db/types.js'
import { event, HELD_OR_LATE, retrySql, settle, type QueueOptions } from './queue-sql.js'

export type CommitOutcome = 'committed' | 'duplicate' | 'stale'
export type FailOutcome = 'retrying' | 'failed' | 'stale'

/** What the queue decided for a report; `repeated` when it had decided it before (nothing changed now). */
export interface Report<T extends string> {
  outcome: T
  repeated: boolean
  /** Set on the commit that brought in a job's last replica: its replicas are to be verified. */
  verify?: boolean
}

const STALE = { outcome: 'stale', repeated: false } as const

/** Clears the expired lease a late report came on once the attempt is decided. */
const DECIDED = 'expired_lease_id = NULL, expired_node = NULL'

/**
 * Appends a progress report to the job history; the job id, or undefined when the node no longer
 * holds the lease. With `seq` (what the node numbers its reports of one attempt by) a report sent
 * again is recorded once; without it (older nodes) every report is recorded.
 */
export async function progress(db: Database, taskId: string, leaseId: string, nodeId: string, detail: unknown, seq?: number): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const r = await tx.query<{ job_id: string }>(`SELECT job_id FROM tasks WHERE id = $1 AND ${HELD_OR_LATE}`, [taskId, leaseId, nodeId])
    const jobId = r.rows[0]?.job_id
    if (jobId === undefined) return undefined
    if (seq !== undefined) {
      const fresh = await tx.query('INSERT INTO task_progress (task_id, lease_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING seq', [taskId, leaseId, seq])
      if (fresh.rows.length === 0) return jobId
    }
    await event(tx, taskId, jobId, 'progress', nodeId, detail)
    return jobId
  })
}

/**
 * Commits a result once per replica: a lost or superseded lease is `stale`; a replica another
 * copy committed first is `duplicate`. The same report sent again (same task, lease, node and
 * result digest) gets the first answer with `repeated`, and changes nothing.
 */
export async function complete(db: Database, taskId: string, leaseId: string, nodeId: string, result: unknown, digest: string): Promise<Report<CommitOutcome>> {
  return db.transaction(async (tx) => {
    const seen = await reported(tx, taskId, leaseId, nodeId)
    if (seen !== undefined) return repeatOf<CommitOutcome>(seen, 'complete', digest)
    const own = await tx.query<{ job_id: string; replica: number }>('SELECT job_id, replica FROM tasks WHERE id = $1', [taskId])
    const task = own.rows[0]
    if (task === undefined) return STALE
    // Every copy of this replica, locked in one order: two copies finishing at once commit one after the other.
    await tx.query('SELECT id FROM tasks WHERE job_id = $1 AND replica = $2 ORDER BY id FOR UPDATE', [task.job_id, task.replica])
    const mine = await tx.query<{ status: string }>(`SELECT status FROM tasks WHERE id = $1 AND ${HELD_OR_LATE}`, [taskId, leaseId, nodeId])
    const held = mine.rows[0]
    if (held === undefined) {
      // The same report may have been committed by a request that held the lock before this one.
      const again = await reported(tx, taskId, leaseId, nodeId)
      return again === undefined ? STALE : repeatOf<CommitOutcome>(again, 'complete', digest)
    }
    const late = held.status === 'queued'
    const committed = await tx.query("SELECT 1 FROM tasks WHERE job_id = $1 AND replica = $2 AND id <> $3 AND status = 'succeeded'", [task.job_id, task.replica, taskId])
    if (committed.rows.length > 0) {
      // Another copy of this replica already committed: this one is cancelled, not a second result.
      await tx.query(`UPDATE tasks SET status = 'cancelled', lease_id = NULL, ${DECIDED}, updated_at = now() WHERE id = $1`, [taskId])
      await event(tx, taskId, task.job_id, 'duplicate', nodeId, null)
      await record(tx, taskId, leaseId, nodeId, 'complete', 'duplicate', digest)
      return { outcome: 'duplicate', repeated: false }
    }
    await tx.query(
      `UPDATE tasks SET status = 'succeeded', result = $2::jsonb, result_digest = $3, node_id = $4, lease_id = NULL, ${DECIDED}, updated_at = now() WHERE id = $1`,
      [taskId, JSON.stringify(result), digest, nodeId],
    )
    await event(tx, taskId, task.job_id, 'succeeded', nodeId, late ? { digest, late: true } : { digest })
    const siblings = await tx.query<{ id: string }>(
      `UPDATE tasks SET status = 'cancelled', lease_id = NULL, updated_at = now()
       WHERE job_id = $1 AND replica = $2 AND id <> $3 AND status IN ('queued', 'leased') RETURNING id`,
      [task.job_id, task.replica, taskId],
    )
    for (const s of siblings.rows) await event(tx, s.id, task.job_id, 'cancelled', null, { reason: 'another copy committed' })
    await record(tx, taskId, leaseId, nodeId, 'complete', 'committed', digest)
    const { verify } = await settle(tx, task.job_id)
    return { outcome: 'committed', repeated: false, verify }
  })
}

/**
 * Records a failed attempt: retried later on another node while attempts remain. The same
 * report sent again gets the first answer with `repeated`; a superseded lease is `stale`.
 */
export async function fail(db: Database, o: QueueOptions, taskId: string, leaseId: string, nodeId: string, error: unknown, retryable = true): Promise<Report<FailOutcome>> {
  return db.transaction(async (tx) => {
    const seen = await reported(tx, taskId, leaseId, nodeId)
    if (seen !== undefined) return repeatOf<FailOutcome>(seen, 'fail')
    const r = await tx.query<{ job_id: string; status: string }>(
      `${retrySql(4, DECIDED)} WHERE id = $1 AND ${HELD_OR_LATE} RETURNING job_id, status`,
      [taskId, leaseId, nodeId, JSON.stringify(error ?? null), retryable, o.backoffBaseMs, o.backoffMaxMs],
    )
    const row = r.rows[0]
    if (row === undefined) {
      const again = await reported(tx, taskId, leaseId, nodeId)
      return again === undefined ? STALE : repeatOf<FailOutcome>(again, 'fail')
    }
    const outcome: FailOutcome = row.status === 'queued' ? 'retrying' : 'failed'
    await event(tx, taskId, row.job_id, outcome, nodeId, error)
    await record(tx, taskId, leaseId, nodeId, 'fail', outcome, null)
    await settle(tx, row.job_id)
    return { outcome, repeated: false }
  })
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
