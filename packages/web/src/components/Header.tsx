/** Top bar: product, which hub this is, its version and database, and the stream state. */
import type { Health } from '@w3ai/protocol'
import type { StreamState } from '../event-stream.js'
import { hubLabel } from '../format.js'
import { StreamIndicator } from './StreamIndicator.js'

interface HeaderProps {
  hubId: string | null
  health: Health | null
  streamState: StreamState
}

export function Header({ hubId, health, streamState }: HeaderProps) {
  return (
    <header className="topbar">
      <div className="brand">
        <span className="logo" aria-hidden="true">◆</span>
        <span className="brand-name">w3ai</span>
        <span className="brand-sub">network</span>
      </div>
      <div className="topbar-meta">
        {hubId !== null && (
          <span className="meta-item" title="hub id">
            <code>{hubLabel(hubId)}</code>
          </span>
        )}
        {health !== null && (
          <>
            <span className="meta-item">v{health.version}</span>
            <span className="meta-item">{health.database}</span>
            <span className="meta-item">up {formatUptime(health.uptimeSec)}</span>
          </>
        )}
        <StreamIndicator state={streamState} />
      </div>
    </header>
  )
}

function formatUptime(sec: number): string {
  if (sec < 60) return `${Math.floor(sec)} s`
  if (sec < 3600) return `${Math.floor(sec / 60)} min`
  if (sec < 86_400) return `${Math.floor(sec / 3600)} h ${Math.floor((sec % 3600) / 60)} min`
  return `${Math.floor(sec / 86_400)} d`
}
