/**
 * What each node has earned, from its public ledger account (node:<id>): paid in total, held now and
 * reserved to it, with the node's name and region when the network view knows it. Paged like the
 * other lists ("Load more").
 */
import type { NodeInfo } from '@w3ai/protocol'
import type { NodeEarning } from '../../economy/earnings.js'
import { formatTokens } from '../../economy/tokens.js'
import { shortId } from '../../format.js'
import { LoadMore } from '../LoadMore.js'

interface NodeEarningsProps {
  earnings: NodeEarning[] | null
  nodes: ReadonlyMap<string, NodeInfo>
  error: string | null
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function NodeEarnings({ earnings, nodes, error, hasMore, loadingMore, onMore }: NodeEarningsProps) {
  return (
    <section className="card table-card" aria-labelledby="earnings-title" data-testid="earnings-card">
      <header className="card-head">
        <h2 id="earnings-title">Node earnings</h2>
        <span className="filters">{earnings === null ? '…' : `${earnings.length}${hasMore ? '+' : ''} node${earnings.length === 1 && !hasMore ? '' : 's'} paid`}</span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {earnings !== null && earnings.length === 0 ? (
        <p className="empty" data-testid="earnings-empty">
          No node has been paid yet: nodes earn for stored pieces that pass audits, accepted results and answered inferences.
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes earnings">
            <thead>
              <tr>
                <th>Node</th>
                <th className="num">Earned</th>
                <th className="num">Held</th>
                <th className="num">Reserved to it</th>
              </tr>
            </thead>
            <tbody>
              {(earnings ?? []).map((e) => {
                const node = nodes.get(e.nodeId)
                return (
                  <tr key={e.nodeId} data-testid="earning-row" data-node-id={e.nodeId} data-earned={e.earned.toString()}>
                    <td>
                      <span className="node-name">{node?.name ?? <code title={e.nodeId}>{shortId(e.nodeId)}</code>}</span>
                      {node !== undefined && <span className="sub node-id">{e.nodeId} · {node.region}</span>}
                    </td>
                    <td className="num">{formatTokens(e.earned)}</td>
                    <td className="num">{formatTokens(e.balance)}</td>
                    <td className="num">{formatTokens(e.pending)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={earnings?.length ?? 0} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="nodes" testId="earnings-more" />
    </section>
  )
}
