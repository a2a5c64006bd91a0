/**
 * The proposal state machine. Time moves a proposal from pending to active to a result; the
 * upkeep records each step (`nextStep`), reads derive the live status from the clock
 * (`liveStatus`), so a page never shows a vote open after it closed. Transitions are guarded.
 */
import type { ParameterValues } from '../parameters.js'
import { voteOutcome } from './tally.js'
import type { ProposalFacts, ProposalRules, ProposalSchedule, ProposalStatus, Tally } from './types.js'

/** The steps a recorded status may take. 'succeeded' is never recorded: a passed vote is queued at once. */
export const TRANSITIONS: Readonly<Record<ProposalStatus, readonly ProposalStatus[]>> = {
  pending: ['active', 'defeated', 'queued', 'cancelled'],
  active: ['defeated', 'queued'],
  succeeded: ['queued'],
  queued: ['executed', 'cancelled'],
  defeated: [],
  executed: [],
  cancelled: [],
}

export const TERMINAL: ReadonlySet<ProposalStatus> = new Set(['defeated', 'executed', 'cancelled'])

export function canTransition(from: ProposalStatus, to: ProposalStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** The rules a new proposal is judged by: the governance parameters as they are now. */
export function rulesOf(p: Pick<ParameterValues, keyof ProposalRules>): ProposalRules {
  return { quorumBps: p.quorumBps, thresholdBps: p.thresholdBps, votingDelayMs: p.votingDelayMs, votingPeriodMs: p.votingPeriodMs, timelockMs: p.timelockMs }
}

/** Voting opens after the delay, closes after the period; the changes are due a timelock later. */
export function scheduleProposal(createdAt: number, rules: ProposalRules): ProposalSchedule {
  const votingStartsAt = createdAt + rules.votingDelayMs
  const votingEndsAt = votingStartsAt + rules.votingPeriodMs
  return { votingStartsAt, votingEndsAt, eta: votingEndsAt + rules.timelockMs }
}

/** Whether a vote cast at `now` counts: the proposal is neither cancelled nor closed, and start ≤ now < end. */
export function votingOpen(p: Pick<ProposalFacts, 'status' | 'votingStartsAt' | 'votingEndsAt'>, now: number): boolean {
  return (p.status === 'pending' || p.status === 'active') && now >= p.votingStartsAt && now < p.votingEndsAt
}

/** The status at `now`: recorded terminal and queued states stand; before them the clock and the tally decide. */
export function liveStatus(p: ProposalFacts, tally: Tally, now: number): ProposalStatus {
  if (TERMINAL.has(p.status) || p.status === 'queued') return p.status
  if (now < p.votingStartsAt) return 'pending'
  if (now < p.votingEndsAt) return 'active'
  return voteOutcome(tally, p.supply, p.rules)
}

/**
 * What the upkeep records next at `now`, or null: a pending vote that opened becomes active; a
 * closed vote is defeated or queued; a queued proposal past its eta is executed.
 */
export function nextStep(p: ProposalFacts, tally: Tally, now: number): ProposalStatus | null {
  if (p.status === 'queued') return now >= p.eta ? 'executed' : null
  if (p.status !== 'pending' && p.status !== 'active') return null
  if (now >= p.votingEndsAt) return voteOutcome(tally, p.supply, p.rules) === 'succeeded' ? 'queued' : 'defeated'
  if (p.status === 'pending' && now >= p.votingStartsAt) return 'active'
  return null
}
