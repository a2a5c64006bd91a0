/**
 * SQL for federated trainings: the training rows, their rounds, the checkpoint of global
 * parameters after the last round, and the coordinator lease that lets one hub at a time run a
 * training (another takes over when the lease runs out).
 */
import type { FlConfig, FlRound, FlTrainingStatus, WrappedKey } from '@w3ai/protocol'
import { parametersFromBytes, parametersToBytes } from '@w3ai/sdk'
import type { Parameters, Topology } from '@w3ai/federated'
import type { Database, Queryable } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'
import type { FlClient } from './config.js'

export interface TrainingRecord {
  id: string
  owner: string
  name: string | null
  config: FlConfig
  clients: FlClient[]
  evaluators: FlClient[]
  classes: string[] | null
  /** Decentralized trainings: the silos' topology. */
  topology: Topology | null
  status: FlTrainingStatus
  round: number
  error: { code: string; message: string } | null
  modelCid: string | null
  hasCheckpoint: boolean
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

interface RawTraining {
  id: string
  owner: string
  name: string | null
  config: FlConfig
  clients: FlClient[]
  evaluators: FlClient[]
  classes: string[] | null
  topology: Topology | null
  status: FlTrainingStatus
  round: number
  error: TrainingRecord['error']
  model_cid: string | null
  has_checkpoint: boolean
  request_digest: string | null
  created_at: Date | string
  updated_at: Date | string
  finished_at: Date | string | null
}

interface RawRound {
  round: number
  status: FlRound['status']
  participants: number
  dropouts: number
  accuracy: number | null
  loss: number | null
  epsilon: number | null
  metrics: Record<string, number>
  error: FlRound['error'] | null
  started_at: Date | string
  finished_at: Date | string
}

const iso = (d: Date | string): string => new Date(d).toISOString()
const COLUMNS = `t.id, t.owner, t.name, t.config, t.clients, t.evaluators, t.classes, t.topology, t.status, t.round, t.error, t.model_cid, t.request_digest,
  t.created_at, t.updated_at, t.finished_at, EXISTS (SELECT 1 FROM fl_checkpoints c WHERE c.training_id = t.id) AS has_checkpoint`

const toRecord = (r: RawTraining): TrainingRecord => ({
  id: r.id,
  owner: r.owner,
  name: r.name,
  config: r.config,
  clients: r.clients,
  evaluators: r.evaluators,
  classes: r.classes,
  topology: r.topology,
  status: r.status,
  round: r.round,
  error: r.error,
  modelCid: r.model_cid,
  hasCheckpoint: r.has_checkpoint,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  finishedAt: r.finished_at === null ? null : iso(r.finished_at),
})

const toRound = (r: RawRound): FlRound => ({
  round: r.round,
  status: r.status,
  participants: r.participants,
  dropouts: r.dropouts,
  accuracy: r.accuracy === null ? null : Number(r.accuracy),
  loss: r.loss === null ? null : Number(r.loss),
  ...(r.epsilon === null ? {} : { epsilon: Number(r.epsilon) }),
  metrics: r.metrics,
  ...(r.error === null ? {} : { error: r.error }),
  startedAt: iso(r.started_at),
  finishedAt: iso(r.finished_at),
})

/** A training as the list shows it (see TrainingStore.summaries). */
export interface TrainingSummaryRecord {
  id: string
  name: string | null
  status: FlTrainingStatus
  mode: string | null
  secure: string | null
  strategy: string | null
  dp: boolean
  round: number
  roundsPlanned: number
  clientCount: number
  accuracy: number | null
  loss: number | null
  modelCid: string | null
  error: TrainingRecord['error']
  createdAt: string
  updatedAt: string
  finishedAt: string | null
}

interface RawSummary {
  id: string
  name: string | null
  status: FlTrainingStatus
  round: number
  error: TrainingRecord['error']
  model_cid: string | null
  mode: string | null
  secure: string | null
  strategy: string | null
  dp: boolean
  rounds_planned: number
  client_count: number
  accuracy: number | string | null
  loss: number | string | null
  created_at: Date | string
  updated_at: Date | string
  finished_at: Date | string | null
}

const toSummary = (r: RawSummary): TrainingSummaryRecord => ({
  id: r.id,
  name: r.name,
  status: r.status,
  mode: r.mode,
  secure: r.secure,
  strategy: r.strategy,
  dp: r.dp,
  round: r.round,
  roundsPlanned: Number(r.rounds_planned),
  clientCount: Number(r.client_count),
  accuracy: r.accuracy === null ? null : Number(r.accuracy),
  loss: r.loss === null ? null : Number(r.loss),
  modelCid: r.model_cid,
  error: r.error,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
  finishedAt: r.finished_at === null ? null : iso(r.finished_at),
})

const PAGES = new NewestFirst('fl-trainings', /^fl_[0-9a-f]{24}$/)

export interface NewTraining {
  id: string
  owner: string
  name: string | null
  config: FlConfig
  clients: FlClient[]
  evaluators: FlClient[]
  classes: string[] | undefined
  topology: Topology | undefined
  idempotencyKey: string | undefined
  requestDigest: string
}

export interface Checkpoint {
  round: number
  parameters: Parameters
  state: unknown
}

export class TrainingStore {
  constructor(private readonly db: Database) {}

  /** Inserts a training; with an idempotency key already used by this owner, answers that training instead. */
  async create(t: NewTraining): Promise<{ record: TrainingRecord; created: boolean; requestDigest: string | null }> {
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO fl_trainings (id, owner, name, config, clients, evaluators, classes, status, idempotency_key, request_digest, topology)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7::jsonb, 'running', $8, $9, $10::jsonb)
       ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
      [t.id, t.owner, t.name, JSON.stringify(t.config), JSON.stringify(t.clients), JSON.stringify(t.evaluators), t.classes === undefined ? null : JSON.stringify(t.classes), t.idempotencyKey ?? null, t.requestDigest, t.topology === undefined ? null : JSON.stringify(t.topology)],
    )
    const created = r.rows.length > 0
    const existing = await this.db.query<RawTraining>(
      created ? `SELECT ${COLUMNS} FROM fl_trainings t WHERE t.id = $1` : `SELECT ${COLUMNS} FROM fl_trainings t WHERE t.owner = $2 AND t.idempotency_key = $1`,
      created ? [t.id] : [t.idempotencyKey, t.owner],
    )
    const row = existing.rows[0]
    if (row === undefined) throw new Error(`training ${t.id} vanished after insert`)
    return { record: toRecord(row), created, requestDigest: row.request_digest }
  }

  async get(id: string): Promise<TrainingRecord | undefined> {
    const r = await this.db.query<RawTraining>(`SELECT ${COLUMNS} FROM fl_trainings t WHERE t.id = $1`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toRecord(row)
  }

  async owner(id: string): Promise<string | undefined> {
    const r = await this.db.query<{ owner: string }>('SELECT owner FROM fl_trainings WHERE id = $1', [id])
    return r.rows[0]?.owner
  }

  /**
   * The owner's trainings as list summaries, newest first, one page after `request.cursor`: a few
   * fields of the config (never the whole of it: a CKKS key makes it megabytes) and the latest
   * accuracy and loss any round recorded, without the rounds themselves.
   */
  async summaries(owner: string, request: PageRequest = {}): Promise<Page<TrainingSummaryRecord>> {
    const params: unknown[] = [owner]
    const after = PAGES.where(request, params, 't.created_at', 't.id')
    const r = await this.db.query<RawSummary & { cursor_at: string }>(
      `SELECT t.id, t.name, t.status, t.round, t.error, t.model_cid, t.created_at, t.updated_at, t.finished_at,
         t.config->>'mode' AS mode, t.config->>'secure' AS secure, t.config->'strategy'->>'name' AS strategy,
         (t.config ? 'dp') AS dp, (t.config->>'rounds')::int AS rounds_planned, jsonb_array_length(t.clients) AS client_count,
         (SELECT r.accuracy FROM fl_rounds r WHERE r.training_id = t.id AND r.accuracy IS NOT NULL ORDER BY r.round DESC LIMIT 1) AS accuracy,
         (SELECT r.loss FROM fl_rounds r WHERE r.training_id = t.id AND r.loss IS NOT NULL ORDER BY r.round DESC LIMIT 1) AS loss,
         ${keysetTime('t.created_at')} AS cursor_at
       FROM fl_trainings t WHERE t.owner = $1${after === undefined ? '' : ` AND ${after}`}
       ${PAGES.order('t.created_at', 't.id')} LIMIT $${params.push(PAGES.limit(request) + 1)}`,
      params,
    )
    return PAGES.page(r.rows, request, (row) => row.id, toSummary)
  }

  /** Rounds of several trainings at once, in round order. */
  async rounds(ids: readonly string[]): Promise<Map<string, FlRound[]>> {
    const r = await this.db.query<RawRound & { training_id: string }>('SELECT * FROM fl_rounds WHERE training_id = ANY($1::text[]) ORDER BY training_id, round', [ids])
    const out = new Map<string, FlRound[]>(ids.map((id) => [id, []]))
    for (const row of r.rows) out.get(row.training_id)?.push(toRound(row))
    return out
  }

  /** Moves a training from one of `from` to `to`; false when it was in none of them. */
  async transition(id: string, from: readonly FlTrainingStatus[], to: FlTrainingStatus, error: TrainingRecord['error'] = null): Promise<boolean> {
    const finished = to === 'running' ? 'NULL' : 'now()'
    const r = await this.db.query(
      `UPDATE fl_trainings SET status = $3, error = $4::jsonb, updated_at = now(), finished_at = ${finished},
         coordinator = CASE WHEN $3 = 'running' THEN NULL ELSE coordinator END
       WHERE id = $1 AND status = ANY($2::text[])`,
      [id, from, to, error === null ? null : JSON.stringify(error)],
    )
    return r.rowCount > 0
  }

  async setModel(id: string, cid: string): Promise<void> {
    await this.db.query('UPDATE fl_trainings SET model_cid = $2, updated_at = now() WHERE id = $1', [id, cid])
  }

  /**
   * Leases running trainings no live hub is coordinating to `hubId` (at most `limit`), renews
   * the leases of those it already holds, and answers every training it holds now.
   */
  async lease(hubId: string, leaseMs: number, limit: number): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `WITH mine AS (
         UPDATE fl_trainings SET coordinator_until = now() + ($2::text || ' milliseconds')::interval
         WHERE status = 'running' AND coordinator = $1 RETURNING id
       ), free AS (
         SELECT id FROM fl_trainings
         WHERE status = 'running' AND (coordinator IS NULL OR coordinator_until IS NULL OR coordinator_until < now()) AND coordinator IS DISTINCT FROM $1
         ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED
       ), taken AS (
         UPDATE fl_trainings t SET coordinator = $1, coordinator_until = now() + ($2::text || ' milliseconds')::interval
         FROM free WHERE t.id = free.id RETURNING t.id
       )
       SELECT id FROM mine UNION SELECT id FROM taken`,
      [hubId, String(leaseMs), limit],
    )
    return r.rows.map((row) => row.id)
  }

  /** Gives up the leases of `ids` (a stopping hub), so another hub may take them at once. */
  async release(hubId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return
    await this.db.query('UPDATE fl_trainings SET coordinator = NULL, coordinator_until = NULL WHERE coordinator = $1 AND id = ANY($2::text[])', [hubId, ids])
  }

  /** Whether `hubId` still runs this training (running, and its lease). */
  async stillMine(id: string, hubId: string): Promise<boolean> {
    const r = await this.db.query('SELECT 1 FROM fl_trainings WHERE id = $1 AND status = $2 AND coordinator = $3', [id, 'running', hubId])
    return r.rows.length > 0
  }

  async checkpoint(id: string): Promise<Checkpoint | undefined> {
    const r = await this.db.query<{ round: number; sizes: number[]; parameters: Uint8Array; state: unknown }>('SELECT round, sizes, parameters, state FROM fl_checkpoints WHERE training_id = $1', [id])
    const row = r.rows[0]
    return row === undefined ? undefined : { round: row.round, parameters: parametersFromBytes(row.sizes, row.parameters), state: row.state }
  }

  /** Saves the initial parameters (round 0) unless the training has a checkpoint already. */
  async initialCheckpoint(id: string, parameters: Parameters): Promise<void> {
    const { sizes, bytes } = parametersToBytes(parameters)
    await this.db.query(
      `INSERT INTO fl_checkpoints (training_id, round, sizes, parameters) VALUES ($1, 0, $2::jsonb, $3) ON CONFLICT (training_id) DO NOTHING`,
      [id, JSON.stringify(sizes), bytes],
    )
  }

  /**
   * Records a finished round, and with new parameters the checkpoint, in one transaction, while
   * `hubId` still coordinates the training (false when it lost it: nothing is written).
   */
  async finishRound(id: string, hubId: string, round: FlRound, parameters: Parameters | undefined, state: unknown = null): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const owned = await tx.query('SELECT 1 FROM fl_trainings WHERE id = $1 AND status = $2 AND coordinator = $3 FOR UPDATE', [id, 'running', hubId])
      if (owned.rows.length === 0) return false
      await tx.query(
        `INSERT INTO fl_rounds (training_id, round, status, participants, dropouts, accuracy, loss, epsilon, metrics, error, started_at, finished_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12)
         ON CONFLICT (training_id, round) DO UPDATE SET status = EXCLUDED.status, participants = EXCLUDED.participants, dropouts = EXCLUDED.dropouts,
           accuracy = EXCLUDED.accuracy, loss = EXCLUDED.loss, epsilon = EXCLUDED.epsilon, metrics = EXCLUDED.metrics, error = EXCLUDED.error,
           started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at`,
        [id, round.round, round.status, round.participants, round.dropouts, round.accuracy, round.loss, round.epsilon ?? null, JSON.stringify(round.metrics), round.error === undefined ? null : JSON.stringify(round.error), round.startedAt, round.finishedAt],
      )
      if (parameters !== undefined) await saveCheckpoint(tx, id, round.round, parameters, state)
      else await tx.query('UPDATE fl_checkpoints SET state = $2::jsonb, updated_at = now() WHERE training_id = $1', [id, state === null || state === undefined ? null : JSON.stringify(state)])
      await tx.query('UPDATE fl_trainings SET round = $2, updated_at = now() WHERE id = $1', [id, round.round])
      return true
    })
  }

  /** Ends a training the coordinator finished (only while it still holds it). */
  async finish(id: string, hubId: string, status: FlTrainingStatus, error: TrainingRecord['error'] = null): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE fl_trainings SET status = $3, error = $4::jsonb, updated_at = now(), finished_at = now(), coordinator = NULL, coordinator_until = NULL
       WHERE id = $1 AND coordinator = $2 AND status = 'running'`,
      [id, hubId, status, error === null ? null : JSON.stringify(error)],
    )
    return r.rowCount > 0
  }

  /** Under ckks: the model key the owner wrapped to each node, by node id. */
  async modelKeys(id: string): Promise<Record<string, WrappedKey>> {
    const r = await this.db.query<{ model_keys: Record<string, WrappedKey> | null }>('SELECT model_keys FROM fl_trainings WHERE id = $1', [id])
    return r.rows[0]?.model_keys ?? {}
  }

  /** Adds (or replaces) wrapped model keys. */
  async addModelKeys(id: string, keys: Record<string, WrappedKey>): Promise<void> {
    await this.db.query(`UPDATE fl_trainings SET model_keys = coalesce(model_keys, '{}'::jsonb) || $2::jsonb WHERE id = $1`, [id, JSON.stringify(keys)])
  }

  /** Registered locations of these nodes (decentralized topologies are built from them). */
  async nodeLocations(nodeIds: readonly string[]): Promise<Map<string, { lat: number; lon: number }>> {
    const r = await this.db.query<{ id: string; location: { lat: number; lon: number } }>('SELECT id, location FROM nodes WHERE id = ANY($1::text[])', [nodeIds])
    return new Map(r.rows.map((row) => [row.id, row.location]))
  }

  /** Ids among `nodeIds` whose nodes are online now. */
  async onlineNodes(nodeIds: readonly string[]): Promise<Set<string>> {
    const r = await this.db.query<{ id: string }>(`SELECT id FROM nodes WHERE id = ANY($1::text[]) AND status = 'online'`, [nodeIds])
    return new Set(r.rows.map((row) => row.id))
  }
}

async function saveCheckpoint(tx: Queryable, id: string, round: number, parameters: Parameters, state: unknown): Promise<void> {
  const { sizes, bytes } = parametersToBytes(parameters)
  await tx.query(
    `INSERT INTO fl_checkpoints (training_id, round, sizes, parameters, state, updated_at) VALUES ($1, $2, $3::jsonb, $4, $5::jsonb, now())
     ON CONFLICT (training_id) DO UPDATE SET round = EXCLUDED.round, sizes = EXCLUDED.sizes, parameters = EXCLUDED.parameters, state = EXCLUDED.state, updated_at = now()`,
    [id, round, JSON.stringify(sizes), bytes, state === null || state === undefined ? null : JSON.stringify(state)],
  )
}
