/**
 * Governance of the network parameters, pure: the proposal state machine, tally and quorum maths
 * in bigint, and the hash-chained governance log with its verifier. The hub's governance domain
 * stores proposals and votes and drives the machine with its clock.
 *
 * ```ts
 * const rules = rulesOf(parameters)
 * const schedule = scheduleProposal(Date.now(), rules)
 * const status = liveStatus({ ...schedule, status: 'pending', rules, supply, changes }, tally, Date.now())
 * ```
 */
export type * from './types.js'
export { PROPOSAL_STATUSES, VOTE_SUPPORTS } from './types.js'
export { addVote, emptyTally, quorumReached, quorumVotes, thresholdReached, voteOutcome, votesCast } from './tally.js'
export { canTransition, liveStatus, nextStep, rulesOf, scheduleProposal, TERMINAL, TRANSITIONS, votingOpen } from './state.js'
export {
  chainGovernanceEvent,
  EMPTY_GOVERNANCE_HEAD,
  GOVERNANCE_EVENT_KINDS,
  governanceEventHash,
  verifyGovernanceLog,
  type EventData,
  type GovernanceEvent,
  type GovernanceEventBody,
  type GovernanceEventKind,
  type GovernanceHead,
  type GovernanceLogProblem,
  type GovernanceLogReport,
} from './log.js'
