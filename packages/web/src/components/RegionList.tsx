/** Nodes per region with the online share; a click filters the table to that region. */
import type { RegionStats } from '../node-state.js'
import { Meter } from './Meter.js'

interface RegionListProps {
  regions: RegionStats[]
  selected: string
  onSelect: (region: string) => void
}

export function RegionList({ regions, selected, onSelect }: RegionListProps) {
  return (
    <section className="card regions-card">
      <header className="card-head">
        <h2>Regions</h2>
        <span className="card-sub">{regions.length}</span>
      </header>
      {regions.length === 0 ? (
        <p className="empty">No nodes yet. Start a local network with <code>w3ai up</code>.</p>
      ) : (
        <ul className="regions">
          {regions.map((r) => (
            <li key={r.region}>
              <button
                type="button"
                className={r.region === selected ? 'region selected' : 'region'}
                onClick={() => onSelect(r.region === selected ? '' : r.region)}
                aria-pressed={r.region === selected}
              >
                <span className="region-name">{r.region}</span>
                <span className="region-count">
                  {r.online}/{r.total} online
                </span>
                <Meter kind="share" fraction={r.total > 0 ? r.online / r.total : 0} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
