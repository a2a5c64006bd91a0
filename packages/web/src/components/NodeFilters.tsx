/** Status and region filters above the node table. An empty string means "all". */
import type { NodeStatus } from '@w3ai/protocol'

export interface Filters {
  status: NodeStatus | ''
  region: string
}

interface NodeFiltersProps {
  filters: Filters
  regions: string[]
  shown: number
  total: number
  onChange: (filters: Filters) => void
}

const STATUSES: ReadonlyArray<NodeStatus> = ['online', 'suspect', 'offline']

export function NodeFilters({ filters, regions, shown, total, onChange }: NodeFiltersProps) {
  return (
    <div className="filters">
      <label>
        Status
        <select
          data-testid="filter-status"
          value={filters.status}
          onChange={(e) => onChange({ ...filters, status: e.target.value as Filters['status'] })}
        >
          <option value="">all</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        Region
        <select data-testid="filter-region" value={filters.region} onChange={(e) => onChange({ ...filters, region: e.target.value })}>
          <option value="">all</option>
          {regions.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
      </label>
      <span className="filters-count">
        {shown === total ? `${total} nodes` : `${shown} of ${total} nodes`}
      </span>
    </div>
  )
}
