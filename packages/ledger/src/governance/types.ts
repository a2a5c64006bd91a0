/**
 * Governance data: proposals to change network parameters, votes weighted by balance plus stake
 * at the proposal's snapshot, and the rules a proposal is judged by (taken from the parameters
 * when it is made, so a later change of the rules does not move a vote already under way).
 */
import type { ParameterChange } from '../parameters.js'

/**
 * pending: voting not open yet; active: voting open; defeated: no quorum or threshold; succeeded:
 * passed (a moment: it is queued at once); queued: waiting out the timelock; executed: applied;
 * cancelled: withdrawn by its proposer, or its changes broke a rule when they were due.
 */
export type ProposalStatus = 'pending' | 'active' | 'defeated' | 'succeeded' | 'queued' | 'executed' | 'cancelled'
export const PROPOSAL_STATUSES: readonly ProposalStatus[] = ['pending', 'active', 'defeated', 'succeeded', 'queued', 'executed', 'cancelled']

export type VoteSupport = 'for' | 'against' | 'abstain'
export const VOTE_SUPPORTS: readonly VoteSupport[] = ['for', 'against', 'abstain']

/** The rules a proposal is judged by, fixed when it is made. */
export interface ProposalRules {
  quorumBps: number
  thresholdBps: number
  votingDelayMs: number
  votingPeriodMs: number
  timelockMs: number
}

/** When voting opens and closes and when the changes are due (ms since the epoch). */
export interface ProposalSchedule {
  votingStartsAt: number
  votingEndsAt: number
  /** votingEndsAt + timelock: the earliest moment a passed proposal is executed. */
  eta: number
}

/** Votes cast so far (weights in units). */
export interface Tally {
  for: bigint
  against: bigint
  abstain: bigint
  voters: number
}

/** What the state machine needs to know of a proposal. */
export interface ProposalFacts extends ProposalSchedule {
  /** The status as last recorded (the upkeep records transitions; reads derive the live one). */
  status: ProposalStatus
  rules: ProposalRules
  /** The voting supply at the snapshot: balances plus stake of every user and stake account (units). */
  supply: bigint
  changes: readonly ParameterChange[]
}
