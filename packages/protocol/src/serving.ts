/**
 * Model serving: a deployment keeps an ONNX model stored in W3S loaded on a few nodes, so inference
 * requests go through the hub to a warm session instead of queueing a job per request. The model's
 * key is wrapped by its owner to each serving node, as for jobs.
 */
import { Type, type Static } from '@sinclair/typebox'
import { TaskInputSchema } from './compute.js'
import { CidSchema, WrappedKeySchema } from './storage.js'

export const DeploymentIdSchema = Type.String({ pattern: '^d_[0-9a-f]{24}$' })

export const DEPLOYMENT_STATUSES = ['awaiting-keys', 'starting', 'ready', 'degraded', 'failed', 'stopped'] as const
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number]
export const REPLICA_STATES = ['assigned', 'ready', 'failed', 'stopped'] as const
export type ReplicaState = (typeof REPLICA_STATES)[number]

export const DeploymentCreateSchema = Type.Object(
  {
    /** The ONNX model, a W3S object you own or that is shared with you. */
    model: CidSchema,
    /** Nodes that keep the model loaded; requests go to the least busy ready one. */
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
    /** Most samples (rows along dim 0) a node runs in one batched call. */
    maxBatch: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  },
  { additionalProperties: false },
)
export type DeploymentCreate = Static<typeof DeploymentCreateSchema>

export const ModelIoSchema = Type.Object({ name: Type.String(), type: Type.String(), shape: Type.Array(Type.Union([Type.Integer(), Type.String(), Type.Null()])) })

export const DeploymentReplicaSchema = Type.Object({
  nodeId: Type.String(),
  state: Type.Union(REPLICA_STATES.map((s) => Type.Literal(s))),
  /** The node's liveness (online, suspect, offline) at the time of the answer. */
  nodeStatus: Type.String(),
  error: Type.Union([Type.Null(), Type.Object({ code: Type.String(), message: Type.String() })]),
  updatedAt: Type.String(),
})

export const DeploymentSchema = Type.Object({
  id: DeploymentIdSchema,
  owner: Type.String(),
  model: CidSchema,
  status: Type.Union(DEPLOYMENT_STATUSES.map((s) => Type.Literal(s))),
  maxBatch: Type.Integer(),
  /** The model's inputs and outputs, once a node has loaded it. */
  io: Type.Union([Type.Null(), Type.Object({ inputs: Type.Array(ModelIoSchema), outputs: Type.Array(ModelIoSchema) })]),
  replicas: Type.Array(DeploymentReplicaSchema),
  /** Requests served and failed since the deployment started (all hubs). */
  stats: Type.Object({ requests: Type.Integer(), failures: Type.Integer() }),
  createdAt: Type.String(),
})
export type Deployment = Static<typeof DeploymentSchema>

/** The nodes chosen to serve: the owner wraps the model key to each of them. */
export const DeploymentCandidatesSchema = Type.Object({
  deploymentId: DeploymentIdSchema,
  status: Type.Literal('awaiting-keys'),
  model: CidSchema,
  candidates: Type.Array(Type.Object({ nodeId: Type.String(), encryptionKey: Type.String() })),
})
export type DeploymentCandidates = Static<typeof DeploymentCandidatesSchema>

export const DeploymentKeysSchema = Type.Object(
  { keys: Type.Array(Type.Object({ nodeId: Type.String({ pattern: '^n_[0-9a-f]{20}$' }), wrappedKey: WrappedKeySchema }, { additionalProperties: false }), { minItems: 1, maxItems: 16 }) },
  { additionalProperties: false },
)
export type DeploymentKeys = Static<typeof DeploymentKeysSchema>

/**
 * An inference request: JSON tensors by input name (`{ type, dims, data }`, data row-major). The hub
 * passes the body to a serving node untouched; the node checks it against the model.
 */
export const InferRequestSchema = Type.Object(
  {
    inputs: Type.Record(
      Type.String({ maxLength: 256 }),
      Type.Object({
        type: Type.String(),
        dims: Type.Array(Type.Integer({ minimum: 0 })),
        /** Row-major values, or a base64 string of their little-endian bytes. */
        data: Type.Union([Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean()])), Type.String()]),
      }),
    ),
  },
  { additionalProperties: false },
)
export type InferRequest = Static<typeof InferRequestSchema>

export const InferResponseSchema = Type.Object({
  outputs: Type.Record(Type.String(), Type.Object({ type: Type.String(), dims: Type.Array(Type.Integer()), data: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean()])) })),
  /** The node that ran it, and how long the run took there (including batching with others). */
  nodeId: Type.String(),
  runMs: Type.Number(),
})
export type InferResponse = Static<typeof InferResponseSchema>

/** What a node is told to serve (polled often, so light: the model is fetched from `/v1/serving/:id/model` once, when loading). */
export const ServingAssignmentSchema = Type.Object({
  deploymentId: DeploymentIdSchema,
  maxBatch: Type.Integer(),
  model: CidSchema,
})
export type ServingAssignment = Static<typeof ServingAssignmentSchema>

/** How a serving node fetches and opens its model: like a task input (role `model`). */
export const ServingModelSchema = TaskInputSchema

export const ServingStateSchema = Type.Object(
  {
    state: Type.Union([Type.Literal('ready'), Type.Literal('failed')]),
    error: Type.Optional(Type.Object({ code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) }, { additionalProperties: false })),
    io: Type.Optional(Type.Object({ inputs: Type.Array(ModelIoSchema, { maxItems: 64 }), outputs: Type.Array(ModelIoSchema, { maxItems: 64 }) })),
  },
  { additionalProperties: false },
)
export type ServingState = Static<typeof ServingStateSchema>

/** A ticket's defaults when the request names none. */
export const TICKET_DEFAULTS = { calls: 1000, ttlSeconds: 300 } as const

/** The header a direct call to a serving node carries its ticket in. */
export const TICKET_HEADER = 'x-w3ai-ticket'

/**
 * A direct ticket: the hub's permission for one caller to call one deployment on one node
 * directly, until `expiresAt`, at most `calls` times. Signed by the network key (which the nodes
 * know) over its canonical JSON without `signature`; sent as base64url of its JSON in
 * `x-w3ai-ticket`, on requests the caller signs as usual.
 */
export interface ServingTicket {
  v: 1
  id: string
  deployment: string
  node: string
  /** The caller's public key: requests under the ticket must be signed by it. */
  caller: string
  /** Milliseconds since the epoch. */
  expiresAt: number
  calls: number
  signature: string
}

export const TicketRequestSchema = Type.Object(
  {
    /** Calls the ticket allows (default TICKET_DEFAULTS.calls). */
    calls: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    /** Seconds the ticket lasts (default TICKET_DEFAULTS.ttlSeconds). */
    ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  },
  { additionalProperties: false },
)
export type TicketRequest = Static<typeof TicketRequestSchema>

export const TicketGrantSchema = Type.Object({
  /** The value of the x-w3ai-ticket header. */
  ticket: Type.String(),
  deploymentId: DeploymentIdSchema,
  nodeId: Type.String(),
  /** Where to send the calls: POST {endpoint}/v1/serve/{deploymentId}. */
  endpoint: Type.String(),
  expiresAt: Type.String(),
  calls: Type.Integer(),
})
export type TicketGrant = Static<typeof TicketGrantSchema>
