/**
 * Every segment of a pipeline as a row of its five stages (encrypt → segment → allocate → compute
 * → collect), each pending, active, done or failed; with the node computing it, the attempt count
 * once the hub dispatched it again, and the CID of its stored (encrypted) result.
 */
import type { NodeInfo, PipelineSegment } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { attemptLabel, PIPELINE_STAGES, segmentError, STAGE_HINTS, stageTone } from '../../pipelines/stages.js'
import { shortCid } from '../storage/format-bytes.js'

interface SegmentStagesProps {
  segments: readonly PipelineSegment[]
  nodes: ReadonlyMap<string, NodeInfo>
}

export function SegmentStages({ segments, nodes }: SegmentStagesProps) {
  return (
    <section className="card table-card" aria-labelledby="pipeline-segments-title">
      <header className="card-head">
        <h2 id="pipeline-segments-title">Segments</h2>
        <span className="muted">
          {segments.length} segment{segments.length === 1 ? '' : 's'}
        </span>
      </header>
      {segments.length === 0 ? (
        <p className="empty">No segments yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="nodes pipeline-segments">
            <thead>
              <tr>
                <th className="num">#</th>
                <th className="num">Rows</th>
                <th>Stages</th>
                <th>Node</th>
                <th className="num">Attempts</th>
                <th>Result</th>
              </tr>
            </thead>
            <tbody>
              {segments.map((s) => (
                <SegmentRow key={s.index} segment={s} nodes={nodes} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function SegmentRow({ segment: s, nodes }: { segment: PipelineSegment; nodes: ReadonlyMap<string, NodeInfo> }) {
  const node = s.nodeId === null ? undefined : nodes.get(s.nodeId)
  const again = attemptLabel(s.attempts)
  const error = segmentError(s)
  return (
    <>
      <tr data-testid="pipeline-segment" data-index={s.index} data-stage={s.stage} data-node-id={s.nodeId ?? undefined} data-attempts={s.attempts} data-result={s.result ?? undefined}>
        <td className="num">{s.index + 1}</td>
        <td className="num">{s.rows === null ? <span className="muted">—</span> : s.rows.toLocaleString('en-US')}</td>
        <td>
          <ol className="pipeline-stages" aria-label={`segment ${s.index + 1} stages`}>
            {PIPELINE_STAGES.map((name, i) => {
              const state = s.stages[name] ?? 'pending'
              return (
                <li key={name} className="pipeline-stage" data-testid="pipeline-stage" data-stage={name} data-state={state} title={`${name}: ${state} — ${STAGE_HINTS[name]}`}>
                  {i > 0 && (
                    <span className="pipeline-arrow" aria-hidden="true">
                      →
                    </span>
                  )}
                  <span className={`badge job-badge job-${stageTone(state)}`}>
                    <span className="dot" aria-hidden="true" />
                    {name}
                  </span>
                </li>
              )
            })}
          </ol>
        </td>
        <td title={s.nodeId ?? undefined} data-testid="pipeline-segment-node">
          {s.nodeId === null ? <span className="muted">—</span> : (node?.name ?? shortId(s.nodeId))}
        </td>
        <td className={again === null ? 'num' : 'num warn'} title={again === null ? undefined : 'the hub dispatched this segment again (a node failed or went silent)'}>
          {s.attempts}
        </td>
        <td data-testid="pipeline-segment-result">{s.result === null ? <span className="muted">—</span> : <code title={s.result}>{shortCid(s.result)}</code>}</td>
      </tr>
      {error !== null && (
        <tr className="pipeline-segment-error">
          <td />
          <td colSpan={5} className="job-error" data-testid="pipeline-segment-error">
            <code>{error.code}</code> {error.message}
          </td>
        </tr>
      )}
    </>
  )
}
