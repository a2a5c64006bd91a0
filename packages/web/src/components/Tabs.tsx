/** The dashboard's sections: the live network view, the storage page, the jobs page, federated trainings, pipelines, the wallet and governance. */
import type { Tab } from '../hooks/use-tab.js'

const TABS: ReadonlyArray<{ id: Tab; label: string }> = [
  { id: 'network', label: 'Network' },
  { id: 'storage', label: 'Storage' },
  { id: 'jobs', label: 'Jobs' },
  { id: 'fl', label: 'Federated' },
  { id: 'pipelines', label: 'Pipelines' },
  { id: 'wallet', label: 'Wallet' },
  { id: 'governance', label: 'Governance' },
  { id: 'market', label: 'Market' },
]

export function Tabs({ tab, onSelect }: { tab: Tab; onSelect: (tab: Tab) => void }) {
  return (
    <nav className="tabs" aria-label="Dashboard sections">
      {TABS.map((t) => (
        <button key={t.id} type="button" className={`tab${t.id === tab ? ' tab-active' : ''}`} aria-current={t.id === tab ? 'page' : undefined} data-testid={`tab-${t.id}`} onClick={() => onSelect(t.id)}>
          {t.label}
        </button>
      ))}
    </nav>
  )
}
