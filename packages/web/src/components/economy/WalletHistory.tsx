/**
 * The wallet's journal entries, newest first, paged ("Load more"): what came in (+) and went out
 * (−), from or to whom, the kind (faucet, transfer, settle, reward, …) and the step of a two-phase
 * transfer (reserved, posted, released, expired).
 */
import type { JournalEntryWire } from '@w3ai/protocol'
import { timeAgo } from '../../format.js'
import { useNow } from '../../hooks/use-now.js'
import { formatTokens } from '../../economy/tokens.js'
import { LoadMore } from '../LoadMore.js'
import { clockTime } from '../jobs/format.js'

const ACTIONS: Record<JournalEntryWire['action'], string> = { transfer: '', pending: 'reserved', post: 'posted', void: 'released', expire: 'expired' }

interface WalletHistoryProps {
  /** The wallet's ledger account (user:<account id>). */
  account: string
  entries: JournalEntryWire[] | null
  error: string | null
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function WalletHistory({ account, entries, error, hasMore, loadingMore, onMore }: WalletHistoryProps) {
  const now = useNow(5000)
  return (
    <section className="card table-card" aria-labelledby="wallet-history-title">
      <header className="card-head">
        <h2 id="wallet-history-title">History</h2>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {entries !== null && entries.length === 0 ? (
        <p className="empty" data-testid="wallet-history-empty">
          Nothing yet: tokens you receive or send show here.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes wallet-history">
            <thead>
              <tr>
                <th className="num">Entry</th>
                <th>When</th>
                <th>Kind</th>
                <th className="num">Tokens</th>
                <th>From / to</th>
                <th>Transfer</th>
              </tr>
            </thead>
            <tbody>
              {(entries ?? []).map((e) => {
                const incoming = e.credit === account
                return (
                  <tr key={e.seq} data-testid="wallet-entry" data-seq={e.seq} data-direction={incoming ? 'in' : 'out'} data-units={e.amount} data-action={e.action}>
                    <td className="num">{e.seq}</td>
                    <td title={e.at}>
                      {clockTime(e.at)} <span className="sub">{timeAgo(e.at, now)}</span>
                    </td>
                    <td>
                      {e.kind}
                      {ACTIONS[e.action] !== '' && <span className="sub"> · {ACTIONS[e.action]}</span>}
                    </td>
                    <td className={incoming ? 'num ok' : 'num'}>
                      {incoming ? '+' : '−'}
                      {formatTokens(e.amount)}
                    </td>
                    <td>
                      <span className="sub">{incoming ? 'from ' : 'to '}</span>
                      <code>{incoming ? e.debit : e.credit}</code>
                    </td>
                    <td>
                      <code className="sub" title={e.memo ?? undefined}>
                        {e.transferId}
                      </code>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={entries?.length ?? 0} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="entries" testId="wallet-history-more" />
    </section>
  )
}
