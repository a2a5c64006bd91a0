/**
 * Queue upkeep, run by the hub's compute upkeep loop: leases that ran out go back to the queue
 * (keeping the expired lease, so its holder's late report is still taken until the task is
 * leased again), assignments nobody took are freed, stranded tasks are retried or failed, and
 * stragglers get one speculative copy.
 */
import type { Database } from '../../db/types.js'
import { event, retrySql, settle, type QueueOptions } from './queue-sql.js'

/** Re-dispatches every task whose lease ran out (its node died or stalled); returns their jobs. */
export async function expire(db: Database, o: QueueOptions): Promise<string[]> {
  const r = await db.query<{ id: string; job_id: string; status: string; failed_node: string }>(
    `WITH gone AS (SELECT id AS gone_id, node_id AS gone_node FROM tasks WHERE status = 'leased' AND lease_expires_at < now() FOR UPDATE SKIP LOCKED)
     ${retrySql(1, 'expired_lease_id = lease_id, expired_node = node_id')} FROM gone WHERE tasks.id = gone.gone_id
     RETURNING tasks.id, tasks.job_id, tasks.status, gone.gone_node AS failed_node`,
    [JSON.stringify({ code: 'LEASE_EXPIRED' }), true, o.backoffBaseMs, o.backoffMaxMs],
  )
  for (const t of r.rows) {
    await event(db, t.id, t.job_id, t.status === 'queued' ? 'expired' : 'failed', t.failed_node, { code: 'LEASE_EXPIRED' })
    await settle(db, t.job_id)
  }
  return r.rows.map((t) => t.job_id)
}

/**
 * Frees tasks waiting for an assigned node that did not claim them in time (it died or is busy),
 * so any other eligible node may; returns their jobs.
 */
export async function releaseAssignments(db: Database, afterMs: number): Promise<string[]> {
  const r = await db.query<{ id: string; job_id: string; assigned: string }>(
    `WITH stuck AS (SELECT id AS stuck_id, assigned_node AS assigned FROM tasks
                    WHERE status = 'queued' AND assigned_node IS NOT NULL AND updated_at < now() - ($1::text || ' milliseconds')::interval
                    FOR UPDATE SKIP LOCKED)
     UPDATE tasks SET assigned_node = NULL, updated_at = now() FROM stuck WHERE tasks.id = stuck.stuck_id
     RETURNING tasks.id, tasks.job_id, stuck.assigned`,
    [String(afterMs)],
  )
  for (const t of r.rows) await event(db, t.id, t.job_id, 'reassigned', null, { from: t.assigned })
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
export async function unstrand(db: Database, afterMs: number, failAfterMs: number): Promise<string[]> {
  const r = await db.query<{ id: string; job_id: string; keyed_online: boolean; keyed_free: boolean; waited_ms: number }>(
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
      const u = await db.query(`UPDATE tasks SET excluded_nodes = '{}', assigned_node = NULL, updated_at = now() WHERE id = $1 AND status = 'queued'`, [t.id])
      if (u.rowCount === 1) await event(db, t.id, t.job_id, 'retrying', null, { reason: 'every other node holding the keys is busy or failed it; any keyed node may retry' })
    } else if (t.waited_ms >= failAfterMs) {
      const error = t.keyed_online
        ? { code: 'COMPUTE_NOT_ENOUGH_NODES', message: 'Every online node holding the keys of this job already runs or ran another copy of it, so none can run this one; submit it again when more nodes are online.' }
        : { code: 'COMPUTE_NOT_ENOUGH_NODES', message: 'No online node holds the keys of this job any more; submit it again.' }
      const u = await db.query(`UPDATE tasks SET status = 'failed', error = $2::jsonb, updated_at = now() WHERE id = $1 AND status = 'queued'`, [t.id, JSON.stringify(error)])
      if (u.rowCount === 1) {
        await event(db, t.id, t.job_id, 'failed', null, error)
        await db.query(`UPDATE jobs SET status = 'failed', error = $2::jsonb, finished_at = now(), updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`, [t.job_id, JSON.stringify(error)])
      }
    } else {
      continue
    }
    changed.push(t.job_id)
  }
  return changed
}

/** Queues one speculative copy of each task leased longer than `afterMs` (a straggler). */
export async function speculate(db: Database, afterMs: number): Promise<string[]> {
  const r = await db.query<{ id: string; job_id: string }>(
    `INSERT INTO tasks (id, job_id, replica, speculative, owner, executor, priority, max_attempts, excluded_nodes)
     SELECT 't_' || md5(random()::text || t.id), t.job_id, t.replica, true, t.owner, t.executor, t.priority, 1, ARRAY[t.node_id]
     FROM tasks t
     WHERE t.status = 'leased' AND NOT t.speculative AND t.leased_at < now() - ($1::text || ' milliseconds')::interval
       AND NOT EXISTS (SELECT 1 FROM tasks s WHERE s.job_id = t.job_id AND s.replica = t.replica AND s.speculative)
     RETURNING id, job_id`,
    [String(afterMs)],
  )
  for (const t of r.rows) await event(db, t.id, t.job_id, 'speculated', null, null)
  return r.rows.map((t) => t.job_id)
}

