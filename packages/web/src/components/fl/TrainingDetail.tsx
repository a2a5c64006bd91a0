/**
 * One federated training: its setup and progress with stop and resume, the accuracy and loss
 * curves, participants and dropouts per round, the privacy budget (under differential privacy),
 * the topology (decentralized trainings whose hub reports one) and every round in a table.
 */
import { useMemo } from 'react'
import type { FlTraining, NodeInfo } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { useNow } from '../../hooks/use-now.js'
import { actionsFor, describeConfig, formatEpsilon, privacyBudget, roundPoints, turnout } from '../../fl/rounds.js'
import { topologyOf } from '../../fl/topology.js'
import { percent } from '../../jobs/history.js'
import { shortCid } from '../storage/format-bytes.js'
import { between, clockTime } from '../jobs/format.js'
import { JobStatusBadge } from '../jobs/JobStatusBadge.js'
import { PrivacyMeter } from './PrivacyMeter.js'
import { RoundCurves } from './RoundCurves.js'
import { TopologyView } from './TopologyView.js'
import { TurnoutStrip } from './TurnoutStrip.js'

export type FlAction = 'stop' | 'resume'

interface TrainingDetailProps {
  training: FlTraining
  nodes: ReadonlyMap<string, NodeInfo>
  onAction: (action: FlAction) => void
  /** The action on its way to the hub, if any. */
  acting: FlAction | null
  actionError: string | null
}

export function TrainingDetail({ training, nodes, onAction, acting, actionError }: TrainingDetailProps) {
  const now = useNow(1000)
  const points = useMemo(() => roundPoints(training.rounds), [training.rounds])
  const bars = useMemo(() => turnout(training.rounds), [training.rounds])
  const budget = useMemo(() => privacyBudget(training), [training])
  const topology = useMemo(() => topologyOf(training), [training])
  const names = useMemo(() => {
    const out = new Map<string, string>()
    for (const c of training.clients) {
      const name = nodes.get(c.nodeId)?.name ?? shortId(c.nodeId)
      out.set(c.id, name)
      out.set(c.nodeId, name)
    }
    return out
  }, [training.clients, nodes])
  const actions = actionsFor(training.status)
  const running = training.status === 'running'
  const decentralized = training.config.mode === 'decentralized'
  return (
    <div className="fl-detail" data-testid="fl-detail" data-training-id={training.id} data-status={training.status} data-round={training.round}>
      <section className="card detail-card" aria-labelledby="fl-detail-title">
        <header className="card-head">
          <h2 id="fl-detail-title">
            {training.name ?? 'Federated training'} <code className="card-sub">{training.id}</code>
          </h2>
          <span className="card-actions">
            <JobStatusBadge status={training.status} />
            {actions.stop && (
              <button type="button" className="button" data-testid="fl-stop" disabled={acting !== null} onClick={() => onAction('stop')}>
                {acting === 'stop' ? 'Stopping…' : 'Stop'}
              </button>
            )}
            {actions.resume && (
              <button type="button" className="button" data-testid="fl-resume" disabled={acting !== null} onClick={() => onAction('resume')}>
                {acting === 'resume' ? 'Resuming…' : 'Resume'}
              </button>
            )}
          </span>
        </header>
        <div className="card-body job-facts">
          <dl className="facts">
            <dt>Setup</dt>
            <dd>{describeConfig(training.config)}</dd>
            <dt>Progress</dt>
            <dd data-testid="fl-progress">
              round {training.round} of {training.config.rounds}
              {training.config.clientsPerRound !== undefined && ` · ${training.config.clientsPerRound} clients per round`}
            </dd>
            <dt>Started</dt>
            <dd title={training.createdAt}>{clockTime(training.createdAt)}</dd>
            <dt>{training.finishedAt === null ? 'Running for' : 'Finished'}</dt>
            <dd title={training.finishedAt ?? undefined}>{training.finishedAt === null ? between(training.createdAt, null, now) : `${clockTime(training.finishedAt)} · after ${between(training.createdAt, training.finishedAt, now)}`}</dd>
            <dt>Clients</dt>
            <dd data-testid="fl-clients">
              {training.clients.length === 0 ? (
                <span className="muted">none</span>
              ) : (
                training.clients.map((c) => `${names.get(c.id)} (${c.dataset}, ${c.rows.toLocaleString('en-US')} rows)`).join(', ')
              )}
            </dd>
            {training.config.evaluation !== undefined && (
              <>
                <dt>Evaluation</dt>
                <dd>{training.config.evaluation.dataset}</dd>
              </>
            )}
            <dt>Model</dt>
            <dd>{training.modelCid !== null ? <code title={training.modelCid}>{shortCid(training.modelCid)}</code> : training.modelReady ? <span className="muted">parameters ready, not stored yet</span> : <span className="muted">after the first round</span>}</dd>
          </dl>
          {training.error !== null && (
            <p className="job-error" data-testid="fl-error">
              <code>{training.error.code}</code> {training.error.message}
            </p>
          )}
          {actionError !== null && (
            <p className="error" role="alert" data-testid="fl-action-error">
              {actionError}
            </p>
          )}
        </div>
      </section>
      <div className="fl-detail-row">
        <RoundCurves points={points} rounds={training.config.rounds} live={running} />
        <div className="fl-side">
          <TurnoutStrip turnout={bars} rounds={training.config.rounds} clients={training.config.clientsPerRound ?? training.clients.length} />
          {budget !== null && <PrivacyMeter budget={budget} />}
        </div>
      </div>
      <div className="fl-detail-row fl-detail-row-flip">
        {topology !== null && <TopologyView topology={topology} rounds={training.config.rounds} latestRound={training.round} names={names} />}
        {topology === null && decentralized && <p className="empty">This hub does not report the training's topology.</p>}
        <RoundsTable training={training} />
      </div>
    </div>
  )
}

/** Every round's numbers, newest first: the table form of the charts above. */
function RoundsTable({ training }: { training: FlTraining }) {
  const rounds = useMemo(() => [...training.rounds].sort((a, b) => b.round - a.round), [training.rounds])
  const dp = rounds.some((r) => r.epsilon !== undefined)
  if (rounds.length === 0) return null
  return (
    <section className="card table-card" aria-labelledby="fl-rounds-title">
      <header className="card-head">
        <h2 id="fl-rounds-title">Rounds</h2>
      </header>
      <div className="table-scroll fl-rounds-scroll">
        <table className="nodes fl-rounds">
          <thead>
            <tr>
              <th className="num">Round</th>
              <th>Status</th>
              <th className="num">Participants</th>
              <th className="num">Dropouts</th>
              <th className="num">Accuracy</th>
              <th className="num">Loss</th>
              {dp && <th className="num">ε</th>}
            </tr>
          </thead>
          <tbody>
            {rounds.map((r) => (
              <tr key={r.round} data-testid="fl-round-row" data-round={r.round} data-status={r.status} title={r.error === undefined ? undefined : `${r.error.code}: ${r.error.message}`}>
                <td className="num">{r.round}</td>
                <td className={r.status === 'failed' ? 'warn' : undefined}>{r.status === 'failed' ? `failed (${r.error?.code ?? 'error'})` : r.status}</td>
                <td className="num">{r.participants}</td>
                <td className="num">{r.dropouts}</td>
                <td className="num">{r.accuracy === null ? '—' : percent(r.accuracy)}</td>
                <td className="num">{r.loss === null ? '—' : r.loss.toFixed(4)}</td>
                {dp && <td className="num">{r.epsilon === undefined ? '—' : formatEpsilon(r.epsilon)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
