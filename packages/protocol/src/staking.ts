/**
 * Staking contracts (/v1/staking). A node stakes from its own earnings account (`node:<nodeId>`)
 * into `stake:<nodeId>`, signing with its node identity: the node's key is its operator's
 * credential, so no other link between operator and node is needed. Unstaked tokens wait in an
 * unbonding entry (`stake:<nodeId>:<entryId>`, still slashable) for the governed unbonding period,
 * then return to `node:<nodeId>`. Amounts are decimal strings of units (1 token = 10^18 units).
 */
import { Type, type Static } from '@sinclair/typebox'
import { NodeIdSchema } from './schemas.js'

const strict = { additionalProperties: false }
const Units = Type.String({ pattern: '^[0-9]{1,39}$', description: 'units as a decimal string (1 token = 10^18 units)' })
const Time = Type.String({ description: 'ISO 8601' })

/** A client-chosen request id: a retry with the same id (and amount) answers the first outcome. */
export const StakeRequestIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,32}$', description: 'client-chosen; a retry with the same id answers the first outcome' })
export const UnbondingIdSchema = Type.String({ pattern: '^ub_[0-9a-f]{20}$' })

/** POST /v1/staking/stake and /v1/staking/unstake, signed by the node (nodeId, when given, must be the signer's). */
export const StakeRequestSchema = Type.Object(
  {
    nodeId: Type.Optional(NodeIdSchema),
    /** Units as a decimal string; parsed by the hub, so zero, negative or too large answers LEDGER_BAD_AMOUNT / LEDGER_AMOUNT_OVERFLOW. */
    amount: Type.String({ maxLength: 100, description: 'units (1 token = 10^18 units) as a decimal string' }),
    id: Type.Optional(StakeRequestIdSchema),
  },
  strict,
)
export type StakeRequest = Static<typeof StakeRequestSchema>

/** Tokens on their way back to the node: released to node:<nodeId> at releaseAt, slashable until then. */
export const UnbondingSchema = Type.Object({
  id: UnbondingIdSchema,
  /** What was unstaked. */
  amount: Units,
  /** What is left of it after slashes (what will be paid out). */
  balance: Units,
  createdAt: Time,
  releaseAt: Time,
})
export type Unbonding = Static<typeof UnbondingSchema>

/** GET /v1/staking/:nodeId (public): a node's stake and where it stands against the minimum. */
export const NodeStakeSchema = Type.Object({
  nodeId: NodeIdSchema,
  /** Bonded stake: what routing and slashing count. */
  staked: Units,
  /** Entries still unbonding (slashable, not counted for routing). */
  unbonding: Type.Array(UnbondingSchema),
  /** The governed minimum a node needs to receive work above the free limit. */
  minimumStake: Units,
  /** staked ≥ minimumStake. */
  eligible: Type.Boolean(),
  /** Everything slashed from this node so far (bonded and unbonding). */
  slashed: Units,
})
export type NodeStake = Static<typeof NodeStakeSchema>

/** The answer to a stake or unstake: the transfer that moved the tokens and the node's stake after it. */
export const StakeReceiptSchema = Type.Object({
  transferId: Type.String(),
  amount: Units,
  /** The unbonding entry an unstake opened. */
  unbonding: Type.Optional(UnbondingSchema),
  stake: NodeStakeSchema,
})
export type StakeReceipt = Static<typeof StakeReceiptSchema>
