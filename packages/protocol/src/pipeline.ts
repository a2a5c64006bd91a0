/**
 * Pipeline contracts: a secure batch inference an owner runs over many rows. The rows are split
 * into segments; each segment, encrypted by the client and stored in W3S, becomes one compute job
 * (`he`: the node computes on CKKS ciphertexts; `key`: the input key is wrapped to that node only)
 * whose result the node seals to the owner. The hub follows every segment through its stages:
 * encrypt → segment → allocate → compute → collect.
 */
import { Type, type Static } from '@sinclair/typebox'
import { JobCandidatesSchema } from './compute.js'
import { NextCursorSchema } from './paging.js'
import { CidSchema } from './storage.js'

const strict = { additionalProperties: false }

/** Bodies of the pipeline routes are small (CIDs and counts). */
export const MAX_PIPELINE_BODY_BYTES = 16 * 1024
export const MAX_PIPELINE_SEGMENTS = 64
export const MAX_PIPELINE_ROWS = 1_000_000_000
export const MAX_SEGMENT_ROWS = 1 << 20

export const PIPELINE_PRIVACY = ['he', 'key'] as const
export type PipelinePrivacy = (typeof PIPELINE_PRIVACY)[number]
export const PIPELINE_STATUSES = ['encrypting', 'running', 'collecting', 'succeeded', 'failed'] as const
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number]
/** Where a segment is: the first stage not done yet ('done' once collected, 'failed' when its job failed). */
export const SEGMENT_STAGES = ['encrypt', 'segment', 'allocate', 'compute', 'collect', 'done', 'failed'] as const
export type SegmentStage = (typeof SEGMENT_STAGES)[number]
export const STAGE_NAMES = ['encrypt', 'segment', 'allocate', 'compute', 'collect'] as const
export type StageName = (typeof STAGE_NAMES)[number]
export const STAGE_STATES = ['pending', 'active', 'done', 'failed'] as const
export type StageState = (typeof STAGE_STATES)[number]

export const PipelineIdSchema = Type.String({ pattern: '^p_[0-9a-f]{24}$' })
/** The `Idempotency-Key` header: sending a POST again with the same key answers what the first one made. */
export const IdempotencyKeySchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })
export const IDEMPOTENCY_HEADER = 'idempotency-key'

/** Options of the `he` executor: where the final sigmoid is applied (client: after decryption; poly: on the node, approximated). */
export const PipelineParamsSchema = Type.Object({ sigmoid: Type.Optional(Type.Union([Type.Literal('client'), Type.Literal('poly')])) }, strict)
export type PipelineParams = Static<typeof PipelineParamsSchema>

export const PipelineCreateSchema = Type.Object(
  {
    /** The stored ONNX model (yours or shared with you). */
    model: CidSchema,
    privacy: Type.Union(PIPELINE_PRIVACY.map((p) => Type.Literal(p))),
    segments: Type.Integer({ minimum: 1, maximum: MAX_PIPELINE_SEGMENTS }),
    rows: Type.Integer({ minimum: 1, maximum: MAX_PIPELINE_ROWS }),
    /** privacy he: the stored evaluation keys (HeClient.evaluationKeys(); public material only). */
    keys: Type.Optional(CidSchema),
    /** privacy he: the executor's options. */
    params: Type.Optional(PipelineParamsSchema),
  },
  strict,
)
export type PipelineCreate = Static<typeof PipelineCreateSchema>

export const SegmentPostSchema = Type.Object(
  {
    /** The stored encrypted segment (he: an HE batch; key: the input tensors). */
    input: CidSchema,
    rows: Type.Integer({ minimum: 1, maximum: MAX_SEGMENT_ROWS }),
  },
  strict,
)
export type SegmentPost = Static<typeof SegmentPostSchema>

/** The segment's job: the client wraps the input keys to these candidates with POST /v1/jobs/:id/keys. */
export const SegmentAnswerSchema = Type.Object({
  pipelineId: PipelineIdSchema,
  index: Type.Integer(),
  job: JobCandidatesSchema,
})
export type SegmentAnswer = Static<typeof SegmentAnswerSchema>

export const SegmentCollectedSchema = Type.Object(
  {
    /** The sealed result as the client stored it in W3S. */
    result: CidSchema,
    /** Whether the client has decrypted it (false: stored, decryption still to come). */
    decrypted: Type.Boolean(),
  },
  strict,
)
export type SegmentCollected = Static<typeof SegmentCollectedSchema>

const StageStateSchema = Type.Union(STAGE_STATES.map((s) => Type.Literal(s)))
export const PipelineStatusSchema = Type.Union(PIPELINE_STATUSES.map((s) => Type.Literal(s)))
export const SegmentStageSchema = Type.Union(SEGMENT_STAGES.map((s) => Type.Literal(s)))

export const PipelineSegmentSchema = Type.Object({
  index: Type.Integer(),
  rows: Type.Union([Type.Integer(), Type.Null()]),
  input: Type.Union([CidSchema, Type.Null()]),
  jobId: Type.Union([Type.String(), Type.Null()]),
  /** The node running (or that ran) the segment's task. */
  nodeId: Type.Union([Type.String(), Type.Null()]),
  /** Leases of the job's tasks: more than one shows a re-dispatch. */
  attempts: Type.Integer(),
  stage: SegmentStageSchema,
  stages: Type.Object({ encrypt: StageStateSchema, segment: StageStateSchema, allocate: StageStateSchema, compute: StageStateSchema, collect: StageStateSchema }),
  result: Type.Union([CidSchema, Type.Null()]),
  error: Type.Unknown(),
})
export type PipelineSegment = Static<typeof PipelineSegmentSchema>

export const PipelineSchema = Type.Object({
  id: PipelineIdSchema,
  owner: Type.String(),
  model: CidSchema,
  privacy: Type.Union(PIPELINE_PRIVACY.map((p) => Type.Literal(p))),
  rows: Type.Integer(),
  keys: Type.Union([CidSchema, Type.Null()]),
  params: Type.Union([PipelineParamsSchema, Type.Null()]),
  status: PipelineStatusSchema,
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  segments: Type.Array(PipelineSegmentSchema),
})
export type Pipeline = Static<typeof PipelineSchema>

/** A pipeline in a list: no per-segment detail, only how many segments are at each stage. */
export const PipelineSummarySchema = Type.Object({
  id: PipelineIdSchema,
  model: CidSchema,
  privacy: Type.Union(PIPELINE_PRIVACY.map((p) => Type.Literal(p))),
  rows: Type.Integer(),
  status: PipelineStatusSchema,
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  segmentCount: Type.Integer(),
  /** Segments at each stage. */
  stageCounts: Type.Object({
    encrypt: Type.Integer(),
    segment: Type.Integer(),
    allocate: Type.Integer(),
    compute: Type.Integer(),
    collect: Type.Integer(),
    done: Type.Integer(),
    failed: Type.Integer(),
  }),
})
export type PipelineSummary = Static<typeof PipelineSummarySchema>

export const PipelineListSchema = Type.Object({ pipelines: Type.Array(PipelineSummarySchema), nextCursor: NextCursorSchema })
export type PipelineList = Static<typeof PipelineListSchema>
