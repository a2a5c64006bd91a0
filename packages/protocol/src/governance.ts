/**
 * Governance contracts: the network parameters (GET /v1/parameters) and the proposals that change
 * them. A proposal names parameter changes; holders vote with their balance plus stake at the
 * proposal's snapshot (a journal seq); it passes with quorum (a share of the voting supply) and
 * threshold (a share of for + against), waits out the timelock and is then executed. Values and
 * weights are decimal strings (shares in basis points, amounts in units, periods in ms).
 */
import { Type, type Static } from '@sinclair/typebox'
import { NextCursorSchema, PAGE_QUERY_FIELDS } from './paging.js'

const strict = { additionalProperties: false }
const Units = Type.String({ pattern: '^[0-9]{1,39}$', description: 'units as a decimal string (1 token = 10^18 units)' })
const Time = Type.String({ description: 'ISO 8601' })
const NullableTime = Type.Union([Time, Type.Null()])
/** An account, or a node (whose operator votes with its balance and bonded stake). */
const VoterId = Type.String({ pattern: '^(a|n)_[0-9a-f]{20}$' })

export const MAX_PROPOSAL_CHANGES = 16
export const MAX_PROPOSAL_DESCRIPTION = 2000

export const PARAMETER_KINDS = ['share', 'units', 'ms', 'count'] as const
export type ParameterKindName = (typeof PARAMETER_KINDS)[number]
export const PROPOSAL_STATUS_NAMES = ['pending', 'active', 'defeated', 'succeeded', 'queued', 'executed', 'cancelled'] as const
export type ProposalStatusName = (typeof PROPOSAL_STATUS_NAMES)[number]
export const VOTE_SUPPORT_NAMES = ['for', 'against', 'abstain'] as const
export type VoteSupportName = (typeof VOTE_SUPPORT_NAMES)[number]

export const ProposalIdSchema = Type.String({ pattern: '^gp_[0-9a-f]{24}$' })

/** One parameter of GET /v1/parameters: its value now, its bounds and where the value came from. */
export const NetworkParameterSchema = Type.Object({
  name: Type.String(),
  kind: Type.Union(PARAMETER_KINDS.map((k) => Type.Literal(k))),
  /** A whole number as a decimal string (basis points, units, ms or a count, by kind). */
  value: Type.String(),
  default: Type.String(),
  min: Type.String(),
  max: Type.String(),
  doc: Type.String(),
  /** When governance last changed it (null: the genesis value). */
  updatedAt: NullableTime,
  /** The proposal that set it (null: the genesis value). */
  proposalId: Type.Union([ProposalIdSchema, Type.Null()]),
})
export type NetworkParameter = Static<typeof NetworkParameterSchema>

export const NetworkParametersSchema = Type.Object({ parameters: Type.Array(NetworkParameterSchema) })
export type NetworkParametersView = Static<typeof NetworkParametersSchema>

/**
 * A change: the parameter's name and its new value as a decimal string. Names and values are
 * checked by the hub (GOV_BAD_PARAMETER naming the parameter), not by the schema.
 */
export const ParameterChangeSchema = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), value: Type.String({ maxLength: 80 }) }, strict)
export type ParameterChangeWire = Static<typeof ParameterChangeSchema>

export const ProposalCreateSchema = Type.Object(
  {
    changes: Type.Array(ParameterChangeSchema, { minItems: 1, maxItems: MAX_PROPOSAL_CHANGES }),
    description: Type.Optional(Type.String({ maxLength: MAX_PROPOSAL_DESCRIPTION })),
  },
  strict,
)
export type ProposalCreate = Static<typeof ProposalCreateSchema>

export const VoteCastSchema = Type.Object({ support: Type.Union(VOTE_SUPPORT_NAMES.map((s) => Type.Literal(s))) }, strict)
export type VoteCast = Static<typeof VoteCastSchema>

export const TallySchema = Type.Object({ for: Units, against: Units, abstain: Units, voters: Type.Integer() })
export type TallyView = Static<typeof TallySchema>

/** The rules a proposal is judged by, fixed from the parameters when it was made. */
export const ProposalRulesSchema = Type.Object({
  quorumBps: Type.Integer(),
  thresholdBps: Type.Integer(),
  votingDelayMs: Type.Integer(),
  votingPeriodMs: Type.Integer(),
  timelockMs: Type.Integer(),
})

export const ProposalSchema = Type.Object({
  id: ProposalIdSchema,
  proposer: VoterId,
  description: Type.String(),
  changes: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
  /** Vote weights are balances plus stake after this journal entry. */
  snapshotSeq: Type.Integer(),
  /** The voting supply at the snapshot: balances plus stake of every user and stake account (units). */
  supply: Units,
  /** Votes cast (for + against + abstain) needed for quorum. */
  quorum: Units,
  rules: ProposalRulesSchema,
  /** The live status (derived from the clock and the tally until the upkeep records the outcome). */
  status: Type.Union(PROPOSAL_STATUS_NAMES.map((s) => Type.Literal(s))),
  votingStartsAt: Time,
  votingEndsAt: Time,
  /** The earliest moment a passed proposal is executed (votingEndsAt + timelock). */
  eta: Time,
  tally: TallySchema,
  quorumReached: Type.Boolean(),
  thresholdReached: Type.Boolean(),
  createdAt: Time,
  queuedAt: NullableTime,
  executedAt: NullableTime,
  /** When it was cancelled, defeated or executed. */
  closedAt: NullableTime,
  /** Why it was cancelled or defeated (null otherwise). */
  reason: Type.Union([Type.String(), Type.Null()]),
})
export type Proposal = Static<typeof ProposalSchema>

export const ProposalListSchema = Type.Object({ proposals: Type.Array(ProposalSchema), nextCursor: NextCursorSchema })
export type ProposalList = Static<typeof ProposalListSchema>

export const ProposalListQuerySchema = Type.Object(
  { ...PAGE_QUERY_FIELDS, status: Type.Optional(Type.Union(PROPOSAL_STATUS_NAMES.map((s) => Type.Literal(s)), { description: 'only proposals recorded with this status' })) },
  strict,
)
export type ProposalListQuery = Static<typeof ProposalListQuerySchema>

export const VoteSchema = Type.Object({ proposalId: ProposalIdSchema, voter: VoterId, support: Type.Union(VOTE_SUPPORT_NAMES.map((s) => Type.Literal(s))), weight: Units, at: Time })
export type Vote = Static<typeof VoteSchema>

/** The answer to a vote: the vote as counted and the proposal with its tally after it. */
export const VoteAnswerSchema = Type.Object({ vote: VoteSchema, proposal: ProposalSchema })
export type VoteAnswer = Static<typeof VoteAnswerSchema>

/** One event of the hash-chained governance log (see @w3ai/ledger verifyGovernanceLog). */
export const GovernanceEventSchema = Type.Object({
  seq: Type.Integer(),
  proposalId: Type.Union([ProposalIdSchema, Type.Null()]),
  kind: Type.Union(['genesis', 'proposed', 'voted', 'cancelled', 'defeated', 'queued', 'executed'].map((k) => Type.Literal(k))),
  data: Type.Record(Type.String(), Type.Unknown()),
  at: Time,
  prev: Type.String(),
  hash: Type.String(),
  hubKey: Type.String(),
  signature: Type.String(),
})
export type GovernanceEventWire = Static<typeof GovernanceEventSchema>

export const GovernanceLogQuerySchema = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'events after this seq' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 500 })),
  },
  strict,
)
export type GovernanceLogQuery = Static<typeof GovernanceLogQuerySchema>

export const GovernanceLogSchema = Type.Object({
  events: Type.Array(GovernanceEventSchema),
  /** The seq to continue after (pass as ?after=); null on the last page. */
  nextCursor: NextCursorSchema,
})
export type GovernanceLog = Static<typeof GovernanceLogSchema>
