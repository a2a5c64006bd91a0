/**
 * Compute contracts: jobs a user submits, tasks nodes claim, and what they report. A job's inputs
 * are W3S objects; their keys are wrapped to the nodes chosen to run it, for that job only.
 */
import { Type, type Static } from '@sinclair/typebox'
import { CidSchema, ManifestSchema, StoredPieceSchema, WrappedKeySchema } from './storage.js'

/**
 * The executors jobs may name, on the wire. Each is described once, by its descriptor in
 * @w3ai/compute's executors/registry.ts (protocol holds contracts only); a test there keeps this
 * list and the registry equal.
 */
export const JOB_EXECUTORS = ['onnx', 'train', 'wasm', 'he'] as const
export type JobExecutor = (typeof JOB_EXECUTORS)[number]
export const JobExecutorSchema = Type.Union(JOB_EXECUTORS.map((e) => Type.Literal(e)))
export const JobIdSchema = Type.String({ pattern: '^j_[0-9a-f]{24}$' })
export const TaskIdSchema = Type.String({ pattern: '^t_[0-9a-f]{20,32}$' })

export const JOB_STATUSES = ['awaiting-keys', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

export const JobSubmitSchema = Type.Object(
  {
    executor: JobExecutorSchema,
    /** W3S objects the task reads, by role (onnx: model[, input]; wasm: module, input; train: dataset). */
    inputs: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), CidSchema, { maxProperties: 8, additionalProperties: false }),
    /** Executor parameters (onnx: inline tensors; train: the layer spec; wasm: args). */
    params: Type.Optional(Type.Unknown()),
    /** Independent runs on distinct nodes whose results must agree (1 = no verification). */
    verify: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    /** Float results agree when every number differs by at most this (0 = bitwise). */
    tolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    priority: Type.Optional(Type.Integer({ minimum: -10, maximum: 10 })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    /** Your account's x25519 key (base64url): the node seals the result to it, so the hub stores `{ sealed }` it cannot read; verify must be 1. */
    sealTo: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })),
    /** A compute-only market order of yours: the job may read its data (the seller wraps the key to the job's nodes); sealTo is required. */
    order: Type.Optional(Type.String({ pattern: '^o_[0-9a-f]{16}$' })),
  },
  { additionalProperties: false },
)
export type JobSubmit = Static<typeof JobSubmitSchema>

/** Bytes sealed to an x25519 key (ECIES as wrapped keys, HKDF info 'w3ai/seal/v1'); ct = ciphertext + 16-byte tag. */
export const SealedBoxSchema = Type.Object(
  {
    alg: Type.Literal('X25519-HKDF-SHA256-AES-256-GCM'),
    epk: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$' }),
    ct: Type.String({ pattern: '^[A-Za-z0-9_-]{22,}$' }),
  },
  { additionalProperties: false },
)
export type SealedBox = Static<typeof SealedBoxSchema>

/** The result of a job submitted with `sealTo`: its JSON, sealed to the submitter and bound to the job id. */
export const SealedResultSchema = Type.Object({ sealed: SealedBoxSchema }, { additionalProperties: false })
export type SealedResult = Static<typeof SealedResultSchema>

/** The nodes the router chose: the client wraps each input key to each of them. */
export const JobCandidatesSchema = Type.Object({
  jobId: JobIdSchema,
  status: Type.Literal('awaiting-keys'),
  inputs: Type.Array(CidSchema),
  candidates: Type.Array(Type.Object({ nodeId: Type.String(), encryptionKey: Type.String() })),
})
export type JobCandidates = Static<typeof JobCandidatesSchema>

/** A buyer's job on data you sold compute on, awaiting its key wrapped to the job's nodes. */
export const KeyRequestSchema = Type.Object({
  jobId: JobIdSchema,
  orderId: Type.String(),
  executor: Type.String(),
  cid: CidSchema,
  replicas: Type.Integer(),
  candidates: Type.Array(Type.Object({ nodeId: Type.String(), encryptionKey: Type.String() })),
})
export type KeyRequest = Static<typeof KeyRequestSchema>
export const KeyRequestListSchema = Type.Object({ requests: Type.Array(KeyRequestSchema) })
export type KeyRequestList = Static<typeof KeyRequestListSchema>

export const JobKeysSchema = Type.Object(
  {
    keys: Type.Array(Type.Object({ nodeId: Type.String({ pattern: '^n_[0-9a-f]{20}$' }), cid: CidSchema, wrappedKey: WrappedKeySchema }, { additionalProperties: false }), { maxItems: 256 }),
  },
  { additionalProperties: false },
)
export type JobKeys = Static<typeof JobKeysSchema>

export const JobEventSchema = Type.Object({ at: Type.String(), kind: Type.String(), taskId: Type.String(), nodeId: Type.Union([Type.String(), Type.Null()]), detail: Type.Unknown() })

export const JobSchema = Type.Object({
  id: JobIdSchema,
  owner: Type.String(),
  executor: JobExecutorSchema,
  status: Type.String(),
  replicas: Type.Integer(),
  inputs: Type.Record(Type.String(), CidSchema),
  createdAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
  /** The agreed result (replica 0's when verification passed). */
  result: Type.Unknown(),
  error: Type.Unknown(),
  verification: Type.Union([Type.Null(), Type.Object({ agreed: Type.Boolean(), digests: Type.Array(Type.Union([Type.String(), Type.Null()])) })]),
  history: Type.Array(JobEventSchema),
})
export type Job = Static<typeof JobSchema>

/** What a node gets for each claimed task: the job, and for each input how to fetch and open it. */
export const TaskInputSchema = Type.Object({
  role: Type.String(),
  cid: CidSchema,
  manifest: ManifestSchema,
  wrappedKey: WrappedKeySchema,
  segments: Type.Array(Type.Object({ index: Type.Integer(), pieces: Type.Array(StoredPieceSchema) })),
})
export type TaskInput = Static<typeof TaskInputSchema>

export const ClaimedTaskSchema = Type.Object({
  id: Type.String(),
  jobId: Type.String(),
  replica: Type.Integer(),
  executor: JobExecutorSchema,
  params: Type.Unknown(),
  leaseId: Type.String(),
  leaseExpiresAt: Type.String(),
  attempt: Type.Integer(),
  inputs: Type.Array(TaskInputSchema),
  /** Seal the result to this x25519 key (the submitter's) before reporting it. */
  sealTo: Type.Optional(Type.String()),
})
export type ClaimedTask = Static<typeof ClaimedTaskSchema>

export const TaskClaimSchema = Type.Object(
  { executors: Type.Array(JobExecutorSchema, { minItems: 1, maxItems: JOB_EXECUTORS.length, uniqueItems: true }), capacity: Type.Integer({ minimum: 1, maximum: 64 }) },
  { additionalProperties: false },
)
export type TaskClaim = Static<typeof TaskClaimSchema>

/** A task result's JSON is at most this many bytes (a sealed result included); larger results belong in W3S. */
export const MAX_TASK_RESULT_BYTES = 1024 * 1024

export const TaskReportSchema = Type.Object(
  {
    leaseId: Type.String({ minLength: 1, maxLength: 64 }),
    /** complete: the result (JSON, at most 1 MiB); fail: the error. */
    result: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) }, { additionalProperties: false })),
    retryable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)
export type TaskReport = Static<typeof TaskReportSchema>

/** Progress a node reports while a task runs (e.g. per-epoch training metrics); kept in the job history. */
export const TaskProgressSchema = Type.Object(
  {
    leaseId: Type.String({ minLength: 1, maxLength: 64 }),
    progress: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.Number(), Type.String({ maxLength: 200 }), Type.Boolean(), Type.Null()]), { maxProperties: 32 }),
    /** The report's number within its attempt (0, 1, ...): a report sent again is recorded once. Older nodes send none. */
    seq: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
)
export type TaskProgress = Static<typeof TaskProgressSchema>
