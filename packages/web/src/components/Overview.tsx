/** Counts by status and the capacity online nodes offer, from the hub's network summary. */
import type { NetworkSummary } from '@w3ai/protocol'
import { formatGb, formatNumber } from '../format.js'
import type { StatusCounts } from '../node-state.js'
import { Meter } from './Meter.js'

interface OverviewProps {
  counts: StatusCounts
  capacity: NetworkSummary['capacity'] | null
}

const COUNT_CARDS = [
  { key: 'online', label: 'Online' },
  { key: 'suspect', label: 'Suspect' },
  { key: 'offline', label: 'Offline' },
  { key: 'total', label: 'Total nodes' },
] as const

export function Overview({ counts, capacity }: OverviewProps) {
  return (
    <section className="overview" aria-label="Network overview">
      {COUNT_CARDS.map(({ key, label }) => (
        <div key={key} className={`stat stat-${key}`}>
          <span className="stat-label">{label}</span>
          <span className="stat-value" data-testid={`count-${key}`}>
            {counts[key]}
          </span>
        </div>
      ))}
      <div className="stat stat-capacity">
        <span className="stat-label">CPU cores</span>
        <span className="stat-value">{capacity === null ? '—' : formatNumber(capacity.cpuCores)}</span>
      </div>
      <div className="stat stat-capacity">
        <span className="stat-label">Memory</span>
        <span className="stat-value">{capacity === null ? '—' : formatGb(capacity.memoryGb)}</span>
      </div>
      <div className="stat stat-capacity">
        <span className="stat-label">GPUs</span>
        <span className="stat-value">
          {capacity === null ? '—' : capacity.gpus}
          {capacity !== null && capacity.gpus > 0 && <small> · {formatGb(capacity.gpuMemoryGb)}</small>}
        </span>
      </div>
      <div className="stat stat-capacity stat-disk">
        <span className="stat-label">Disk used / offered</span>
        <span className="stat-value">
          {capacity === null ? '—' : `${formatGb(capacity.diskUsedGb)} / ${formatGb(capacity.diskGb)}`}
        </span>
        {capacity !== null && <Meter fraction={capacity.diskGb > 0 ? capacity.diskUsedGb / capacity.diskGb : 0} />}
      </div>
    </section>
  )
}
