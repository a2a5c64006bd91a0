/**
 * The account's jobs, newest first: one row each with its status; a click opens the job. The hub
 * pages the list: the first page shows, and "Load more" under the table reads the next.
 */
import type { Job } from '@w3ai/protocol'
import { shortId, timeAgo } from '../../format.js'
import { LoadMore } from '../LoadMore.js'
import { useNow } from '../../hooks/use-now.js'
import { between, clockTime } from './format.js'
import { JobStatusBadge } from './JobStatusBadge.js'

interface JobTableProps {
  jobs: Job[] | null
  error: string | null
  selected: string | null
  onSelect: (id: string) => void
  onRefresh: () => void
  /** The hub has more jobs after the loaded ones. */
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function JobTable({ jobs, error, selected, onSelect, onRefresh, hasMore, loadingMore, onMore }: JobTableProps) {
  const now = useNow(1000)
  return (
    <section className="card table-card">
      <header className="card-head">
        <h2>Jobs</h2>
        <span className="filters">
          {jobs === null ? '…' : `${jobs.length}${hasMore ? '+' : ''} job${jobs.length === 1 && !hasMore ? '' : 's'}`}
          <button type="button" className="button" data-testid="jobs-refresh" onClick={onRefresh}>
            Refresh
          </button>
        </span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {jobs !== null && jobs.length === 0 ? (
        <p className="empty">
          No jobs yet: run one with the form above, <code>w3ai job run</code> or the SDK's <code>JobsClient</code>.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Executor</th>
                <th>Status</th>
                <th className="num">Replicas</th>
                <th>Created</th>
                <th>Finished</th>
              </tr>
            </thead>
            <tbody>
              {(jobs ?? []).map((j) => (
                <tr key={j.id} data-testid="job-row" data-job-id={j.id} data-status={j.status} className={j.id === selected ? 'row-selected' : undefined} onClick={() => onSelect(j.id)}>
                  <td>
                    <code title={j.id}>{shortId(j.id)}</code>
                  </td>
                  <td className="job-executor">{j.executor}</td>
                  <td>
                    <JobStatusBadge status={j.status} />
                  </td>
                  <td className="num">{j.replicas}</td>
                  <td title={j.createdAt}>
                    {clockTime(j.createdAt)} <span className="sub">{timeAgo(j.createdAt, now)}</span>
                  </td>
                  <td title={j.finishedAt ?? undefined}>
                    {j.finishedAt === null ? (
                      <span className="muted">running for {between(j.createdAt, null, now)}</span>
                    ) : (
                      <>
                        {clockTime(j.finishedAt)} <span className="sub">after {between(j.createdAt, j.finishedAt, now)}</span>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={jobs?.length ?? 0} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="jobs" testId="jobs-more" />
    </section>
  )
}
