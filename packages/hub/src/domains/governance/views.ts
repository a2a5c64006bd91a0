/** Proposal records as the API shows them: times as ISO strings, amounts as decimal strings, the live status and tally. */
import { liveStatus, quorumReached, quorumVotes, thresholdReached, type Tally } from '@w3ai/ledger'
import type { Proposal, TallyView, Vote } from '@w3ai/protocol'
import type { ProposalRecord, VoteRecord } from './store.js'

const iso = (t: number): string => new Date(t).toISOString()
const isoOrNull = (t: number | null): string | null => (t === null ? null : iso(t))

export function tallyView(t: Tally): TallyView {
  return { for: t.for.toString(), against: t.against.toString(), abstain: t.abstain.toString(), voters: t.voters }
}

/** The proposal at `now`: until the upkeep records the outcome, the clock and the tally give the status. */
export function proposalView(p: ProposalRecord, tally: Tally, now: number): Proposal {
  return {
    id: p.id,
    proposer: p.proposer,
    description: p.description,
    changes: p.changes,
    snapshotSeq: p.snapshotSeq,
    supply: p.supply.toString(),
    quorum: quorumVotes(p.supply, p.rules.quorumBps).toString(),
    rules: p.rules,
    status: liveStatus({ ...p, changes: [] }, tally, now),
    votingStartsAt: iso(p.votingStartsAt),
    votingEndsAt: iso(p.votingEndsAt),
    eta: iso(p.eta),
    tally: tallyView(tally),
    quorumReached: quorumReached(tally, p.supply, p.rules.quorumBps),
    thresholdReached: thresholdReached(tally, p.rules.thresholdBps),
    createdAt: iso(p.createdAt),
    queuedAt: isoOrNull(p.queuedAt),
    executedAt: isoOrNull(p.executedAt),
    closedAt: isoOrNull(p.closedAt),
    reason: p.reason,
  }
}

export function voteView(v: VoteRecord): Vote {
  return { proposalId: v.proposalId, voter: v.voter, support: v.support, weight: v.weight.toString(), at: iso(v.at) }
}
