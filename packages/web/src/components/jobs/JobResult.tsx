/** What a finished job produced, summarised per executor (the full result stays with the SDK and CLI). */
import { percent } from '../../jobs/history.js'
import type { ResultSummary } from '../../jobs/result.js'
import { formatDuration } from './format.js'

export function JobResult({ summary }: { summary: ResultSummary }) {
  switch (summary.kind) {
    case 'none':
      return <p className="muted">No result yet.</p>
    case 'onnx':
      return (
        <ul className="plain" data-testid="job-result" data-kind="onnx">
          {summary.outputs.map((o) => (
            <li key={o.name}>
              <code>{o.name}</code> [{o.dims.join(' × ')}]{o.type === null ? '' : <span className="muted"> {o.type}</span>}
              {o.values.length > 0 && (
                <code className="tensor-values" data-testid="onnx-values" data-output={o.name}>
                  {' = '}
                  {o.values.map((v) => Number(v.toPrecision(6))).join(', ')}
                  {o.more > 0 ? ` … (${o.more} more)` : ''}
                </code>
              )}
            </li>
          ))}
        </ul>
      )
    case 'wasm':
      return (
        <div data-testid="job-result" data-kind="wasm">
          <p className="muted">stdout · {summary.bytes} bytes</p>
          {summary.text === null ? <p className="muted">binary output (not shown)</p> : <pre className="stdout" data-testid="job-stdout">{summary.text}</pre>}
          {summary.stderr !== '' && (
            <>
              <p className="muted">stderr{summary.stderrTruncated ? ' (truncated)' : ''}</p>
              <pre className="stdout stderr">{summary.stderr}</pre>
            </>
          )}
        </div>
      )
    case 'train': {
      const f = summary.final
      return (
        <dl className="facts" data-testid="job-result" data-kind="train">
          <dt>Epochs</dt>
          <dd>{summary.epochs}</dd>
          {f?.loss !== undefined && (
            <>
              <dt>Final loss</dt>
              <dd>
                {f.loss.toFixed(4)}
                {f.valLoss !== undefined && <span className="muted"> · validation {f.valLoss.toFixed(4)}</span>}
              </dd>
            </>
          )}
          {f?.acc !== undefined && (
            <>
              <dt>Final accuracy</dt>
              <dd data-testid="final-accuracy">
                {percent(f.acc)}
                {f.valAcc !== undefined && <span className="muted"> · validation {percent(f.valAcc)}</span>}
              </dd>
            </>
          )}
          {summary.samples !== null && (
            <>
              <dt>Samples</dt>
              <dd>
                {summary.samples.train} train · {summary.samples.validation} validation
              </dd>
            </>
          )}
          {summary.backend !== null && (
            <>
              <dt>Backend</dt>
              <dd>
                {summary.backend}
                {summary.durationMs !== null && <span className="muted"> · {formatDuration(summary.durationMs)}</span>}
              </dd>
            </>
          )}
          {summary.classes !== null && (
            <>
              <dt>Classes</dt>
              <dd>{summary.classes.join(', ')}</dd>
            </>
          )}
        </dl>
      )
    }
    case 'other':
      return (
        <pre className="stdout" data-testid="job-result" data-kind="other">
          {summary.json}
        </pre>
      )
  }
}
