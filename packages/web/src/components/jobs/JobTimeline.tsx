/**
 * The job's history, oldest first: each event's time since submission, kind, node and detail.
 * Retries, expirations and speculative copies are highlighted: they are what explains a slow job.
 */
import type { NodeInfo } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { describeEvent, toneOf, type JobEvent } from '../../jobs/history.js'
import { formatDuration } from './format.js'

interface JobTimelineProps {
  history: readonly JobEvent[]
  createdAt: string
  nodes: ReadonlyMap<string, NodeInfo>
}

export function JobTimeline({ history, createdAt, nodes }: JobTimelineProps) {
  const start = Date.parse(createdAt)
  const tasks = [...new Set(history.map((e) => e.taskId))]
  const nameOf = (id: string): string => nodes.get(id)?.name ?? shortId(id)
  return (
    <section className="card timeline-card">
      <header className="card-head">
        <h2>History</h2>
        <span className="muted">
          {history.length} event{history.length === 1 ? '' : 's'} · {tasks.length} task{tasks.length === 1 ? '' : 's'}
        </span>
      </header>
      {history.length === 0 ? (
        <p className="empty">No events yet.</p>
      ) : (
        <ol className="timeline">
          {history.map((e, i) => {
            const node = e.nodeId === null ? undefined : nodes.get(e.nodeId)
            const tone = toneOf(e.kind)
            return (
              <li key={i} className={`timeline-row tone-${tone}`} data-testid="job-history-row" data-kind={e.kind} data-node-id={e.nodeId ?? undefined}>
                <span className="timeline-at" title={e.at}>
                  +{formatDuration(Date.parse(e.at) - start)}
                </span>
                <span className={`event-kind tone-${tone}`}>{e.kind}</span>
                <span className="timeline-task" title={`task ${e.taskId}`}>
                  {tasks.length > 1 ? `task ${tasks.indexOf(e.taskId) + 1}` : ''}
                </span>
                <span className="timeline-node" title={e.nodeId ?? undefined}>
                  {e.nodeId === null ? '' : (node?.name ?? shortId(e.nodeId))}
                </span>
                <span className="timeline-detail">{describeEvent(e, nameOf)}</span>
              </li>
            )
          })}
        </ol>
      )}
    </section>
  )
}
