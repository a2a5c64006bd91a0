/**
 * SQL for pipelines and their segments. A segment's job is not copied here: its status, error,
 * node and leases are read from the compute tables (jobs, task_events) with the segment.
 */
import type { PipelineParams, PipelinePrivacy, SegmentAnswer } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'

export interface PipelineRecord {
  id: string
  owner: string
  model: string
  privacy: PipelinePrivacy
  rows: number
  segments: number
  keys: string | null
  params: PipelineParams | null
  createdAt: string
}

export interface NewPipeline extends Omit<PipelineRecord, 'createdAt'> {
  idempotencyKey: string | undefined
  requestDigest: string
}

/** A posted segment with what its job says now (job fields are null when the job is gone). */
export interface SegmentRecord {
  pipelineId: string
  index: number
  rows: number
  input: string
  jobId: string
  answer: SegmentAnswer['job']
  idempotencyKey: string | null
  requestDigest: string
  result: string | null
  decrypted: boolean
  collectedAt: string | null
  jobStatus: string | null
  jobError: unknown
  jobFinishedAt: string | null
  /** Leases of the job's tasks so far (0 when not asked for). */
  leases: number
  /** The node of the job's latest lease or result (null when not asked for). */
  nodeId: string | null
}

export type NewSegment = Pick<SegmentRecord, 'pipelineId' | 'index' | 'rows' | 'input' | 'jobId' | 'answer' | 'requestDigest'> & { idempotencyKey: string | undefined }

interface RawPipeline {
  id: string
  owner: string
  model: string
  privacy: PipelinePrivacy
  row_count: string | number
  segments: number
  keys: string | null
  params: PipelineParams | null
  created_at: Date | string
}

interface RawSegment {
  pipeline_id: string
  seg_index: number
  row_count: number
  input: string
  job_id: string
  answer: SegmentAnswer['job']
  idempotency_key: string | null
  request_digest: string
  result: string | null
  decrypted: boolean
  collected_at: Date | string | null
  job_status: string | null
  job_error: unknown
  job_finished_at: Date | string | null
  leases: string | number | null
  node_id: string | null
}

const iso = (v: Date | string): string => new Date(v).toISOString()

const toPipeline = (r: RawPipeline): PipelineRecord => ({
  id: r.id,
  owner: r.owner,
  model: r.model,
  privacy: r.privacy,
  rows: Number(r.row_count),
  segments: r.segments,
  keys: r.keys,
  params: r.params,
  createdAt: iso(r.created_at),
})

const toSegment = (r: RawSegment): SegmentRecord => ({
  pipelineId: r.pipeline_id,
  index: r.seg_index,
  rows: r.row_count,
  input: r.input,
  jobId: r.job_id,
  answer: r.answer,
  idempotencyKey: r.idempotency_key,
  requestDigest: r.request_digest,
  result: r.result,
  decrypted: r.decrypted,
  collectedAt: r.collected_at === null ? null : iso(r.collected_at),
  jobStatus: r.job_status,
  jobError: r.job_error ?? null,
  jobFinishedAt: r.job_finished_at === null ? null : iso(r.job_finished_at),
  leases: Number(r.leases ?? 0),
  nodeId: r.node_id,
})

const PIPELINE_COLUMNS = 'id, owner, model, privacy, row_count, segments, keys, params, created_at'
const SEGMENT_COLUMNS = `s.pipeline_id, s.seg_index, s.row_count, s.input, s.job_id, s.answer, s.idempotency_key, s.request_digest, s.result, s.decrypted, s.collected_at,
  j.status AS job_status, j.error AS job_error, j.finished_at AS job_finished_at`
// Leases and the node that holds (or held) the task, from the job history.
const HISTORY = `LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE e.kind = 'leased') AS leases,
           (array_agg(e.node_id ORDER BY e.id DESC) FILTER (WHERE e.kind IN ('leased', 'succeeded')))[1] AS node_id
    FROM task_events e WHERE e.job_id = s.job_id) h ON true`

const PAGES = new NewestFirst('pipelines', /^p_[0-9a-f]{24}$/)

export class PipelineStore {
  constructor(private readonly db: Queryable) {}

  /** Inserts a pipeline; with an idempotency key this owner already used, answers that pipeline instead. */
  async create(p: NewPipeline): Promise<{ record: PipelineRecord; created: boolean; requestDigest: string }> {
    const r = await this.db.query<{ id: string }>(
      `INSERT INTO pipelines (id, owner, model, privacy, row_count, segments, keys, params, idempotency_key, request_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
       ON CONFLICT (owner, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
      [p.id, p.owner, p.model, p.privacy, p.rows, p.segments, p.keys, p.params === null ? null : JSON.stringify(p.params), p.idempotencyKey ?? null, p.requestDigest],
    )
    const created = r.rows.length > 0
    const found = await this.db.query<RawPipeline & { request_digest: string }>(
      created ? `SELECT ${PIPELINE_COLUMNS}, request_digest FROM pipelines WHERE id = $1` : `SELECT ${PIPELINE_COLUMNS}, request_digest FROM pipelines WHERE owner = $2 AND idempotency_key = $1`,
      created ? [p.id] : [p.idempotencyKey, p.owner],
    )
    const row = found.rows[0]
    if (row === undefined) throw new Error(`pipeline ${p.id} vanished after insert`)
    return { record: toPipeline(row), created, requestDigest: row.request_digest }
  }

  async get(id: string): Promise<PipelineRecord | undefined> {
    const r = await this.db.query<RawPipeline>(`SELECT ${PIPELINE_COLUMNS} FROM pipelines WHERE id = $1`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toPipeline(row)
  }

  async owner(id: string): Promise<string | undefined> {
    const r = await this.db.query<{ owner: string }>('SELECT owner FROM pipelines WHERE id = $1', [id])
    return r.rows[0]?.owner
  }

  /** The owner's pipelines, newest first, one page after `request.cursor`. */
  async list(owner: string, request: PageRequest = {}): Promise<Page<PipelineRecord>> {
    const params: unknown[] = [owner]
    const after = PAGES.where(request, params, 'created_at', 'id')
    const r = await this.db.query<RawPipeline & { cursor_at: string }>(
      `SELECT ${PIPELINE_COLUMNS}, ${keysetTime('created_at')} AS cursor_at FROM pipelines WHERE owner = $1${after === undefined ? '' : ` AND ${after}`}
       ${PAGES.order('created_at', 'id')} LIMIT $${params.push(PAGES.limit(request) + 1)}`,
      params,
    )
    return PAGES.page(r.rows, request, (row) => row.id, toPipeline)
  }

  /**
   * The posted segments of these pipelines with their jobs' status, by index; `history` adds the
   * leases and node from the job history (a list needs only the status).
   */
  async segments(pipelineIds: string[], history: boolean): Promise<SegmentRecord[]> {
    if (pipelineIds.length === 0) return []
    const r = await this.db.query<RawSegment>(
      `SELECT ${SEGMENT_COLUMNS}${history ? ', h.leases, h.node_id' : ', NULL AS leases, NULL AS node_id'}
       FROM pipeline_segments s LEFT JOIN jobs j ON j.id = s.job_id ${history ? HISTORY : ''}
       WHERE s.pipeline_id = ANY($1::text[]) ORDER BY s.pipeline_id, s.seg_index`,
      [pipelineIds],
    )
    return r.rows.map(toSegment)
  }

  async segment(pipelineId: string, index: number): Promise<SegmentRecord | undefined> {
    const r = await this.db.query<RawSegment>(
      `SELECT ${SEGMENT_COLUMNS}, NULL AS leases, NULL AS node_id
       FROM pipeline_segments s LEFT JOIN jobs j ON j.id = s.job_id WHERE s.pipeline_id = $1 AND s.seg_index = $2`,
      [pipelineId, index],
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toSegment(row)
  }

  /** Records a posted segment; false when the segment was posted meanwhile. */
  async addSegment(s: NewSegment): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO pipeline_segments (pipeline_id, seg_index, row_count, input, job_id, answer, idempotency_key, request_digest)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8) ON CONFLICT (pipeline_id, seg_index) DO NOTHING`,
      [s.pipelineId, s.index, s.rows, s.input, s.jobId, JSON.stringify(s.answer), s.idempotencyKey ?? null, s.requestDigest],
    )
    return r.rowCount === 1
  }

  /** Records the client's collect step (decrypted, once true, stays true). */
  async collect(pipelineId: string, index: number, result: string, decrypted: boolean): Promise<void> {
    await this.db.query(
      `UPDATE pipeline_segments SET result = $3, decrypted = decrypted OR $4, collected_at = now() WHERE pipeline_id = $1 AND seg_index = $2`,
      [pipelineId, index, result, decrypted],
    )
  }

  /** The pipeline a job runs a segment of, if any. */
  async pipelineOfJob(jobId: string): Promise<string | undefined> {
    const r = await this.db.query<{ pipeline_id: string }>('SELECT pipeline_id FROM pipeline_segments WHERE job_id = $1', [jobId])
    return r.rows[0]?.pipeline_id
  }
}
