/**
 * Human views of `w3ai gov` and `w3ai params`: values in their unit (basis points also as a
 * percentage, amounts in tokens, periods in seconds), weights in tokens; --json prints the hub's
 * wire objects instead (values and weights as decimal strings).
 */
import { formatTokens } from '@w3ai/ledger'
import type { NetworkParameter, ParameterKindName, Proposal, VoteAnswer } from '@w3ai/protocol'

const tokens = (units: string): string => formatTokens(BigInt(units))

/** A parameter value for people: "2500 bps (25%)", "100 tokens", "30 s", "4". */
export function humanValue(kind: ParameterKindName, value: string): string {
  if (kind === 'share') return `${value} bps (${Number(value) / 100}%)`
  if (kind === 'units') return `${tokens(value)} tokens`
  if (kind === 'ms') return Number(value) % 1000 === 0 ? `${Number(value) / 1000} s` : `${value} ms`
  return value
}

export const PARAMETER_COLUMNS = ['NAME', 'VALUE', 'DEFAULT', 'BOUNDS', 'SET BY']

export function parameterRow(p: NetworkParameter): string[] {
  return [p.name, humanValue(p.kind, p.value), humanValue(p.kind, p.default), `${humanValue(p.kind, p.min)} .. ${humanValue(p.kind, p.max)}`, p.proposalId ?? 'genesis']
}

const changesOf = (p: Proposal): string => p.changes.map((c) => `${c.name}=${c.value}`).join(', ')

/** The moment that matters next: voting opens, closes, the changes are due, or when it closed. */
function nextMoment(p: Proposal): string {
  if (p.status === 'pending') return `voting opens ${p.votingStartsAt}`
  if (p.status === 'active') return `voting closes ${p.votingEndsAt}`
  if (p.status === 'succeeded' || p.status === 'queued') return `executes at ${p.eta}`
  return `closed ${p.closedAt ?? p.votingEndsAt}`
}

export function describeProposal(p: Proposal): string {
  const t = p.tally
  return [
    `proposal   ${p.id}`,
    `status     ${p.status}${p.reason === null ? '' : ` (${p.reason})`}`,
    `proposer   ${p.proposer}`,
    `changes    ${changesOf(p)}`,
    ...(p.description === '' ? [] : [`about      ${p.description}`]),
    `snapshot   journal seq ${p.snapshotSeq}, voting supply ${tokens(p.supply)} tokens`,
    `voting     ${p.votingStartsAt} → ${p.votingEndsAt}`,
    `eta        ${p.eta} (after the ${p.rules.timelockMs / 1000} s timelock)`,
    `tally      for ${tokens(t.for)}, against ${tokens(t.against)}, abstain ${tokens(t.abstain)} (${t.voters} voter${t.voters === 1 ? '' : 's'})`,
    `quorum     ${tokens(p.quorum)} tokens (${p.rules.quorumBps} bps of the supply): ${p.quorumReached ? 'reached' : 'not reached'}`,
    `threshold  more than ${p.rules.thresholdBps} bps of for + against: ${p.thresholdReached ? 'reached' : 'not reached'}`,
    ...(p.executedAt === null ? [] : [`executed   ${p.executedAt}`]),
  ].join('\n')
}

export const PROPOSAL_COLUMNS = ['ID', 'STATUS', 'CHANGES', 'FOR', 'AGAINST', 'ABSTAIN', 'NEXT']

export function proposalRow(p: Proposal): string[] {
  return [p.id, p.status, changesOf(p), tokens(p.tally.for), tokens(p.tally.against), tokens(p.tally.abstain), nextMoment(p)]
}

export function describeVote(a: VoteAnswer): string {
  return `voted ${a.vote.support} on ${a.vote.proposalId} with ${tokens(a.vote.weight)} tokens (your balance at journal seq ${a.proposal.snapshotSeq})\n${describeProposal(a.proposal)}`
}
