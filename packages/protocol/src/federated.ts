/**
 * Federated learning contracts: the datasets nodes hold (announced by name, schema and row count,
 * never uploaded), the training configuration an owner submits, what the hub reports about a
 * training and its rounds, and the work nodes claim and answer. Model parameters travel as one
 * base64 string of little-endian float32 values with the tensor sizes beside it.
 */
import { Type, type Static } from '@sinclair/typebox'

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
