/** Wire objects for the wallet and governance tab tests. */
import type { Proposal } from '@w3ai/protocol'

/** An active proposal with no votes yet; `patch` overrides any field. */
export function proposal(patch: Partial<Proposal> = {}): Proposal {
  return {
    id: 'gp_0123456789abcdef01234567',
    proposer: 'a_0123456789abcdef0123',
    description: 'burn more',
    changes: [{ name: 'burnShareBps', value: '2500' }],
    snapshotSeq: 12,
    supply: '1000000000000000000000',
    quorum: '100000000000000000000',
    rules: { quorumBps: 1000, thresholdBps: 5000, votingDelayMs: 1000, votingPeriodMs: 60_000, timelockMs: 1000 },
    status: 'active',
    votingStartsAt: '2026-01-01T00:00:01.000Z',
    votingEndsAt: '2026-01-01T00:01:01.000Z',
    eta: '2026-01-01T00:01:02.000Z',
    tally: { for: '0', against: '0', abstain: '0', voters: 0 },
    quorumReached: false,
    thresholdReached: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    queuedAt: null,
    executedAt: null,
    closedAt: null,
    reason: null,
    ...patch,
  }
}
