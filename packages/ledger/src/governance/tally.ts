/**
 * Tally maths in bigint, never floats: quorum is a share of the voting supply at the snapshot
 * (for, against and abstain all count), the threshold a share of the votes for and against.
 */
import type { ProposalRules, Tally, VoteSupport } from './types.js'

const BPS = 10_000n

export function emptyTally(): Tally {
  return { for: 0n, against: 0n, abstain: 0n, voters: 0 }
}

/** The tally with one more vote. */
export function addVote(t: Tally, support: VoteSupport, weight: bigint): Tally {
  return { ...t, [support]: t[support] + weight, voters: t.voters + 1 }
}

/** Every weight cast: for + against + abstain. */
export function votesCast(t: Tally): bigint {
  return t.for + t.against + t.abstain
}

/** The votes quorum needs: ⌈supply × quorumBps / 10000⌉, and at least one unit. */
export function quorumVotes(supply: bigint, quorumBps: number): bigint {
  const needed = (supply * BigInt(quorumBps) + BPS - 1n) / BPS
  return needed > 0n ? needed : 1n
}

/** Whether the votes cast reach quorumBps of the supply at the snapshot. */
export function quorumReached(t: Tally, supply: bigint, quorumBps: number): boolean {
  return votesCast(t) >= quorumVotes(supply, quorumBps)
}

/** Whether for / (for + against) is above thresholdBps; false when nobody voted for or against. */
export function thresholdReached(t: Tally, thresholdBps: number): boolean {
  const decided = t.for + t.against
  return decided > 0n && t.for * BPS > decided * BigInt(thresholdBps)
}

/** The result of a closed vote. */
export function voteOutcome(t: Tally, supply: bigint, rules: Pick<ProposalRules, 'quorumBps' | 'thresholdBps'>): 'succeeded' | 'defeated' {
  return quorumReached(t, supply, rules.quorumBps) && thresholdReached(t, rules.thresholdBps) ? 'succeeded' : 'defeated'
}
