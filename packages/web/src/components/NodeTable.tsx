/** The node table with its filters; rows update in place as load and status events arrive. */
import type { NodeInfo } from '@w3ai/protocol'
import { useNow } from '../hooks/use-now.js'
import { sortNodes } from '../node-state.js'
import { NodeFilters, type Filters } from './NodeFilters.js'
import { NodeRow } from './NodeRow.js'

interface NodeTableProps {
  nodes: ReadonlyMap<string, NodeInfo>
  regions: string[]
  filters: Filters
  onFilters: (filters: Filters) => void
}

export function NodeTable({ nodes, regions, filters, onFilters }: NodeTableProps) {
  const now = useNow(1000)
  const rows = sortNodes(nodes.values()).filter(
    (n) => (filters.status === '' || n.status === filters.status) && (filters.region === '' || n.region === filters.region),
  )
  return (
    <section className="card table-card">
      <header className="card-head">
        <h2>Nodes</h2>
        <NodeFilters filters={filters} regions={regions} shown={rows.length} total={nodes.size} onChange={onFilters} />
      </header>
      <div className="table-scroll">
        <table className="nodes">
          <thead>
            <tr>
              <th>Node</th>
              <th>Location</th>
              <th>Status</th>
              <th className="num">Cores</th>
              <th className="num">Memory</th>
              <th>GPUs</th>
              <th className="num">Disk</th>
              <th className="num">CPU</th>
              <th className="num">Mem used</th>
              <th className="num">Tasks</th>
              <th className="num">Disk used</th>
              <th className="num" title="Storage audits: moving score of Merkle-proof challenges passed">Audit</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((node) => (
              <NodeRow key={node.id} node={node} now={now} />
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="empty">{nodes.size === 0 ? 'Waiting for nodes to register…' : 'No nodes match the filters.'}</p>}
      </div>
    </section>
  )
}
