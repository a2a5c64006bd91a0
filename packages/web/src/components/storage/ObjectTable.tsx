/** The objects the account can read: its own and those shared with it, newest first. */
import type { ObjectSummary } from '@w3ai/protocol'
import type { TransferState } from '../../hooks/use-transfer.js'
import { formatBytes, shortCid } from './format-bytes.js'
import { TransferBar } from './TransferBar.js'

/** What each health state means, shown on hover. */
export const HEALTH_TITLES = {
  healthy: 'every segment has the pieces its redundancy asks for',
  repairing: 'a segment fell below its repair threshold; the network is rebuilding it',
  'under-replicated': 'a segment fell below its repair threshold and no node can take the missing pieces; repair retries with backoff',
  lost: 'a segment has fewer pieces than it needs: unreadable until nodes come back',
} as const

interface ObjectTableProps {
  objects: ObjectSummary[] | null
  error: string | null
  me: string
  selected: string | null
  onSelect: (cid: string) => void
  onDownload: (object: ObjectSummary) => void
  onRefresh: () => void
  download: TransferState
}

export function ObjectTable({ objects, error, me, selected, onSelect, onDownload, onRefresh, download }: ObjectTableProps) {
  const busy = download.phase === 'running'
  return (
    <section className="card table-card">
      <header className="card-head">
        <h2>Objects</h2>
        <span className="filters">
          {objects === null ? '…' : `${objects.length} object${objects.length === 1 ? '' : 's'}`}
          <button type="button" className="button" data-testid="objects-refresh" onClick={onRefresh}>
            Refresh
          </button>
        </span>
      </header>
      <TransferBar state={download} testId="download-progress" verb="Downloading" />
      {error !== null && <p className="error">{error}</p>}
      {objects !== null && objects.length === 0 ? (
        <p className="empty">No objects yet: upload a file above.</p>
      ) : (
        <div className="table-scroll">
          <table className="nodes objects">
            <thead>
              <tr>
                <th>Name</th>
                <th>CID</th>
                <th className="num">Size</th>
                <th>Redundancy</th>
                <th className="num">Min healthy pieces</th>
                <th>Owner</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {(objects ?? []).map((o) => (
                <tr key={o.cid} data-testid="object-row" data-cid={o.cid} className={o.cid === selected ? 'row-selected' : undefined} onClick={() => onSelect(o.cid)}>
                  <td className="object-name">{o.name ?? <span className="muted">unnamed</span>}</td>
                  <td>
                    <code title={o.cid}>{shortCid(o.cid)}</code>
                  </td>
                  <td className="num">{formatBytes(o.size)}</td>
                  <td>
                    {o.redundancy.k} of {o.redundancy.n} <span className="muted">· repair at {o.redundancy.repairThreshold}</span>
                  </td>
                  <td className={`num${o.minHealthyPieces < o.redundancy.repairThreshold ? ' warn' : ''}`}>
                    {o.minHealthyPieces}
                    {o.health !== undefined && o.health.state !== 'healthy' ? (
                      <span className={`health-mark ${o.health.state === 'repairing' ? 'muted' : 'warn'}`} data-testid="object-health" title={HEALTH_TITLES[o.health.state]}>
                        {' '}
                        {o.health.state}
                      </span>
                    ) : null}
                  </td>
                  <td>{o.owner === me ? 'you' : <span title={o.owner}>shared by {o.owner.slice(0, 10)}…</span>}</td>
                  <td>
                    <button
                      type="button"
                      className="button"
                      data-testid="download-button"
                      disabled={busy}
                      onClick={(e) => {
                        e.stopPropagation()
                        onDownload(o)
                      }}
                    >
                      Download
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}
