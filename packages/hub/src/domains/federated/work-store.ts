/**
 * SQL for federated work: rows keyed to the node that holds the data (training can only happen
 * where the dataset is), claimed by that node, answered once before their deadline. Parameters
 * sent out are stored once per content (fl_blobs); parameters sent back sit on the row until the
 * round is over.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Parameters } from '@w3ai/federated'
import { W3aiError, type FlWorkKind, type FlWorkReply } from '@w3ai/protocol'
import { parametersFromBytes, parametersToBytes } from '@w3ai/sdk'
import type { Database } from '../../db/types.js'

export type WorkStatus = 'pending' | 'running' | 'done' | 'failed' | 'expired'

export interface NewWork {
  trainingId: string
  round: number
  kind: FlWorkKind
  clientId: string
  nodeId: string
  dataset: string
  config: Record<string, number | string | boolean>
  message?: unknown
  paramsDigest?: string
  deadline: Date
}

export interface WorkRecord {
  id: string
  trainingId: string
  round: number
  kind: FlWorkKind
  clientId: string
  nodeId: string
  dataset: string
  status: WorkStatus
  config: Record<string, number | string | boolean>
  message: unknown
  paramsDigest: string | null
  deadline: string
}

/** A finished piece of work: what the node said, and its parameters when asked for. */
export interface WorkResult {
  id: string
  clientId: string
  status: WorkStatus
  reply: Omit<FlWorkReply, 'parameters'> | null
  parameters: Parameters | undefined
}

interface RawWork {
  id: string
  training_id: string
  round: number
  kind: FlWorkKind
  client_id: string
  node_id: string
  dataset: string
  status: WorkStatus
  config: WorkRecord['config']
  message: unknown
  params_digest: string | null
  deadline: Date | string
}

const toRecord = (r: RawWork): WorkRecord => ({
  id: r.id,
  trainingId: r.training_id,
  round: r.round,
  kind: r.kind,
  clientId: r.client_id,
  nodeId: r.node_id,
  dataset: r.dataset,
  status: r.status,
  config: r.config,
  message: r.message,
  paramsDigest: r.params_digest,
  deadline: new Date(r.deadline).toISOString(),
})

export const newWorkId = (): string => `flw_${randomBytes(12).toString('hex')}`

export class WorkStore {
  constructor(private readonly db: Database) {}

  /** Stores parameters to hand out (once per content); answers their digest. */
  async putParameters(trainingId: string, parameters: Parameters): Promise<string> {
    const { sizes, bytes } = parametersToBytes(parameters)
    const digest = createHash('sha256').update(JSON.stringify(sizes)).update(bytes).digest('hex')
    await this.db.query(
      'INSERT INTO fl_blobs (training_id, digest, sizes, bytes) VALUES ($1, $2, $3::jsonb, $4) ON CONFLICT (training_id, digest) DO NOTHING',
      [trainingId, digest, JSON.stringify(sizes), bytes],
    )
    return digest
  }

  /** Stored parameters as sizes and bytes (undefined when gone with their round). */
  async parameters(trainingId: string, digest: string): Promise<{ sizes: number[]; bytes: Uint8Array } | undefined> {
    const r = await this.db.query<{ sizes: number[]; bytes: Uint8Array }>('SELECT sizes, bytes FROM fl_blobs WHERE training_id = $1 AND digest = $2', [trainingId, digest])
    return r.rows[0]
  }

  /** Stored parameters as tensors (FL_WORK_LOST when they are gone). */
  async parametersOf(trainingId: string, digest: string): Promise<Parameters> {
    const stored = await this.parameters(trainingId, digest)
    if (stored === undefined) throw new W3aiError('FL_WORK_LOST', `Parameters ${digest.slice(0, 12)}… of training ${trainingId} are gone.`)
    return parametersFromBytes(stored.sizes, stored.bytes)
  }

  /** Creates work rows (one statement); answers their ids in order. */
  async create(items: readonly NewWork[]): Promise<string[]> {
    if (items.length === 0) return []
    const rows = items.map((w) => ({
      id: newWorkId(),
      training_id: w.trainingId,
      round: w.round,
      kind: w.kind,
      client_id: w.clientId,
      node_id: w.nodeId,
      dataset: w.dataset,
      config: w.config,
      message: w.message ?? null,
      params_digest: w.paramsDigest ?? null,
      deadline: w.deadline.toISOString(),
    }))
    await this.db.query(
      `INSERT INTO fl_work (id, training_id, round, kind, client_id, node_id, dataset, status, config, message, params_digest, deadline)
       SELECT id, training_id, round, kind, client_id, node_id, dataset, 'pending', config, message, params_digest, deadline
       FROM jsonb_to_recordset($1::jsonb) AS v(id text, training_id text, round integer, kind text, client_id text, node_id text, dataset text,
         config jsonb, message jsonb, params_digest text, deadline timestamptz)`,
      [JSON.stringify(rows)],
    )
    return rows.map((r) => r.id)
  }

  /** Leases up to `capacity` pending, unexpired pieces of work of this node for these datasets, oldest first. */
  async claim(nodeId: string, datasets: readonly string[], capacity: number): Promise<WorkRecord[]> {
    const r = await this.db.query<RawWork>(
      `WITH next AS (
         SELECT id FROM fl_work WHERE node_id = $1 AND status = 'pending' AND dataset = ANY($2::text[]) AND deadline > now()
         ORDER BY created_at, id LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       UPDATE fl_work w SET status = 'running', updated_at = now() FROM next WHERE w.id = next.id
       RETURNING w.id, w.training_id, w.round, w.kind, w.client_id, w.node_id, w.dataset, w.status, w.config, w.message, w.params_digest, w.deadline, w.created_at`,
      [nodeId, datasets, capacity],
    )
    return (r.rows as Array<RawWork & { created_at: Date | string }>).sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime() || a.id.localeCompare(b.id)).map(toRecord)
  }

  /** A node's own running work (FL_WORK_LOST when it is not, or no longer, this node's). */
  async running(nodeId: string, id: string): Promise<WorkRecord> {
    const r = await this.db.query<RawWork>(`SELECT * FROM fl_work WHERE id = $1 AND node_id = $2 AND status = 'running' AND deadline > now()`, [id, nodeId])
    const row = r.rows[0]
    if (row === undefined) throw new W3aiError('FL_WORK_LOST')
    return toRecord(row)
  }

  /** Records a node's answer, once, while the work is its own and not past its deadline. */
  async answer(nodeId: string, id: string, reply: FlWorkReply): Promise<WorkRecord> {
    const { parameters, ...rest } = reply
    const packed = parameters === undefined ? undefined : { sizes: parameters.sizes, bytes: Buffer.from(parameters.data, 'base64') }
    const r = await this.db.query<RawWork>(
      `UPDATE fl_work SET status = $3, reply = $4::jsonb, reply_sizes = $5::jsonb, reply_params = $6, message = NULL, updated_at = now()
       WHERE id = $1 AND node_id = $2 AND status = 'running' AND deadline > now()
       RETURNING id, training_id, round, kind, client_id, node_id, dataset, status, config, message, params_digest, deadline`,
      [id, nodeId, reply.outcome === 'ok' ? 'done' : 'failed', JSON.stringify(rest), packed === undefined ? null : JSON.stringify(packed.sizes), packed?.bytes ?? null],
    )
    const row = r.rows[0]
    if (row === undefined) throw new W3aiError('FL_WORK_LOST')
    return toRecord(row)
  }

  /**
   * Where each piece of work stands, and nothing else: what a round polls while it waits. Replies
   * can be large (a masked vector, ciphertexts), and a poll reading them back would parse every
   * answer already in again at each wake-up, quadratic in the round's clients.
   */
  async statuses(ids: readonly string[]): Promise<WorkStatus[]> {
    const r = await this.db.query<{ status: WorkStatus }>('SELECT status FROM fl_work WHERE id = ANY($1::text[])', [ids])
    return r.rows.map((row) => row.status)
  }

  /** Where each piece of work stands (done or failed ones with their replies; parameters only when `withParameters`). */
  async results(ids: readonly string[], withParameters: boolean): Promise<WorkResult[]> {
    const r = await this.db.query<{ id: string; client_id: string; status: WorkStatus; reply: WorkResult['reply']; reply_sizes: number[] | null; reply_params: Uint8Array | null }>(
      `SELECT id, client_id, status, reply, reply_sizes, ${withParameters ? 'reply_params' : 'NULL::bytea AS reply_params'} FROM fl_work WHERE id = ANY($1::text[])`,
      [ids],
    )
    return r.rows.map((row) => ({
      id: row.id,
      clientId: row.client_id,
      status: row.status,
      reply: row.reply,
      parameters: withParameters && row.reply_sizes !== null && row.reply_params !== null ? parametersFromBytes(row.reply_sizes, row.reply_params) : undefined,
    }))
  }

  /** Work not answered yet is expired (late answers are refused with FL_WORK_LOST). */
  async expire(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    await this.db.query(`UPDATE fl_work SET status = 'expired', updated_at = now() WHERE id = ANY($1::text[]) AND status IN ('pending', 'running')`, [ids])
  }

  /**
   * Forgets a training's work up to `round` and the parameters no open work needs (after the
   * round is recorded), except those in `keep` (the silos' models of a decentralized training).
   */
  async prune(trainingId: string, round: number, keep: readonly string[] = []): Promise<void> {
    await this.db.query('DELETE FROM fl_work WHERE training_id = $1 AND round <= $2', [trainingId, round])
    await this.db.query(
      `DELETE FROM fl_blobs b WHERE b.training_id = $1 AND NOT (b.digest = ANY($2::text[])) AND NOT EXISTS (
         SELECT 1 FROM fl_work w WHERE w.training_id = $1 AND w.params_digest = b.digest AND w.status IN ('pending', 'running'))`,
      [trainingId, keep],
    )
  }

  /** Expires every open piece of work of a training (it stopped, or its coordinator restarts the round). */
  async expireTraining(trainingId: string): Promise<void> {
    await this.db.query(`UPDATE fl_work SET status = 'expired', updated_at = now() WHERE training_id = $1 AND status IN ('pending', 'running')`, [trainingId])
  }
}
