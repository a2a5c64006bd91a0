/**
 * Quotes (issue 11): what a job, an upload or a deployment's inference would cost before it is
 * asked for. Amounts are units (1 token = 10^18 units) as decimal strings.
 */
import { Type, type Static } from '@sinclair/typebox'
import { JobExecutorSchema } from './compute.js'
import { RedundancySchema } from './storage.js'

const Units = Type.String({ pattern: '^[0-9]{1,39}$', description: 'units (1 token = 10^18 units) as a decimal string' })

export const QuoteJobSchema = Type.Object(
  {
    kind: Type.Literal('job'),
    executor: JobExecutorSchema,
    params: Type.Optional(Type.Unknown()),
    /** Replicas whose results must agree, as in POST /v1/jobs. */
    verify: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    /** A sealed result (sealTo): never spot-checked. */
    sealed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
)

export const QuoteUploadSchema = Type.Object(
  {
    kind: Type.Literal('upload'),
    /** Plaintext bytes. */
    size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** Default: what the hub would fit to the online nodes. */
    redundancy: Type.Optional(RedundancySchema),
    /** Hours paid for (default: the hub's). */
    durationHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 * 365 * 24 })),
  },
  { additionalProperties: false },
)

export const QuoteDeploymentSchema = Type.Object(
  {
    kind: Type.Literal('deployment'),
    /** Answered inferences to price (default 1). */
    calls: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  },
  { additionalProperties: false },
)

export const QuoteRequestSchema = Type.Union([QuoteJobSchema, QuoteUploadSchema, QuoteDeploymentSchema])
export type QuoteRequest = Static<typeof QuoteRequestSchema>

export const QuoteSchema = Type.Object({
  kind: Type.Union([Type.Literal('job'), Type.Literal('upload'), Type.Literal('deployment')]),
  /** The most it costs: what is held from your wallet when you ask for it (a job's escrow; an upload's payment; the calls' price). */
  amount: Units,
  /** Whether this hub charges (W3AI_BILLING); off: the amount is what it would cost, nothing is taken. */
  billing: Type.Boolean(),
  /** How the amount was reckoned, by kind: job { resourceClass, pricePerSecond, limitSeconds, replicas, tieBreakers, perReplica }, upload { storedBytes, hours, pricePerGiBHour, redundancy }, deployment { pricePerCall, calls }. */
  breakdown: Type.Record(Type.String(), Type.Unknown()),
  /** What the network takes of a payment of this amount: the fee, and its treasury and burn shares (the nodes keep the rest). */
  fee: Type.Object({ feeRateBps: Type.Integer(), treasuryShareBps: Type.Integer(), burnShareBps: Type.Integer(), fee: Units, treasury: Units, burn: Units, nodes: Units }),
})
export type Quote = Static<typeof QuoteSchema>
