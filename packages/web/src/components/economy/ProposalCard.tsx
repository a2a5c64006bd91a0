/**
 * One governance proposal: what it changes, its status and schedule, the live tally as one bar over
 * the voting supply at its snapshot (for, against, abstain; the quorum line on it), approval against
 * the threshold, and vote buttons while voting is open and an identity is loaded.
 */
import { useState } from 'react'
import type { Proposal, VoteAnswer, VoteSupportName } from '@w3ai/protocol'
import { tallyBars, votingOpen } from '../../economy/governance.js'
import { formatTokens, formatTokensShort } from '../../economy/tokens.js'
import { clockTime } from '../jobs/format.js'

interface ProposalCardProps {
  proposal: Proposal
  /** Signs and sends a vote; null without an identity. */
  onVote: ((id: string, support: VoteSupportName) => Promise<VoteAnswer>) | null
}

const SUPPORTS: readonly VoteSupportName[] = ['for', 'against', 'abstain']
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function ProposalCard({ proposal: p, onVote }: ProposalCardProps) {
  const bars = tallyBars(p)
  const [voting, setVoting] = useState<VoteSupportName | null>(null)
  const [voted, setVoted] = useState<{ support: VoteSupportName; weight: string } | null>(null)
  const [error, setError] = useState<string | null>(null)

  const vote = async (support: VoteSupportName): Promise<void> => {
    if (onVote === null) return
    setVoting(support)
    setError(null)
    try {
      const answer = await onVote(p.id, support)
      setVoted({ support: answer.vote.support, weight: answer.vote.weight })
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setVoting(null)
    }
  }

  return (
    <article className="card proposal" data-testid="proposal" data-proposal-id={p.id} data-status={p.status} data-for={p.tally.for} data-against={p.tally.against} data-abstain={p.tally.abstain}>
      <header className="card-head">
        <h3>
          <code>{p.id}</code> <span className="card-sub">{p.description || 'no description'}</span>
        </h3>
        <span className={`badge proposal-${p.status}`} data-testid="proposal-status">
          {p.status}
        </span>
      </header>
      <div className="card-body">
        <ul className="plain proposal-changes">
          {p.changes.map((c) => (
            <li key={c.name}>
              set <code>{c.name}</code> to <code>{c.value}</code>
            </li>
          ))}
        </ul>
        <div className="tally" role="img" aria-label={`for ${bars.forPct}%, against ${bars.againstPct}%, abstain ${bars.abstainPct}% of the voting supply; quorum at ${bars.quorumPct}%`} data-testid="proposal-tally">
          <span className="tally-for" style={{ width: `${bars.forPct}%` }} data-testid="tally-for" data-pct={bars.forPct} />
          <span className="tally-against" style={{ width: `${bars.againstPct}%` }} data-testid="tally-against" data-pct={bars.againstPct} />
          <span className="tally-abstain" style={{ width: `${bars.abstainPct}%` }} data-testid="tally-abstain" data-pct={bars.abstainPct} />
          <span className="tally-quorum" style={{ left: `${bars.quorumPct}%` }} title={`quorum: ${formatTokens(p.quorum)} tokens`} data-testid="tally-quorum" data-pct={bars.quorumPct} />
        </div>
        <ul className="legend tally-legend">
          <li>
            <span className="swatch tally-for" /> for {formatTokensShort(p.tally.for)}
          </li>
          <li>
            <span className="swatch tally-against" /> against {formatTokensShort(p.tally.against)}
          </li>
          <li>
            <span className="swatch tally-abstain" /> abstain {formatTokensShort(p.tally.abstain)}
          </li>
          <li className={p.quorumReached ? 'ok' : ''} data-testid="proposal-quorum">
            quorum {formatTokensShort(p.quorum)} {p.quorumReached ? 'reached' : 'not reached'}
          </li>
          <li className={p.thresholdReached ? 'ok' : ''}>
            approval {bars.approvalPct === null ? '—' : `${bars.approvalPct}%`} of {bars.thresholdPct}% needed
          </li>
          <li>
            {p.tally.voters} voter{p.tally.voters === 1 ? '' : 's'} of {formatTokensShort(p.supply)} tokens at entry {p.snapshotSeq}
          </li>
        </ul>
        <p className="note">
          voting {clockTime(p.votingStartsAt)} – {clockTime(p.votingEndsAt)}, effective from {clockTime(p.eta)} if passed
          {p.reason !== null && ` · ${p.reason}`}
        </p>
        {onVote !== null && votingOpen(p.status) && voted === null && (
          <div className="vote-buttons">
            {SUPPORTS.map((s) => (
              <button key={s} type="button" className="button" data-testid={`vote-${s}`} disabled={voting !== null} onClick={() => void vote(s)}>
                {voting === s ? 'Voting…' : `Vote ${s}`}
              </button>
            ))}
          </div>
        )}
        {voted !== null && (
          <p className="note" data-testid="proposal-voted">
            You voted {voted.support} with {formatTokens(voted.weight)} tokens.
          </p>
        )}
        {error !== null && (
          <p className="error" data-testid="proposal-vote-error">
            {error}
          </p>
        )}
      </div>
    </article>
  )
}
