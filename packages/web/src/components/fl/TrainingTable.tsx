/**
 * The account's federated trainings, newest first: one row each (the hub's summary) with its
 * status, progress in rounds and latest accuracy; a click (or Enter) opens the training. Paged
 * like the jobs list.
 */
import type { FlTrainingSummary } from '@w3ai/protocol'
import { shortId, timeAgo } from '../../format.js'
import { useNow } from '../../hooks/use-now.js'
import { describeSetup } from '../../fl/rounds.js'
import { percent } from '../../jobs/history.js'
import { LoadMore } from '../LoadMore.js'
import { clockTime } from '../jobs/format.js'
import { JobStatusBadge } from '../jobs/JobStatusBadge.js'

interface TrainingTableProps {
  trainings: FlTrainingSummary[] | null
  error: string | null
  selected: string | null
  onSelect: (id: string) => void
  onRefresh: () => void
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function TrainingTable({ trainings, error, selected, onSelect, onRefresh, hasMore, loadingMore, onMore }: TrainingTableProps) {
  const now = useNow(5000)
  const count = trainings?.length ?? 0
  return (
    <section className="card table-card" aria-labelledby="fl-trainings-title">
      <header className="card-head">
        <h2 id="fl-trainings-title">Federated trainings</h2>
        <span className="filters">
          {trainings === null ? '…' : `${count}${hasMore ? '+' : ''} training${count === 1 && !hasMore ? '' : 's'}`}
          <button type="button" className="button" data-testid="fl-refresh" onClick={onRefresh}>
            Refresh
          </button>
        </span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {trainings !== null && trainings.length === 0 ? (
        <p className="empty" data-testid="fl-empty">
          No federated trainings yet: start one with <code>w3ai fl run --config FILE.json</code> or the SDK's <code>FederatedClient</code>.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes jobs fl-trainings">
            <thead>
              <tr>
                <th>Training</th>
                <th>Setup</th>
                <th>Status</th>
                <th className="num">Rounds</th>
                <th className="num">Accuracy</th>
                <th className="num">Clients</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {(trainings ?? []).map((t) => {
                const accuracy = t.accuracy
                return (
                  <tr
                    key={t.id}
                    data-testid="fl-row"
                    data-training-id={t.id}
                    data-status={t.status}
                    data-round={t.round}
                    className={t.id === selected ? 'row-selected' : undefined}
                    aria-current={t.id === selected ? true : undefined}
                    tabIndex={0}
                    onClick={() => onSelect(t.id)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter' || e.key === ' ') {
                        e.preventDefault()
                        onSelect(t.id)
                      }
                    }}
                  >
                    <td>
                      {t.name !== null && <span className="job-executor">{t.name} </span>}
                      <code title={t.id}>{shortId(t.id)}</code>
                    </td>
                    <td className="muted">{describeSetup(t)}</td>
                    <td>
                      <JobStatusBadge status={t.status} />
                    </td>
                    <td className="num">
                      {t.round} / {t.roundsPlanned}
                    </td>
                    <td className="num">{accuracy === null ? <span className="muted">—</span> : percent(accuracy)}</td>
                    <td className="num">{t.clientCount}</td>
                    <td title={t.createdAt}>
                      {clockTime(t.createdAt)} <span className="sub">{timeAgo(t.createdAt, now)}</span>
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={count} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="trainings" testId="fl-more" />
    </section>
  )
}
