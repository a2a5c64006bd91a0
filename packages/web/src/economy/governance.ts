/**
 * What the governance view draws for a proposal: its tally as shares of the voting supply at the
 * snapshot (for, against, abstain side by side on one bar), where quorum lies on that bar, and the
 * share of for among for + against against the threshold. Exact bigint maths; only the final
 * percentages are floats.
 */
import type { Proposal, ProposalStatusName } from '@w3ai/protocol'

export interface TallyBars {
  /** Percent of the bar (0..100) for each side, in order for, against, abstain. */
  forPct: number
  againstPct: number
  abstainPct: number
  /** Where quorum sits on the bar, percent. */
  quorumPct: number
  /** for / (for + against) in percent, null before any for or against vote. */
  approvalPct: number | null
  thresholdPct: number
}

/** Percent of `part` in `whole` to two decimals (0 when whole is 0). */
function pct(part: bigint, whole: bigint): number {
  return whole === 0n ? 0 : Number((part * 10_000n) / whole) / 100
}

export function tallyBars(p: Proposal): TallyBars {
  const f = BigInt(p.tally.for)
  const a = BigInt(p.tally.against)
  const x = BigInt(p.tally.abstain)
  const cast = f + a + x
  const quorum = BigInt(p.quorum)
  // The bar spans the voting supply; a supply the votes outgrow (it cannot, but a bar must not overflow) widens it.
  const supply = BigInt(p.supply)
  const scale = [supply, cast, quorum].reduce((m, v) => (v > m ? v : m), 1n)
  return {
    forPct: pct(f, scale),
    againstPct: pct(a, scale),
    abstainPct: pct(x, scale),
    quorumPct: pct(quorum, scale),
    approvalPct: f + a === 0n ? null : pct(f, f + a),
    thresholdPct: p.rules.thresholdBps / 100,
  }
}

/** Statuses in which votes are taken. */
export const votingOpen = (status: ProposalStatusName): boolean => status === 'active'

/** Statuses a proposal can still leave by the clock alone (so the view polls while one is shown). */
export const proposalMoving = (status: ProposalStatusName): boolean => status === 'pending' || status === 'active' || status === 'succeeded' || status === 'queued'
