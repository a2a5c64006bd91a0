/**
 * The governance tab: proposals to change the network parameters, newest first and paged, each with
 * its live tally and quorum line; vote buttons once an identity is loaded. `governance.updated` and
 * `params.updated` events refetch the list, so tallies move as votes land; proposals also move on by
 * the clock (voting opens and closes), so the tab polls while one can, and quicker when the stream is down.
 */
import { useEffect, useMemo, useRef } from 'react'
import type { Proposal } from '@w3ai/protocol'
import { proposalPages, WalletApi } from '../../economy/api.js'
import { proposalMoving } from '../../economy/governance.js'
import { useIdentity } from '../../hooks/use-identity.js'
import { usePagedList } from '../../hooks/use-paged-list.js'
import { useRefresh } from '../../hooks/use-refresh.js'
import { LoadMore } from '../LoadMore.js'
import { IdentityCard } from '../storage/IdentityCard.js'
import { ProposalCard } from './ProposalCard.js'
import './economy.css'

const EVENT_DEBOUNCE_MS = 150
const MOVING_POLL_MS = 5000
const IDLE_POLL_MS = 30_000
const OFFLINE_POLL_MS = 3000

const proposalKey = (p: Proposal): string => p.id

interface GovernancePageProps {
  /** Counts governance.updated and params.updated events from the stream. */
  governanceVersion: number
  streamLive: boolean
}

export default function GovernancePage({ governanceVersion, streamLive }: GovernancePageProps) {
  const { identity, api } = useIdentity()
  const walletApi = useMemo(() => (api === null ? null : new WalletApi(api)), [api])
  const [version, request] = useRefresh()
  const proposals = usePagedList(proposalPages, proposalKey, version)

  const seen = useRef(governanceVersion)
  useEffect(() => {
    if (governanceVersion !== seen.current) request(EVENT_DEBOUNCE_MS)
    seen.current = governanceVersion
  }, [governanceVersion, request])

  const moving = proposals.items?.some((p) => proposalMoving(p.status)) ?? false
  useEffect(() => {
    const ms = !streamLive ? OFFLINE_POLL_MS : moving ? MOVING_POLL_MS : IDLE_POLL_MS
    const timer = setInterval(() => request(0), ms)
    return () => clearInterval(timer)
  }, [streamLive, moving, request])

  const onVote = walletApi === null ? null : (id: string, support: Parameters<WalletApi['vote']>[1]) => walletApi.vote(id, support).finally(() => request(0))
  const count = proposals.items?.length ?? 0

  return (
    <div className="storage economy-page governance-page" data-testid="governance-tab">
      <IdentityCard purpose="to vote with your tokens" compact={identity !== null} />
      <section className="card" aria-labelledby="proposals-title">
        <header className="card-head">
          <h2 id="proposals-title">Proposals</h2>
          <span className="filters">
            {proposals.items === null ? '…' : `${count}${proposals.nextCursor !== null ? '+' : ''} proposal${count === 1 ? '' : 's'}`}
            <button type="button" className="button" data-testid="proposals-refresh" onClick={() => request(0)}>
              Refresh
            </button>
          </span>
        </header>
        {proposals.error !== null && <p className="error">{proposals.error}</p>}
        {proposals.items !== null && proposals.items.length === 0 && (
          <p className="empty" data-testid="proposals-empty">
            No proposals yet: propose a parameter change with <code>w3ai gov propose --set name=value</code>.
          </p>
        )}
        <div className="proposals">
          {(proposals.items ?? []).map((p) => (
            <ProposalCard key={p.id} proposal={p} onVote={onVote} />
          ))}
        </div>
        <LoadMore loaded={count} hasMore={proposals.nextCursor !== null} loading={proposals.loading === 'more'} onMore={proposals.more} noun="proposals" testId="proposals-more" />
      </section>
    </div>
  )
}
