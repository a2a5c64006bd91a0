/** One node in the table: identity, place, status, what it offers and its live load. */
import type { NodeInfo } from '@w3ai/protocol'
import { formatGb, formatGpus, formatNumber, shortId, timeAgo } from '../format.js'
import { roleOf } from '../node-state.js'
import { Meter } from './Meter.js'
import { StatusBadge } from './StatusBadge.js'

export function NodeRow({ node, now }: { node: NodeInfo; now: number }) {
  const { capabilities: caps, load } = node
  return (
    <tr data-testid="node-row" data-node-id={node.id} data-status={node.status} className={`row-${node.status}`}>
      <td>
        <div className="node-name">
          <span className={`role role-${roleOf(node)}`}>{roleOf(node)}</span>
          {node.name}
        </div>
        <code className="node-id" title={node.id}>{shortId(node.id)}</code>
      </td>
      <td>
        <div>{node.location.city ?? node.region}</div>
        {node.location.city !== undefined && <div className="sub">{node.region}</div>}
      </td>
      <td><StatusBadge status={node.status} /></td>
      <td className="num">{formatNumber(caps.cpuCores)}</td>
      <td className="num">{formatGb(caps.memoryGb)}</td>
      <td>{formatGpus(node)}</td>
      <td className="num">{formatGb(caps.diskGb)}</td>
      {load === null ? (
        <td colSpan={4} className="muted">no load reported</td>
      ) : (
        <>
          <td className="num">
            <div className="load-cell">
              {Math.round(load.cpuPercent)}%
              <Meter fraction={load.cpuPercent / 100} />
            </div>
          </td>
          <td className="num">{formatGb(load.memoryUsedGb)}</td>
          <td className="num">{load.runningTasks}</td>
          <td className="num">{formatGb(load.diskUsedGb)}</td>
        </>
      )}
      <td className="num" data-testid="audit-score" title={node.audit === undefined ? 'no audits yet' : `${node.audit.passed} passed, ${node.audit.failed} failed`}>
        {node.audit === undefined || node.audit.passed + node.audit.failed === 0 ? <span className="muted">—</span> : `${Math.round(node.audit.score * 100)}%`}
      </td>
      <td className="muted" title={node.lastSeenAt ?? undefined}>{timeAgo(node.lastSeenAt, now)}</td>
    </tr>
  )
}
