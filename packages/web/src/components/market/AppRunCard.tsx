/**
 * An app listing's "Run" form: a field per typed param of the app's template (defaults filled,
 * bounds and types checked by @w3ai/market's bindParams), and Run. A job template is submitted to
 * the hub's jobs API as the Jobs tab submits; the builtin recommender trains in this page on your
 * data (or a generated shop), stores its model and scores one customer with an ONNX job on a node
 * (see market/recommender.ts); pipeline and federated templates say what the dashboard lacks.
 * Running is for the app's buyers (a fulfilled or active order) and its seller.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { AppTemplate, BoundParams } from '@w3ai/market/portable'
import type { Job, JobSubmit, ObjectSummary } from '@w3ai/protocol'
import { bindForm, initialValues, launchOf, paramHint, type Launch } from '../../market/app-run.js'
import { topItems, type TrainedInPage } from '../../market/recommender.js'
import { shortCid } from '../storage/format-bytes.js'

export interface RecommenderOutcome {
  trained: TrainedInPage
  modelCid: string
  job: Job
}

interface AppRunCardProps {
  template: AppTemplate
  /** Whether the signed-in account may run it (its seller, or a buyer with a delivered order); null without an identity. */
  entitled: boolean | null
  /** The account's files, for cid params. */
  objects: ObjectSummary[]
  onRunJob: (job: JobSubmit) => Promise<Job>
  onRunRecommender: (params: BoundParams, onStep: (step: string) => void) => Promise<RecommenderOutcome>
  /** Reads a job again (the scoring job's result). */
  getJob: (id: string) => Promise<Job>
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const DONE = new Set(['succeeded', 'failed', 'cancelled'])
const POLL_MS = 1500
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`

/** Follows a submitted job until it is done (a failed read is tried again at the next tick). */
function useJob(first: Job | null, getJob: (id: string) => Promise<Job>): Job | null {
  const [job, setJob] = useState<Job | null>(first)
  const read = useRef(getJob)
  read.current = getJob
  useEffect(() => {
    setJob(first)
    if (first === null || DONE.has(first.status)) return
    let stopped = false
    const follow = async (): Promise<void> => {
      while (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
        if (stopped) return
        try {
          const next = await read.current(first.id)
          if (stopped) return
          setJob(next)
          if (DONE.has(next.status)) return
        } catch {
          // the next tick tries again
        }
      }
    }
    void follow()
    return () => {
      stopped = true
    }
  }, [first])
  return job
}

function RecommenderResult({ outcome, job }: { outcome: RecommenderOutcome; job: Job | null }) {
  const { report } = outcome.trained
  const top = job?.status === 'succeeded' ? topItems(job.result, outcome.trained, report.k) : null
  const name = (i: number): string => outcome.trained.itemIds?.[i] ?? `item ${i}`
  return (
    <div className="market-run-result" data-testid="app-run-report" data-recall={report.recall} data-baseline={report.baselineRecall}>
      <dl className="facts">
        <dt>Trained on</dt>
        <dd>{report.data}</dd>
        <dt>recall@{report.k}</dt>
        <dd>
          <strong>{pct(report.recall)}</strong> against the popularity baseline's {pct(report.baselineRecall)}
          {Number.isFinite(report.lift) && <> ({report.lift.toFixed(2)}×)</>}, on {report.heldOut.toLocaleString('en-US')} held-out purchases
        </dd>
        <dt>Model</dt>
        <dd>
          <code title={outcome.modelCid}>{shortCid(outcome.modelCid)}</code> <span className="sub">(stored encrypted in your files; serve it per call with the CLI)</span>
        </dd>
        <dt>Scoring job</dt>
        <dd data-testid="app-run-job" data-job-id={outcome.job.id} data-status={job?.status ?? outcome.job.status}>
          <a href="#jobs">
            <code>{outcome.job.id}</code>
          </a>{' '}
          {job?.status ?? outcome.job.status}
        </dd>
        {top !== null && (
          <>
            <dt>For customer {outcome.trained.customer}</dt>
            <dd data-testid="app-run-top" data-items={top.join(',')}>
              bought {outcome.trained.basket.map(name).join(', ')}; recommended: {top.map(name).join(', ')}
            </dd>
          </>
        )}
      </dl>
    </div>
  )
}

export function AppRunCard({ template, entitled, objects, onRunJob, onRunRecommender, getJob }: AppRunCardProps) {
  const [values, setValues] = useState<Record<string, string>>(() => initialValues(template))
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [missing, setMissing] = useState<string | null>(null)
  const [submitted, setSubmitted] = useState<Job | null>(null)
  const [outcome, setOutcome] = useState<RecommenderOutcome | null>(null)
  const job = useJob(submitted, getJob)

  // What the template needs and the dashboard lacks shows before anyone presses Run.
  let preview: Launch | null = null
  try {
    preview = launchOf(template, {})
  } catch {
    preview = null
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (busy !== null) return
    setError(null)
    setMissing(null)
    let launch: Launch
    try {
      launch = launchOf(template, bindForm(template, values))
    } catch (err) {
      return setError(messageOf(err))
    }
    if (launch.kind === 'missing') return setMissing(launch.missing)
    try {
      if (launch.kind === 'job') {
        setBusy('Submitting…')
        setOutcome(null)
        setSubmitted(await onRunJob(launch.job))
      } else {
        setBusy('Training…')
        const result = await onRunRecommender(launch.params, setBusy)
        setOutcome(result)
        setSubmitted(result.job)
      }
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(null)
    }
  }

  return (
    <section className="card" data-testid="app-run" data-runnable={template.runnable.kind}>
      <header className="card-head">
        <h2>Run this app</h2>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void submit(e)}>
        {template.params.map((p) => (
          <label key={p.name} title={p.description}>
            <span>
              <code>{p.name}</code> <span className="sub">{paramHint(p)}</span>
            </span>
            {p.type === 'bool' ? (
              <select data-testid={`app-param-${p.name}`} value={values[p.name] ?? ''} onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))}>
                <option value="">{p.default === undefined ? 'unset' : `default (${String(p.default)})`}</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : p.type === 'cid' ? (
              <select data-testid={`app-param-${p.name}`} value={values[p.name] ?? ''} onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))}>
                <option value="">{p.optional === true ? 'none' : 'Pick one of your files…'}</option>
                {objects.map((o) => (
                  <option key={o.cid} value={o.cid}>
                    {o.name ?? shortCid(o.cid)}
                  </option>
                ))}
              </select>
            ) : (
              <input data-testid={`app-param-${p.name}`} value={values[p.name] ?? ''} inputMode={p.type === 'int' ? 'numeric' : p.type === 'number' ? 'decimal' : undefined} onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))} />
            )}
            {p.description !== undefined && <span className="sub">{p.description}</span>}
          </label>
        ))}
        {preview?.kind === 'missing' && (
          <p className="warning wide" data-testid="app-run-missing-note">
            {preview.missing}
          </p>
        )}
        {preview?.kind === 'recommender' && (
          <p className="note">
            This app runs on your side: the page trains it on your data (a CSV with user and item columns among your files) or on a generated shop, then stores the model encrypted and scores one customer with an ONNX job on a node.
          </p>
        )}
        <div className="run-job-actions">
          {entitled === true ? (
            <button type="submit" className="primary" data-testid="app-run-submit" disabled={busy !== null}>
              {busy ?? 'Run'}
            </button>
          ) : (
            <span className="note" data-testid="app-run-locked">
              {entitled === null ? 'Load or create an identity to run this app.' : 'Buy the app to run it.'}
            </span>
          )}
        </div>
        {error !== null && (
          <p className="error" data-testid="app-run-error">
            {error}
          </p>
        )}
        {missing !== null && (
          <p className="error" data-testid="app-run-missing">
            {missing}
          </p>
        )}
        {outcome === null && job !== null && (
          <p className="note wide" data-testid="app-run-job" data-job-id={job.id} data-status={job.status}>
            Submitted job{' '}
            <a href="#jobs">
              <code>{job.id}</code>
            </a>
            : {job.status}. It is also on the Jobs tab.
          </p>
        )}
      </form>
      {outcome !== null && <RecommenderResult outcome={outcome} job={job} />}
    </section>
  )
}
