/** The account's model deployments: status, which nodes serve the model, and requests served. */
import type { Deployment, NodeInfo } from '@w3ai/protocol'
import { shortId, timeAgo } from '../../format.js'
import { useNow } from '../../hooks/use-now.js'
import { LoadMore } from '../LoadMore.js'
import { JobStatusBadge } from './JobStatusBadge.js'

interface DeploymentTableProps {
  deployments: Deployment[]
  nodes: ReadonlyMap<string, NodeInfo>
  /** The hub has more deployments after the loaded ones ("Load more" reads the next page). */
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

/** Deployment statuses shown with the jobs' badge colours. */
const BADGE: Record<Deployment['status'], string> = {
  'awaiting-keys': 'awaiting-keys',
  starting: 'queued',
  ready: 'succeeded',
  degraded: 'running',
  failed: 'failed',
  stopped: 'cancelled',
}

export function DeploymentTable({ deployments, nodes, hasMore, loadingMore, onMore }: DeploymentTableProps) {
  const now = useNow(1000)
  return (
    <section className="card table-card" data-testid="deployments">
      <header className="card-head">
        <h2>Deployments</h2>
        <span className="filters">{`${deployments.length}${hasMore ? '+' : ''} deployment${deployments.length === 1 && !hasMore ? '' : 's'}`}</span>
      </header>
      <div className="table-scroll">
        <table className="nodes jobs">
          <thead>
            <tr>
              <th>Deployment</th>
              <th>Status</th>
              <th>Serving nodes</th>
              <th className="num">Requests</th>
              <th className="num">Failed</th>
              <th>Inputs</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {deployments.map((d) => (
              <tr key={d.id} data-testid="deployment-row" data-deployment-id={d.id} data-status={d.status}>
                <td>
                  <code title={`${d.id}\nmodel ${d.model}`}>{shortId(d.id)}</code>
                </td>
                <td>
                  <JobStatusBadge status={BADGE[d.status]} label={d.status} />
                </td>
                <td>
                  {d.replicas.map((r) => (
                    <span key={r.nodeId} className={`replica replica-${r.state}`} title={`${r.nodeId}: ${r.state}, node ${r.nodeStatus}${r.error === null ? '' : `\n${r.error.code}: ${r.error.message}`}`}>
                      {nodes.get(r.nodeId)?.name ?? shortId(r.nodeId)} <span className="sub">{r.state}</span>{' '}
                    </span>
                  ))}
                </td>
                <td className="num" data-testid="deployment-requests">{d.stats.requests.toLocaleString('en-US')}</td>
                <td className="num">{d.stats.failures.toLocaleString('en-US')}</td>
                <td>{d.io === null ? '—' : d.io.inputs.map((i) => `${i.name} [${i.shape.join('×')}]`).join(', ')}</td>
                <td title={d.createdAt}>{timeAgo(d.createdAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore loaded={deployments.length} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="deployments" testId="deployments-more" />
    </section>
  )
}
