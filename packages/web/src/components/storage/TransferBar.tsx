/** A progress bar for one transfer; `data-phase` and `data-percent` let tests follow it. */
import type { TransferState } from '../../hooks/use-transfer.js'
import { formatBytes } from './format-bytes.js'

export function TransferBar({ state, testId, verb }: { state: TransferState; testId: string; verb: string }) {
  const percent = state.phase === 'done' ? 100 : state.total === 0 ? 0 : Math.floor((100 * state.bytes) / state.total)
  if (state.phase === 'idle') return <div className="transfer transfer-idle" data-testid={testId} data-phase="idle" data-percent="0" />
  return (
    <div className={`transfer transfer-${state.phase}`} data-testid={testId} data-phase={state.phase} data-percent={percent}>
      <div className="transfer-line">
        <span className="transfer-label">
          {state.phase === 'running' ? `${verb} ` : state.phase === 'done' ? `${verb} done: ` : `${verb} failed: `}
          <strong>{state.label}</strong>
        </span>
        <span className="muted">{state.total > 0 ? `${formatBytes(state.bytes)} / ${formatBytes(state.total)} · ${percent}%` : `${percent}%`}</span>
      </div>
      <div className="transfer-track" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <span className="transfer-fill" style={{ width: `${percent}%` }} />
      </div>
      {state.message !== null && <p className={state.phase === 'error' ? 'error' : 'note'}>{state.message}</p>}
    </div>
  )
}
