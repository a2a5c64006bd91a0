/**
 * One pipeline: its privacy level in plain words, status and progress, the model and timing, then
 * every segment's stages (SegmentStages). Kept current by the page (`pipeline.updated` events).
 */
import type { NodeInfo, Pipeline } from '@w3ai/protocol'
import { useNow } from '../../hooks/use-now.js'
import { pipelineProgress } from '../../pipelines/stages.js'
import { shortCid } from '../storage/format-bytes.js'
import { between, clockTime } from '../jobs/format.js'
import { JobStatusBadge } from '../jobs/JobStatusBadge.js'
import { PrivacyNote } from './PrivacyNote.js'
import { SegmentStages } from './SegmentStages.js'

interface PipelineDetailProps {
  pipeline: Pipeline
  nodes: ReadonlyMap<string, NodeInfo>
}

export function PipelineDetail({ pipeline: p, nodes }: PipelineDetailProps) {
  const now = useNow(1000)
  const progress = pipelineProgress(p)
  return (
    <div className="pipeline-detail" data-testid="pipeline-detail" data-pipeline-id={p.id} data-status={p.status}>
      <section className="card detail-card" aria-labelledby="pipeline-detail-title">
        <header className="card-head">
          <h2 id="pipeline-detail-title">
            Pipeline <code className="card-sub">{p.id}</code>
          </h2>
          <span className="card-actions">
            <JobStatusBadge status={p.status} />
          </span>
        </header>
        <div className="card-body job-facts">
          <PrivacyNote privacy={p.privacy} />
          <dl className="facts">
            <dt>Progress</dt>
            <dd data-testid="pipeline-progress">
              {progress.done} of {progress.total} segment{progress.total === 1 ? '' : 's'} done
              {progress.failed > 0 && <span className="job-error"> · {progress.failed} failed</span>}
              {progress.redispatched > 0 && <span className="warn"> · {progress.redispatched} dispatched again</span>}
            </dd>
            <dt>Rows</dt>
            <dd>{p.rows.toLocaleString('en-US')}</dd>
            <dt>Model</dt>
            <dd>
              <code title={p.model}>{shortCid(p.model)}</code>
            </dd>
            <dt>Started</dt>
            <dd title={p.createdAt}>{clockTime(p.createdAt)}</dd>
            <dt>{p.finishedAt === null ? 'Running for' : 'Finished'}</dt>
            <dd title={p.finishedAt ?? undefined}>{p.finishedAt === null ? between(p.createdAt, null, now) : `${clockTime(p.finishedAt)} · after ${between(p.createdAt, p.finishedAt, now)}`}</dd>
          </dl>
        </div>
      </section>
      <SegmentStages segments={p.segments} nodes={nodes} />
    </div>
  )
}
