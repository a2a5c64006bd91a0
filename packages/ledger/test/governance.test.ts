import { describe, expect, it } from 'vitest'
import {
  addVote,
  canTransition,
  emptyTally,
  liveStatus,
  nextStep,
  quorumReached,
  quorumVotes,
  rulesOf,
  scheduleProposal,
  thresholdReached,
  voteOutcome,
  votingOpen,
  type ProposalFacts,
} from '../src/governance/index.js'
import { defaultParameters } from '../src/parameters.js'

const T = 10n ** 18n
const rules = { quorumBps: 400, thresholdBps: 5000, votingDelayMs: 1000, votingPeriodMs: 5000, timelockMs: 2000 }

function proposal(over: Partial<ProposalFacts> = {}): ProposalFacts {
  return { ...scheduleProposal(10_000, rules), status: 'pending', rules, supply: 1000n * T, changes: [], ...over }
}

describe('governance tally', () => {
  it('needs votes of quorumBps of the supply, rounding up, abstentions included', () => {
    expect(quorumVotes(1000n * T, 400)).toBe(40n * T)
    expect(quorumVotes(3n, 5000)).toBe(2n)
    expect(quorumVotes(0n, 400)).toBe(1n)
    const t = addVote(addVote(emptyTally(), 'abstain', 30n * T), 'for', 10n * T - 1n)
    expect(quorumReached(t, 1000n * T, 400)).toBe(false)
    expect(quorumReached(addVote(t, 'against', 1n), 1000n * T, 400)).toBe(true)
  })

  it('passes when for / (for + against) is above the threshold, abstentions left out', () => {
    const half = addVote(addVote(emptyTally(), 'for', 5n), 'against', 5n)
    expect(thresholdReached(half, 5000)).toBe(false)
    expect(thresholdReached(addVote(half, 'for', 1n), 5000)).toBe(true)
    expect(thresholdReached(addVote(emptyTally(), 'abstain', 100n), 5000)).toBe(false)
    expect(thresholdReached(addVote(addVote(emptyTally(), 'for', 2n), 'against', 1n), 6666)).toBe(true)
    expect(thresholdReached(addVote(addVote(emptyTally(), 'for', 2n), 'against', 1n), 6667)).toBe(false)
  })

  it('counts weights exactly beyond the range of floats', () => {
    const big = 2n ** 120n
    const t = addVote(addVote(emptyTally(), 'for', big + 1n), 'against', big)
    expect(thresholdReached(t, 5000)).toBe(true)
    expect(voteOutcome(t, big * 50n, rules)).toBe('succeeded')
    expect(voteOutcome(t, big * 51n, rules)).toBe('defeated')
    expect(t.voters).toBe(2)
  })
})

describe('proposal state machine', () => {
  it('schedules the vote after the delay for the period, and the changes a timelock after it closes', () => {
    expect(scheduleProposal(10_000, rules)).toEqual({ votingStartsAt: 11_000, votingEndsAt: 16_000, eta: 18_000 })
    expect(rulesOf(defaultParameters())).toEqual({ quorumBps: 400, thresholdBps: 5000, votingDelayMs: 1000, votingPeriodMs: 30_000, timelockMs: 10_000 })
  })

  it('opens the vote from votingStartsAt until just before votingEndsAt, never once cancelled or decided', () => {
    const p = proposal()
    expect(votingOpen(p, 10_999)).toBe(false)
    expect(votingOpen(p, 11_000)).toBe(true)
    expect(votingOpen({ ...p, status: 'active' }, 15_999)).toBe(true)
    expect(votingOpen(p, 16_000)).toBe(false)
    expect(votingOpen({ ...p, status: 'cancelled' }, 12_000)).toBe(false)
    expect(votingOpen({ ...p, status: 'defeated' }, 12_000)).toBe(false)
  })

  it('derives the live status from the clock and the tally', () => {
    const p = proposal()
    const passing = addVote(emptyTally(), 'for', 100n * T)
    expect(liveStatus(p, passing, 10_500)).toBe('pending')
    expect(liveStatus(p, passing, 11_000)).toBe('active')
    expect(liveStatus(p, passing, 16_000)).toBe('succeeded')
    expect(liveStatus(p, addVote(emptyTally(), 'for', 39n * T), 16_000)).toBe('defeated')
    expect(liveStatus({ ...p, status: 'queued' }, passing, 99_000)).toBe('queued')
    expect(liveStatus({ ...p, status: 'cancelled' }, passing, 12_000)).toBe('cancelled')
  })

  it('steps pending → active → queued → executed, only when each moment has come', () => {
    const passing = addVote(emptyTally(), 'for', 100n * T)
    const p = proposal()
    expect(nextStep(p, passing, 10_999)).toBeNull()
    expect(nextStep(p, passing, 11_000)).toBe('active')
    expect(nextStep({ ...p, status: 'active' }, passing, 15_999)).toBeNull()
    expect(nextStep({ ...p, status: 'active' }, passing, 16_000)).toBe('queued')
    // An upkeep that missed the whole vote still decides it.
    expect(nextStep(p, passing, 17_000)).toBe('queued')
    expect(nextStep({ ...p, status: 'queued' }, passing, 17_999)).toBeNull()
    expect(nextStep({ ...p, status: 'queued' }, passing, 18_000)).toBe('executed')
    expect(nextStep({ ...p, status: 'active' }, emptyTally(), 16_000)).toBe('defeated')
    for (const done of ['executed', 'defeated', 'cancelled'] as const) expect(nextStep({ ...p, status: done }, passing, 99_000)).toBeNull()
  })

  it('guards transitions: nothing leaves a terminal state, execution only from the queue', () => {
    expect(canTransition('pending', 'cancelled')).toBe(true)
    expect(canTransition('active', 'cancelled')).toBe(false)
    expect(canTransition('active', 'executed')).toBe(false)
    expect(canTransition('queued', 'executed')).toBe(true)
    expect(canTransition('executed', 'queued')).toBe(false)
    expect(canTransition('defeated', 'queued')).toBe(false)
  })
})
