/** Whether the event stream is live; `reconnecting` means the numbers on screen may be stale. */
import type { StreamState } from '../event-stream.js'

export function StreamIndicator({ state }: { state: StreamState }) {
  return (
    <span className={`stream stream-${state}`} title={state === 'live' ? 'Receiving live events from the hub' : 'Connection to the hub lost; retrying'}>
      <span className="dot" aria-hidden="true" />
      <span data-testid="stream-state">{state}</span>
    </span>
  )
}
