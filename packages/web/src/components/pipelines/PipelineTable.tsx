/**
 * The account's pipelines, newest first: one row each (the hub's summary) with its privacy level,
 * status, size and how many segments are done; a click (or Enter) opens the pipeline. Paged like the jobs list.
 */
import type { PipelineSummary } from '@w3ai/protocol'
import { shortId, timeAgo } from '../../format.js'
import { useNow } from '../../hooks/use-now.js'
import { privacyNote } from '../../pipelines/stages.js'
import { LoadMore } from '../LoadMore.js'
import { shortCid } from '../storage/format-bytes.js'
import { clockTime } from '../jobs/format.js'
import { JobStatusBadge } from '../jobs/JobStatusBadge.js'

interface PipelineTableProps {
  pipelines: PipelineSummary[] | null
  error: string | null
  selected: string | null
  onSelect: (id: string) => void
  onRefresh: () => void
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function PipelineTable({ pipelines, error, selected, onSelect, onRefresh, hasMore, loadingMore, onMore }: PipelineTableProps) {
  const now = useNow(5000)
  const count = pipelines?.length ?? 0
  return (
    <section className="card table-card" aria-labelledby="pipelines-title">
      <header className="card-head">
        <h2 id="pipelines-title">Pipelines</h2>
        <span className="filters">
          {pipelines === null ? '…' : `${count}${hasMore ? '+' : ''} pipeline${count === 1 && !hasMore ? '' : 's'}`}
          <button type="button" className="button" data-testid="pipelines-refresh" onClick={onRefresh}>
            Refresh
          </button>
        </span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {pipelines !== null && pipelines.length === 0 ? (
        <p className="empty" data-testid="pipelines-empty">
          No pipelines yet: run one with the SDK's <code>client.pipelines.run(…)</code>; it appears here as it goes.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes jobs pipelines">
            <thead>
              <tr>
                <th>Pipeline</th>
                <th>Privacy</th>
                <th>Status</th>
                <th className="num">Rows</th>
                <th className="num">Segments done</th>
                <th>Model</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {(pipelines ?? []).map((p) => (
                <tr
                  key={p.id}
                  data-testid="pipeline-row"
                  data-pipeline-id={p.id}
                  data-status={p.status}
                  className={p.id === selected ? 'row-selected' : undefined}
                  aria-current={p.id === selected ? true : undefined}
                  tabIndex={0}
                  onClick={() => onSelect(p.id)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault()
                      onSelect(p.id)
                    }
                  }}
                >
                  <td>
                    <code title={p.id}>{shortId(p.id)}</code>
                  </td>
                  <td title={privacyNote(p.privacy).note}>{privacyNote(p.privacy).title}</td>
                  <td>
                    <JobStatusBadge status={p.status} />
                  </td>
                  <td className="num">{p.rows.toLocaleString('en-US')}</td>
                  <td className="num" data-testid="pipeline-row-done">
                    {p.stageCounts.done} / {p.segmentCount}
                    {p.stageCounts.failed > 0 && <span className="job-error"> · {p.stageCounts.failed} failed</span>}
                  </td>
                  <td>
                    <code title={p.model}>{shortCid(p.model)}</code>
                  </td>
                  <td title={p.createdAt}>
                    {clockTime(p.createdAt)} <span className="sub">{timeAgo(p.createdAt, now)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={count} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="pipelines" testId="pipelines-more" />
    </section>
  )
}
