/** A coloured pill for a node status; colour is never the only cue, the word is always shown. */
import type { NodeStatus } from '@w3ai/protocol'

export function StatusBadge({ status }: { status: NodeStatus }) {
  return (
    <span className={`badge badge-${status}`}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  )
}
