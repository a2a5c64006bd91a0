/**
 * One job: status and timing, inputs, result, error, verification across replicas, the training
 * curve (train jobs), the history timeline, and the nodes that ran its tasks framed on the map.
 */
import { useMemo } from 'react'
import type { Job, NodeInfo } from '@w3ai/protocol'
import { epochsOf, taskNodes } from '../../jobs/history.js'
import { errorOf, summarizeResult } from '../../jobs/result.js'
import { useNow } from '../../hooks/use-now.js'
import { shortCid } from '../storage/format-bytes.js'
import { WorldMap } from '../WorldMap.js'
import { between, clockTime } from './format.js'
import { JobResult } from './JobResult.js'
import { JobStatusBadge } from './JobStatusBadge.js'
import { JobTimeline } from './JobTimeline.js'
import { TrainingCurve } from './TrainingCurve.js'

interface JobDetailProps {
  job: Job
  nodes: ReadonlyMap<string, NodeInfo>
  hubId: string | null
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled'])

export function JobDetail({ job, nodes, hubId }: JobDetailProps) {
  const now = useNow(1000)
  const ran = useMemo(() => taskNodes(job.history), [job.history])
  const epochs = useMemo(() => epochsOf(job.history, job.result), [job.history, job.result])
  const summary = useMemo(() => summarizeResult(job.executor, job.result), [job.executor, job.result])
  const error = errorOf(job.error)
  const finished = FINISHED.has(job.status)
  return (
    <div className="detail-row job-detail-row">
      <div className="job-detail-main">
        <section className="card detail-card" data-testid="job-detail" data-job-id={job.id} data-status={job.status}>
          <header className="card-head">
            <h2>
              {job.executor} job <code className="card-sub">{job.id}</code>
            </h2>
            <JobStatusBadge status={job.status} />
          </header>
          <div className="card-body job-facts">
            <dl className="facts">
              <dt>Submitted</dt>
              <dd title={job.createdAt}>{clockTime(job.createdAt)}</dd>
              <dt>{finished ? 'Finished' : 'Running for'}</dt>
              <dd title={job.finishedAt ?? undefined}>{job.finishedAt === null ? between(job.createdAt, null, now) : `${clockTime(job.finishedAt)} · after ${between(job.createdAt, job.finishedAt, now)}`}</dd>
              <dt>Inputs</dt>
              <dd>
                {Object.keys(job.inputs).length === 0 ? (
                  <span className="muted">none</span>
                ) : (
                  <ul className="plain" data-testid="job-inputs">
                    {Object.entries(job.inputs).map(([role, cid]) => (
                      <li key={role}>
                        <span className="muted">{role}</span> <code title={cid}>{shortCid(cid)}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </dd>
              <dt>Nodes</dt>
              <dd>{ran.size === 0 ? <span className="muted">not leased yet</span> : [...ran].map(([id, outcome]) => `${nodes.get(id)?.name ?? id.slice(0, 10)} (${outcome})`).join(', ')}</dd>
            </dl>
            {error !== null && (
              <p className="job-error" data-testid="job-error">
                <code>{error.code}</code> {error.message}
              </p>
            )}
            <Verification job={job} />
            <div>
              <h3>Result</h3>
              <JobResult summary={summary} />
            </div>
          </div>
        </section>
        {job.executor === 'train' && <TrainingCurve points={epochs} live={!finished} />}
        <JobTimeline history={job.history} createdAt={job.createdAt} nodes={nodes} />
      </div>
      <WorldMap nodes={nodes} hubId={hubId} tasks={ran} title="Task map" />
    </div>
  )
}

/** Replicas and whether their results agreed, with each replica's result digest. */
function Verification({ job }: { job: Job }) {
  const v = job.verification
  const outcome = v === null ? (job.replicas === 1 ? 'single' : 'pending') : v.agreed ? 'agreed' : 'disagreed'
  return (
    <div className={`verification verification-${outcome}`} data-testid="job-verification" data-outcome={outcome} data-replicas={job.replicas}>
      <h3>Verification</h3>
      {outcome === 'single' && <p className="muted">One replica: the result is not cross-checked.</p>}
      {outcome === 'pending' && <p className="muted">{job.replicas} replicas: waiting for their results to compare.</p>}
      {v !== null && (
        <>
          <p className={v.agreed ? 'ok' : 'warn'}>
            {v.agreed ? `${job.replicas} replicas agreed` : `Replicas disagreed (${v.digests.length} results)`}
          </p>
          <ul className="plain digests">
            {v.digests.map((d, i) => (
              <li key={i}>
                <span className="muted">replica {i + 1}</span> <code title={d ?? undefined}>{d === null ? 'no result' : `${d.slice(0, 16)}…`}</code>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
