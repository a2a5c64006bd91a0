/**
 * One object: its manifest's segments and where each piece lives (node, status, health), with the
 * nodes holding its pieces ringed on the world map.
 */
import { useMemo } from 'react'
import type { NodeInfo, ObjectDetail as Detail } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { StatusBadge } from '../StatusBadge.js'
import { WorldMap } from '../WorldMap.js'
import { formatBytes, shortCid } from './format-bytes.js'
import { HEALTH_TITLES } from './ObjectTable.js'

interface ObjectDetailProps {
  detail: Detail
  nodes: ReadonlyMap<string, NodeInfo>
  hubId: string | null
}

export function ObjectDetail({ detail, nodes, hubId }: ObjectDetailProps) {
  const holders = useMemo(() => new Set(detail.segments.flatMap((s) => s.pieces.map((p) => p.nodeId))), [detail])
  const { object, manifest } = detail
  return (
    <div className="detail-row">
      <section className="card detail-card" data-testid="object-pieces" data-cid={object.cid}>
        <header className="card-head">
          <h2>
            {object.name ?? 'unnamed'} <code className="card-sub">{shortCid(object.cid)}</code>
          </h2>
          <span className="muted">
            {formatBytes(object.size)} · {manifest.segments.length} segment{manifest.segments.length === 1 ? '' : 's'} · {manifest.erasure.k} of{' '}
            {manifest.erasure.n} · {holders.size} nodes
            {object.health !== undefined && object.health.state !== 'healthy' ? (
              <>
                {' · '}
                <span className={object.health.state === 'repairing' ? 'muted' : 'warn'} data-testid="object-health" title={HEALTH_TITLES[object.health.state]}>
                  {object.health.state}: {object.health.healthyPieces} of {object.health.target} pieces, {object.health.needed} needed
                </span>
              </>
            ) : null}
          </span>
        </header>
        <div className="segments">
          {detail.segments.map((seg) => (
            <div key={seg.index} className="segment">
              <div className="segment-head">
                Segment {seg.index} <span className="muted">· {formatBytes(manifest.segments[seg.index]?.plainSize ?? 0)} · {seg.healthy} healthy of {seg.pieces.length}</span>
              </div>
              <table className="nodes pieces">
                <thead>
                  <tr>
                    <th className="num">Piece</th>
                    <th>Node</th>
                    <th>Status</th>
                    <th>Healthy</th>
                    <th>CID</th>
                  </tr>
                </thead>
                <tbody>
                  {seg.pieces.map((p) => {
                    const node = nodes.get(p.nodeId)
                    return (
                      <tr key={`${p.index}-${p.nodeId}`} data-testid="piece-row" data-node-id={p.nodeId} data-healthy={String(p.healthy)}>
                        <td className="num">{p.index}</td>
                        <td>
                          {node?.name ?? <code>{shortId(p.nodeId)}</code>}
                          {node !== undefined && <span className="sub"> {node.location.city ?? node.region}</span>}
                        </td>
                        <td>{p.nodeStatus === 'online' || p.nodeStatus === 'suspect' || p.nodeStatus === 'offline' ? <StatusBadge status={p.nodeStatus} /> : p.nodeStatus}</td>
                        <td className={p.healthy ? 'ok' : 'warn'}>{p.healthy ? 'yes' : 'no'}</td>
                        <td>
                          <code title={p.cid}>{shortCid(p.cid)}</code>
                        </td>
                      </tr>
                    )
                  })}
                </tbody>
              </table>
            </div>
          ))}
        </div>
      </section>
      <WorldMap nodes={nodes} hubId={hubId} highlight={holders} title="Piece map" />
    </div>
  )
}
