/** SQL shared by the task queue's parts (claims, reports, upkeep). */
import { randomBytes } from 'node:crypto'
import type { Queryable } from '../../db/types.js'

export interface QueueOptions {
  /** How long a claim holds a task before it is re-dispatched (default 30 s). */
  leaseMs: number
  /** First retry delay; doubles per attempt (default 500 ms). */
  backoffBaseMs: number
  backoffMaxMs: number
}

export const QUEUE_DEFAULTS: QueueOptions = { leaseMs: 30_000, backoffBaseMs: 500, backoffMaxMs: 30_000 }

export const newTaskId = (): string => `t_${randomBytes(10).toString('hex')}`
export const iso = (d: Date | string): string => new Date(d).toISOString()

/**
 * A failed or expired attempt goes back to the queue (backoff, excluding its node) or fails for
 * good. `p` is the number of the first of its four parameters: error, retryable, base, max.
 * `expired` sets the columns that keep (or clear) the lease a late report may still come on.
 */
export function retrySql(p: number, expired: string): string {
  return `UPDATE tasks SET
    status = CASE WHEN $${p + 1}::boolean AND attempts < max_attempts THEN 'queued' ELSE 'failed' END,
    not_before = now() + (least($${p + 2}::float8 * power(2, greatest(attempts - 1, 0)), $${p + 3}::float8)::text || ' milliseconds')::interval,
    excluded_nodes = CASE WHEN node_id IS NULL THEN excluded_nodes ELSE array_append(excluded_nodes, node_id) END,
    ${expired},
    assigned_node = NULL, node_id = NULL, lease_id = NULL, error = $${p}::jsonb, updated_at = now()`
}

/**
 * The lease `$2` of node `$3` a report may come on: the one it holds, or (issue 8 B4) the one that
 * expired while the hub could not hear it, as long as no node leased the task again.
 */
export const HELD_OR_LATE = `((status = 'leased' AND lease_id = $2 AND node_id = $3)
  OR (status = 'queued' AND expired_lease_id = $2 AND expired_node = $3))`

export async function event(db: Queryable, taskId: string, jobId: string, kind: string, nodeId: string | null, detail: unknown): Promise<void> {
  await db.query('INSERT INTO task_events (task_id, job_id, kind, node_id, detail) VALUES ($1, $2, $3, $4, $5::jsonb)', [taskId, jobId, kind, nodeId, JSON.stringify(detail ?? null)])
}

/**
 * Rolls a job's status up from its tasks, under the job's row lock: two reports settling at once
 * (the last replicas of a verified job finishing together) settle one after the other, the later
 * one seeing the earlier's tasks, so the count of results is never taken from a stale snapshot.
 * A job of one replica succeeds here with that replica's result in the same statement; a job of
 * several stays running once every replica is in (`verify` true: the caller that committed a
 * result verifies) until its verification decides, so no reader ever sees a job succeeded
 * without its result.
 */
export async function settle(db: Queryable, jobId: string): Promise<{ verify: boolean }> {
  await db.query('SELECT 1 FROM jobs WHERE id = $1 FOR UPDATE', [jobId])
  const r = await db.query<{ status: string; all_in: boolean }>(
    `WITH counted AS (
       SELECT j.id,
              (SELECT count(DISTINCT replica) FROM tasks WHERE job_id = j.id AND status = 'succeeded') AS done
       FROM jobs j WHERE j.id = $1)
     UPDATE jobs AS j SET updated_at = now(),
       status = CASE
         WHEN c.done >= j.replicas AND j.replicas = 1 THEN 'succeeded'
         WHEN c.done >= j.replicas THEN 'running'
         WHEN EXISTS (SELECT 1 FROM tasks f WHERE f.job_id = j.id AND f.status = 'failed'
                        AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.job_id = j.id AND s.replica = f.replica AND s.status IN ('queued', 'leased', 'succeeded'))) THEN 'failed'
         WHEN EXISTS (SELECT 1 FROM tasks WHERE job_id = j.id AND status IN ('leased', 'succeeded')) THEN 'running'
         ELSE j.status END,
       result = CASE WHEN c.done >= j.replicas AND j.replicas = 1
                     THEN (SELECT t.result FROM tasks t WHERE t.job_id = j.id AND t.status = 'succeeded' ORDER BY t.updated_at LIMIT 1)
                     ELSE j.result END,
       finished_at = CASE WHEN j.finished_at IS NULL AND c.done >= j.replicas AND j.replicas = 1 THEN now() ELSE j.finished_at END
     FROM counted c
     WHERE j.id = c.id AND j.status IN ('queued', 'running')
     RETURNING j.status, c.done >= j.replicas AS all_in`,
    [jobId],
  )
  const row = r.rows[0]
  if (row?.status !== 'failed') return { verify: row?.all_in === true }
  // A job that failed here (a replica out of attempts) carries its last task error.
  await db.query(
    `UPDATE jobs AS j SET error = (SELECT f.error FROM tasks f WHERE f.job_id = j.id AND f.status = 'failed' ORDER BY f.updated_at DESC LIMIT 1), finished_at = coalesce(j.finished_at, now())
     WHERE j.id = $1 AND j.status = 'failed' AND j.error IS NULL`,
    [jobId],
  )
  return { verify: false }
}
