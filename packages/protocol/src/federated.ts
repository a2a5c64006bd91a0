/**
 * Federated learning contracts: the datasets nodes hold (announced by name, schema and row count,
 * never uploaded), the training configuration an owner submits, what the hub reports about a
 * training and its rounds, and the work nodes claim and answer. Model parameters travel as one
 * base64 string of little-endian float32 values with the tensor sizes beside it.
 */
import { Type, type Static } from '@sinclair/typebox'
import { WrappedKeySchema } from './storage.js'

const strict = { additionalProperties: false }
// Written out here rather than imported from schemas.ts, which imports this module.
const NodeId = Type.String({ pattern: '^n_[0-9a-f]{20}$' })
const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'pass as ?cursor= for the next page; null on the last page' })
const PageFields = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'items per page (1..500)' })),
  cursor: Type.Optional(Type.String({ description: "the previous page's nextCursor (opaque)" })),
}

// ---- Node datasets -------------------------------------------------------------------------

export const DATASET_FORMATS = ['csv', 'idx'] as const
export type DatasetFormat = (typeof DATASET_FORMATS)[number]
export const DatasetNameSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'letters, digits, . _ - (1-64, starting with a letter or digit)' })
export const DatasetFormatSchema = Type.Union(DATASET_FORMATS.map((f) => Type.Literal(f)))

/** What a model needs to know of a dataset: sample shape, how labels look. No values, no statistics. */
export const DatasetShapeSchema = Type.Object(
  {
    features: Type.Integer({ minimum: 1, maximum: 1 << 24, description: 'numbers per sample' }),
    shape: Type.Array(Type.Integer({ minimum: 1, maximum: 1 << 24 }), { minItems: 1, maxItems: 3, description: 'shape of one sample, e.g. [64] or [28, 28]' }),
    labelColumn: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: -4096, maximum: 4096 })])),
    /** Text labels: the class names (class id i is classes[i] on that node). Absent for numeric labels. */
    classes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1024 })),
    /** Numeric labels: whether all are integers (class ids), and the largest (a model needs that many classes plus one). */
    integerLabels: Type.Boolean(),
    maxLabel: Type.Optional(Type.Number()),
  },
  strict,
)
export type DatasetShape = Static<typeof DatasetShapeSchema>

/** A dataset a node announces when it registers. */
export const DatasetAnnouncementSchema = Type.Object(
  {
    name: DatasetNameSchema,
    format: DatasetFormatSchema,
    schema: DatasetShapeSchema,
    rows: Type.Integer({ minimum: 1, maximum: 2 ** 40 }),
  },
  strict,
)
export type DatasetAnnouncement = Static<typeof DatasetAnnouncementSchema>

export const NodeDatasetSchema = Type.Object({
  name: Type.String(),
  nodeId: Type.String(),
  format: DatasetFormatSchema,
  schema: DatasetShapeSchema,
  rows: Type.Integer(),
  /** The holding node's status now: only online nodes take part in rounds. */
  nodeStatus: Type.String(),
  updatedAt: Type.String(),
})
export type NodeDataset = Static<typeof NodeDatasetSchema>

export const DatasetListQuerySchema = Type.Object({ name: Type.Optional(DatasetNameSchema), nodeId: Type.Optional(NodeId), ...PageFields }, strict)
export type DatasetListQuery = Static<typeof DatasetListQuerySchema>
export const DatasetListSchema = Type.Object({ datasets: Type.Array(NodeDatasetSchema), nextCursor: NextCursor })
export type DatasetList = Static<typeof DatasetListSchema>

// ---- Federated trainings -------------------------------------------------------------------

export const FlTrainingIdSchema = Type.String({ pattern: '^fl_[0-9a-f]{24}$' })
export const FlWorkIdSchema = Type.String({ pattern: '^flw_[0-9a-f]{24}$' })
export const FL_SECURE_MODES = ['none', 'secagg+', 'ckks'] as const
export type FlSecureMode = (typeof FL_SECURE_MODES)[number]
export const FL_MODES = ['central', 'decentralized'] as const
export type FlMode = (typeof FL_MODES)[number]
export const FL_TRAINING_STATUSES = ['running', 'stopped', 'succeeded', 'failed'] as const
export type FlTrainingStatus = (typeof FL_TRAINING_STATUSES)[number]
/** Largest body a node may send with one piece of federated work (its parameters, base64). */
export const MAX_FL_BODY_BYTES = 128 * 1024 * 1024
/** Largest training config (a CKKS public key makes it larger than the default body limit). */
export const MAX_FL_CONFIG_BYTES = 8 * 1024 * 1024

/** The job owner's CKKS public key (clients encrypt their updates under it; only the owner can decrypt). */
export const CkksPublicKeySchema = Type.Object(
  {
    kind: Type.Literal('ckks-public-key'),
    params: Type.Object({ polyModulusDegree: Type.Integer(), coeffModulusBits: Type.Array(Type.Integer(), { maxItems: 16 }), scaleBits: Type.Integer() }, { additionalProperties: false }),
    keyId: Type.String({ minLength: 1, maxLength: 64 }),
    key: Type.String({ minLength: 1, maxLength: 6 * 1024 * 1024 }),
  },
  { additionalProperties: false },
)

/** Parameters sealed by the owner with a model key only the training's nodes hold (AES-256-GCM; the hub relays them unread). */
export const FlSealedParametersSchema = Type.Object(
  {
    sizes: Type.Array(Type.Integer({ minimum: 0, maximum: 2 ** 31 }), { maxItems: 10_000 }),
    nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{16}$' }),
    data: Type.String({ maxLength: MAX_FL_BODY_BYTES, description: 'base64 of the ciphertext and its 16-byte tag' }),
  },
  { additionalProperties: false },
)
export type FlSealedParameters = Static<typeof FlSealedParametersSchema>

const Scalar = Type.Union([Type.Number(), Type.String({ maxLength: 200 }), Type.Boolean()])
const ScalarRecord = Type.Record(Type.String({ maxLength: 64 }), Scalar, { maxProperties: 32 })
const NumberRecord = Type.Record(Type.String({ maxLength: 64 }), Type.Number(), { maxProperties: 32 })
const ErrorShape = Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) }, strict)

/** The configuration an owner submits (`w3ai fl run --config FILE.json`). */
export const FlConfigSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    model: Type.Unknown({ description: 'a training spec as for train jobs (inputShape, layers, optimizer, loss, metrics, batchSize, seed); epochs may be left out (each round trains localEpochs); normalize must be none (use inputScale)' }),
    inputScale: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1e6, description: 'every feature is multiplied by this before the model sees it (e.g. 0.0625 for 0..16 pixels); the ONNX export does it itself. Default 1' })),
    datasets: Type.Array(DatasetNameSchema, { minItems: 1, maxItems: 1000, uniqueItems: true, description: 'node dataset names: every node holding one is a client' }),
    evaluation: Type.Optional(Type.Object({ dataset: DatasetNameSchema }, { ...strict, description: 'a held-out dataset the global model is evaluated on after every round (on the nodes holding it)' })),
    rounds: Type.Integer({ minimum: 1, maximum: 10_000 }),
    clientsPerRound: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'clients sampled each round (default: the strategy decides, all by default)' })),
    localEpochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'epochs each client trains per round. Default 1' })),
    strategy: Type.Optional(
      Type.Unsafe<{ name: string; [option: string]: unknown }>(
        Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: true, description: 'a strategy and its options, e.g. { "name": "fedavg" } (the default) or { "name": "krum", "byzantine": 2 }' }),
      ),
    ),
    secure: Type.Optional(Type.Union(FL_SECURE_MODES.map((m) => Type.Literal(m)), { description: 'secure aggregation: none (default), secagg+ or ckks' })),
    dp: Type.Optional(Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, description: 'differential privacy: { side: server|client, clipping: fixed|adaptive, noiseMultiplier, clippingNorm, targetEpsilon, delta, … }' }))),
    mode: Type.Optional(Type.Union(FL_MODES.map((m) => Type.Literal(m)), { description: 'central (default): the hub aggregates; decentralized: nodes average with their neighbours' })),
    topology: Type.Optional(Type.Unsafe<Record<string, unknown>>(Type.Object({}, { additionalProperties: true, description: 'decentralized mode: the overlay (ring or multigraph) and its parameters' }))),
    ckksPublicKey: Type.Optional(Type.Unsafe<{ kind: 'ckks-public-key'; params: { polyModulusDegree: number; coeffModulusBits: number[]; scaleBits: number }; keyId: string; key: string }>(CkksPublicKeySchema)),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'seeds initial weights, client sampling and local shuffling. Default 0' })),
    roundTimeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000, description: 'clients that have not answered by then count as dropouts. Default 120000' })),
    idempotencyKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'submitting again with the same key answers the training made the first time' })),
  },
  strict,
)
export type FlConfig = Static<typeof FlConfigSchema>

export const FlRoundSchema = Type.Object({
  round: Type.Integer(),
  status: Type.Union([Type.Literal('completed'), Type.Literal('failed')]),
  /** Clients whose update is in the aggregate. */
  participants: Type.Integer(),
  /** Clients asked that did not answer in time, failed, or sent an unusable update. */
  dropouts: Type.Integer(),
  /** On the evaluation dataset when there is one, else the clients' training metrics. */
  accuracy: Type.Union([Type.Number(), Type.Null()]),
  loss: Type.Union([Type.Number(), Type.Null()]),
  /** Privacy spent so far (at the configured delta), under dp. */
  epsilon: Type.Optional(Type.Number()),
  metrics: NumberRecord,
  error: Type.Optional(ErrorShape),
  startedAt: Type.String(),
  finishedAt: Type.String(),
})
export type FlRound = Static<typeof FlRoundSchema>

/**
 * A decentralized training's topology, the shape @w3ai/federated builds: silo labels (client ids),
 * the overlay, local compute time, each overlay edge with its delay and multiplicity (indices into
 * labels), and s_max, the number of states the rounds cycle through.
 */
export const FlTopologySchema = Type.Object({
  labels: Type.Array(Type.String()),
  overlay: Type.Union([Type.Literal('ring'), Type.Literal('star'), Type.Literal('mst')]),
  computeMs: Type.Number(),
  edges: Type.Array(Type.Object({ from: Type.Integer(), to: Type.Integer(), delayMs: Type.Number(), multiplicity: Type.Integer() })),
  stateCount: Type.Integer(),
  /** The multigraph paper's cycle time of this topology (mean round time over 100 simulated rounds), ms. */
  cycleTimeMs: Type.Optional(Type.Number()),
})
export type FlTopology = Static<typeof FlTopologySchema>

export const FlTrainingSchema = Type.Object({
  id: FlTrainingIdSchema,
  owner: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(FL_TRAINING_STATUSES.map((s) => Type.Literal(s))),
  config: FlConfigSchema,
  /** Clients (node, dataset) fixed at creation, and the nodes holding the evaluation dataset. */
  clients: Type.Array(Type.Object({ id: Type.String(), nodeId: Type.String(), dataset: Type.String(), rows: Type.Integer() })),
  evaluators: Type.Array(Type.Object({ id: Type.String(), nodeId: Type.String(), dataset: Type.String(), rows: Type.Integer() })),
  /** Rounds completed or failed so far (training resumes after the last one). */
  round: Type.Integer(),
  rounds: Type.Array(FlRoundSchema),
  /** The global parameters after the last round can be fetched (GET …/parameters) to export the model. */
  modelReady: Type.Boolean(),
  /** The ONNX model in W3S, once the owner's client stored it. */
  modelCid: Type.Union([Type.String(), Type.Null()]),
  /** Under ckks: the round whose encrypted aggregate waits for the owner to decrypt it and publish the next parameters. */
  awaitingOwner: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  /** Mode decentralized: the silos' topology (absent for central trainings). */
  topology: Type.Optional(FlTopologySchema),
  error: Type.Union([ErrorShape, Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
})
export type FlTraining = Static<typeof FlTrainingSchema>

/** A training in the list: its setup and progress at a glance, without the config, clients or rounds (GET …/:id has those). */
export const FlTrainingSummarySchema = Type.Object({
  id: FlTrainingIdSchema,
  name: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(FL_TRAINING_STATUSES.map((s) => Type.Literal(s))),
  mode: Type.Union(FL_MODES.map((m) => Type.Literal(m))),
  secure: Type.Union(FL_SECURE_MODES.map((m) => Type.Literal(m))),
  /** The strategy's name (fedavg when the config names none). */
  strategy: Type.String(),
  /** Whether the config adds differential-privacy noise. */
  dp: Type.Boolean(),
  /** Rounds completed or failed so far, and the rounds the config asks for. */
  round: Type.Integer(),
  roundsPlanned: Type.Integer(),
  clientCount: Type.Integer(),
  /** From the latest round that recorded one (null before). */
  accuracy: Type.Union([Type.Number(), Type.Null()]),
  loss: Type.Union([Type.Number(), Type.Null()]),
  modelCid: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([ErrorShape, Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  finishedAt: Type.Union([Type.String(), Type.Null()]),
})
export type FlTrainingSummary = Static<typeof FlTrainingSummarySchema>

export const FlTrainingListSchema = Type.Object({ trainings: Type.Array(FlTrainingSummarySchema), nextCursor: NextCursor })
export type FlTrainingList = Static<typeof FlTrainingListSchema>
export const FlTrainingQuerySchema = Type.Object({ ...PageFields }, strict)
export type FlTrainingQuery = Static<typeof FlTrainingQuerySchema>

/** Float32 tensors on the wire: their sizes, and all values as one base64 string (little-endian float32). */
export const FlParametersSchema = Type.Object(
  {
    sizes: Type.Array(Type.Integer({ minimum: 0, maximum: 2 ** 31 }), { maxItems: 10_000 }),
    data: Type.String({ maxLength: MAX_FL_BODY_BYTES, description: 'base64 of every tensor, concatenated, float32 little-endian' }),
  },
  strict,
)
export type FlParameters = Static<typeof FlParametersSchema>

export const FlModelSchema = Type.Object({ cid: Type.String({ pattern: '^b[a-z2-7]{20,120}$' }) }, strict)
export type FlModel = Static<typeof FlModelSchema>
export const FlGlobalParametersSchema = Type.Object({ round: Type.Integer(), parameters: FlParametersSchema })
export type FlGlobalParameters = Static<typeof FlGlobalParametersSchema>

/** Under ckks: what the owner's client decrypts (the sum of the round's encrypted updates). */
export const FlOwnerAggregateSchema = Type.Object({
  round: Type.Integer(),
  aggregate: Type.Unknown({ description: 'the encrypted weighted sum (@w3ai/federated/he EncryptedUpdate)' }),
  participants: Type.Integer(),
  dropouts: Type.Integer(),
  metrics: NumberRecord,
})
export type FlOwnerAggregate = Static<typeof FlOwnerAggregateSchema>

/** Under ckks: the owner's next global parameters, sealed, and (at least once) the model key wrapped to the training's nodes. */
export const FlOwnerGlobalSchema = Type.Object(
  {
    round: Type.Integer({ minimum: 1 }),
    sealed: FlSealedParametersSchema,
    keys: Type.Optional(Type.Array(Type.Object({ nodeId: NodeId, wrappedKey: WrappedKeySchema }, { additionalProperties: false }), { maxItems: 10_000 })),
  },
  strict,
)
export type FlOwnerGlobal = Static<typeof FlOwnerGlobalSchema>

// ---- Federated work (nodes) ------------------------------------------------------------------

export const FL_WORK_KINDS = ['init', 'train', 'evaluate', 'secagg', 'ckks', 'mix'] as const
export type FlWorkKind = (typeof FL_WORK_KINDS)[number]

/** One piece of work a node claims for one of its datasets. */
export const FlWorkSchema = Type.Object({
  id: FlWorkIdSchema,
  trainingId: FlTrainingIdSchema,
  round: Type.Integer(),
  kind: Type.Union(FL_WORK_KINDS.map((k) => Type.Literal(k))),
  clientId: Type.String(),
  dataset: Type.String(),
  /** The node answers before this time or counts as a dropout. */
  deadline: Type.String(),
  model: Type.Unknown(),
  inputScale: Type.Number(),
  localEpochs: Type.Integer(),
  seed: Type.Integer(),
  /** Text labels: the class names of the whole training (class id i is classes[i] on every client). */
  classes: Type.Optional(Type.Array(Type.String())),
  config: ScalarRecord,
  /** Whether GET /v1/fl/work/:id/parameters has parameters to start from. */
  parameters: Type.Boolean(),
  /** Stage messages of secure aggregation and decentralized mixing. */
  message: Type.Optional(Type.Unknown()),
})
export type FlWork = Static<typeof FlWorkSchema>

export const FlClaimSchema = Type.Object(
  {
    datasets: Type.Array(DatasetNameSchema, { maxItems: 256 }),
    capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 64 })),
  },
  strict,
)
export type FlClaim = Static<typeof FlClaimSchema>

export const FlWorkReplySchema = Type.Object(
  {
    outcome: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
    numExamples: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 40 })),
    loss: Type.Optional(Type.Number()),
    metrics: Type.Optional(NumberRecord),
    parameters: Type.Optional(FlParametersSchema),
    message: Type.Optional(Type.Unknown()),
    error: Type.Optional(ErrorShape),
  },
  strict,
)
export type FlWorkReply = Static<typeof FlWorkReplySchema>
