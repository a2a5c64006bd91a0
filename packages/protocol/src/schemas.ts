/**
 * JSON schemas of the wire format (TypeBox). The hub validates requests with them and generates
 * its OpenAPI document from them; the SDK, CLI and dashboard use the static types.
 */
import { Type, type Static } from '@sinclair/typebox'
import { EXECUTORS, NODE_STATUSES } from './constants.js'
import { DatasetAnnouncementSchema } from './federated.js'
import { NextCursorSchema, PAGE_QUERY_FIELDS } from './paging.js'

const Base64Url32 = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: '32 bytes, base64url without padding' })
export const NodeIdSchema = Type.String({ pattern: '^n_[0-9a-f]{20}$', description: 'n_ + 20 hex digits of SHA-256(public key)' })
export const AccountIdSchema = Type.String({ pattern: '^a_[0-9a-f]{20}$', description: 'a_ + 20 hex digits of SHA-256(public key)' })

export const ExecutorSchema = Type.Union(EXECUTORS.map((e) => Type.Literal(e)))
export const NodeStatusSchema = Type.Union(NODE_STATUSES.map((s) => Type.Literal(s)))

export const GpuSchema = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 128 }),
    memoryGb: Type.Number({ exclusiveMinimum: 0, maximum: 4096 }),
  },
  { additionalProperties: false },
)

export const CapabilitiesSchema = Type.Object(
  {
    cpuCores: Type.Number({ exclusiveMinimum: 0, maximum: 4096, description: 'CPU cores offered (fractions allowed)' }),
    memoryGb: Type.Number({ exclusiveMinimum: 0, maximum: 65536 }),
    gpus: Type.Array(GpuSchema, { maxItems: 64 }),
    diskGb: Type.Number({ minimum: 0, maximum: 10_000_000, description: 'Disk offered for pieces' }),
    executors: Type.Array(ExecutorSchema, { maxItems: EXECUTORS.length, uniqueItems: true }),
  },
  { additionalProperties: false },
)

export const LocationSchema = Type.Object(
  {
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    region: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'lower-case region name, e.g. eu-west' }),
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
)

/** Prices a node asks, in units (1 token = 10^18) as decimal strings; the hub clamps each to the governed bounds, and one not given is the governed minimum. */
export const NodePricesSchema = Type.Object(
  {
    computePerTaskSecond: Type.Optional(Type.String({ pattern: '^[0-9]{1,39}$', description: 'units per task-second of compute (of its resource class)' })),
    servingPerCall: Type.Optional(Type.String({ pattern: '^[0-9]{1,39}$', description: 'units per answered inference call' })),
    storagePerGiBHour: Type.Optional(Type.String({ pattern: '^[0-9]{1,39}$', description: 'units per GiB-hour stored' })),
  },
  { additionalProperties: false },
)

export const NodeRegistrationSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    capabilities: CapabilitiesSchema,
    location: LocationSchema,
    endpoint: Type.String({ pattern: '^https?://[^\\s]{1,2040}$', description: 'URL where the node serves its HTTP API' }),
    encryptionKey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: "the node's x25519 public key: data keys for its tasks are wrapped to it" })),
    network: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'the order key of the network this node belongs to (learned from its first hub); a hub of another network refuses it with NODE_WRONG_NETWORK' })),
    datasets: Type.Optional(Type.Array(DatasetAnnouncementSchema, { maxItems: 256, description: 'local datasets the node offers to federated trainings (name, schema and row count only); replaces what it announced before' })),
    prices: Type.Optional(NodePricesSchema),
  },
  { additionalProperties: false },
)

export const NodeLoadSchema = Type.Object(
  {
    cpuPercent: Type.Number({ minimum: 0, maximum: 100 }),
    memoryUsedGb: Type.Number({ minimum: 0, maximum: 65536 }),
    runningTasks: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    diskUsedGb: Type.Number({ minimum: 0, maximum: 10_000_000 }),
    at: Type.String({ description: 'ISO time the hub received the measurement' }),
  },
  { additionalProperties: false },
)

export const NodeSchema = Type.Object({
  id: NodeIdSchema,
  publicKey: Base64Url32,
  name: Type.String(),
  version: Type.String(),
  status: NodeStatusSchema,
  region: Type.String(),
  location: LocationSchema,
  capabilities: CapabilitiesSchema,
  endpoint: Type.String(),
  encryptionKey: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  load: Type.Union([NodeLoadSchema, Type.Null()]),
  registeredAt: Type.String(),
  lastSeenAt: Type.Union([Type.String(), Type.Null()]),
  statusChangedAt: Type.String(),
  /** Storage audits of this node's pieces: passed, failed and a moving score in [0, 1]. */
  audit: Type.Optional(Type.Object({ score: Type.Number(), passed: Type.Integer(), failed: Type.Integer() })),
  /** Result verification: replicas agreeing with the majority (passed) or not (failed), and a moving score in [0, 1]. */
  reputation: Type.Optional(Type.Object({ score: Type.Number(), passed: Type.Integer(), failed: Type.Integer() })),
  /** The prices the node asks (before the hub clamps them to the governed bounds); absent: it asks none. */
  prices: Type.Optional(NodePricesSchema),
})

export const NodeListQuerySchema = Type.Object(
  {
    status: Type.Optional(NodeStatusSchema),
    region: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' })),
    executor: Type.Optional(ExecutorSchema),
    ...PAGE_QUERY_FIELDS,
  },
  { additionalProperties: false },
)

export const NodeListSchema = Type.Object({
  nodes: Type.Array(NodeSchema),
  total: Type.Integer({ description: 'nodes matching the filter, over all pages' }),
  nextCursor: NextCursorSchema,
})

/** Messages a node sends on its heartbeat WebSocket. */
export const HeartbeatMessageSchema = Type.Object(
  {
    type: Type.Literal('heartbeat'),
    seq: Type.Integer({ minimum: 0 }),
    cpuPercent: Type.Number({ minimum: 0, maximum: 100 }),
    memoryUsedGb: Type.Number({ minimum: 0, maximum: 65536 }),
    runningTasks: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    diskUsedGb: Type.Number({ minimum: 0, maximum: 10_000_000 }),
  },
  { additionalProperties: false },
)

export const AccountCreateSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    encryptionKey: Type.Optional(Base64Url32),
  },
  { additionalProperties: false },
)

export const AccountSchema = Type.Object({
  id: AccountIdSchema,
  publicKey: Base64Url32,
  encryptionKey: Type.Union([Base64Url32, Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
})

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  hubId: Type.String(),
  database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]),
  orderKey: Type.String({ description: 'public key (ed25519, base64url) that signs piece orders' }),
  uptimeSec: Type.Number(),
  time: Type.String(),
})

export const NetworkSummarySchema = Type.Object({
  nodes: Type.Object({ total: Type.Integer(), online: Type.Integer(), suspect: Type.Integer(), offline: Type.Integer() }),
  capacity: Type.Object({
    cpuCores: Type.Number(),
    memoryGb: Type.Number(),
    gpus: Type.Integer(),
    gpuMemoryGb: Type.Number(),
    diskGb: Type.Number(),
    diskUsedGb: Type.Number(),
  }, { description: 'sums over online nodes' }),
  regions: Type.Array(Type.Object({ region: Type.String(), nodes: Type.Integer(), online: Type.Integer() })),
})

export const ErrorBodySchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
    requestId: Type.Optional(Type.String()),
  }),
})

export type Gpu = Static<typeof GpuSchema>
export type Capabilities = Static<typeof CapabilitiesSchema>
export type Location = Static<typeof LocationSchema>
export type NodeRegistration = Static<typeof NodeRegistrationSchema>
export type NodePrices = Static<typeof NodePricesSchema>
export type NodeLoad = Static<typeof NodeLoadSchema>
export type NodeInfo = Static<typeof NodeSchema>
export type NodeListQuery = Static<typeof NodeListQuerySchema>
export type NodeList = Static<typeof NodeListSchema>
export type HeartbeatMessage = Static<typeof HeartbeatMessageSchema>
export type AccountCreate = Static<typeof AccountCreateSchema>
export type Account = Static<typeof AccountSchema>
export type Health = Static<typeof HealthSchema>
export type NetworkSummary = Static<typeof NetworkSummarySchema>
