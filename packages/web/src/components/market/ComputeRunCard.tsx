/**
 * Compute-to-data for the buyer of a compute-only dataset: a training job on the data you never
 * see. The job names your order and reads its object; it waits until the seller's side wraps the
 * data key to the nodes the hub chose (the seller's My sales, or `w3ai market fulfil`), runs there,
 * and seals its result to you: the page opens it and shows the final metrics. The order is then
 * fulfilled and the seller paid.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { Job, Order } from '@w3ai/protocol'
import { summarizeResult } from '../../jobs/result.js'
import { computeJobOf } from '../../market/compute.js'

interface ComputeRunCardProps {
  /** The buyer's compute-only orders of this listing: active ones run a job each, used ones are listed. */
  orders: Order[]
  /** The example spec's JSON. */
  exampleSpec: string
  sealTo: string
  onRun: (job: ReturnType<typeof computeJobOf>) => Promise<Job>
  getJob: (id: string) => Promise<Job>
  openResult: (job: Job) => Promise<unknown>
}

const DONE = new Set(['succeeded', 'failed', 'cancelled'])
const POLL_MS = 1500
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const fixed = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(4))
const errorText = (e: unknown): string => (typeof (e as { message?: unknown }).message === 'string' ? (e as { message: string }).message : JSON.stringify(e))

export function ComputeRunCard({ orders, exampleSpec, sealTo, onRun, getJob, openResult }: ComputeRunCardProps) {
  const [orderId, setOrderId] = useState(orders.find((o) => o.status === 'active')?.id ?? orders[0]?.id ?? '')
  const [spec, setSpec] = useState(exampleSpec)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [job, setJob] = useState<Job | null>(null)
  const [result, setResult] = useState<unknown>(undefined)
  const read = useRef(getJob)
  read.current = getJob
  const open = useRef(openResult)
  open.current = openResult

  // Follows the job until it is done, then opens its sealed result.
  const jobId = job?.id ?? null
  useEffect(() => {
    if (jobId === null) return
    let stopped = false
    const follow = async (): Promise<void> => {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
        if (stopped) return
        let next: Job
        try {
          next = await read.current(jobId)
        } catch {
          continue
        }
        if (stopped) return
        setJob(next)
        if (!DONE.has(next.status)) continue
        if (next.status === 'succeeded') {
          try {
            const opened = await open.current(next)
            if (!stopped) setResult(opened)
          } catch (err) {
            if (!stopped) setError(messageOf(err))
          }
        }
        return
      }
    }
    void follow()
    return () => {
      stopped = true
    }
  }, [jobId])

  const order = orders.find((o) => o.id === orderId) ?? orders[0]
  if (order === undefined) return null

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    setError(null)
    let body: ReturnType<typeof computeJobOf>
    try {
      body = computeJobOf(order, spec, sealTo)
    } catch (err) {
      return setError(messageOf(err))
    }
    setBusy(true)
    setResult(undefined)
    try {
      setJob(await onRun(body))
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  const summary = result === undefined ? null : summarizeResult('train', result)
  const final = summary?.kind === 'train' ? summary.final : null
  return (
    <section className="card" data-testid="compute-run">
      <header className="card-head">
        <h2>Train on this data</h2>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void submit(e)}>
        <p className="note wide">
          The job runs where the data is: the seller's side wraps its key to the job's nodes only, and the result is sealed to you. You never hold the data or its key.
        </p>
        {orders.length > 1 && (
          <label className="wide">
            Purchase
            <select data-testid="compute-order" value={order.id} onChange={(e) => setOrderId(e.target.value)}>
              {orders.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.id} ({o.status === 'active' ? `until ${o.deadline.slice(0, 10)}` : 'used'})
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="wide">
          Training spec (JSON; the CSV's last column is the label)
          <textarea data-testid="compute-spec" rows={10} value={spec} onChange={(e) => setSpec(e.target.value)} spellCheck={false} />
        </label>
        <div className="run-job-actions">
          <button type="submit" className="primary" data-testid="compute-submit" disabled={busy || (job !== null && !DONE.has(job.status))}>
            {busy ? 'Submitting…' : 'Run on the data'}
          </button>
        </div>
        {error !== null && (
          <p className="error" data-testid="compute-error">
            {error}
          </p>
        )}
        {job !== null && (
          <p className="note wide" data-testid="compute-job" data-job-id={job.id} data-status={job.status}>
            Job{' '}
            <a href="#jobs">
              <code>{job.id}</code>
            </a>
            : {job.status === 'awaiting-keys' ? "waiting for the seller's side to key the data to its nodes" : job.status}
            {job.error !== null && job.error !== undefined && <span className="job-error"> ({errorText(job.error)})</span>}
          </p>
        )}
        {final !== null && summary?.kind === 'train' && (
          <dl className="facts wide" data-testid="compute-result" data-epochs={summary.epochs} data-acc={final.acc ?? ''} data-val-acc={final.valAcc ?? ''}>
            <dt>Epochs</dt>
            <dd>{summary.epochs}</dd>
            <dt>Loss</dt>
            <dd>
              {fixed(final.loss)} <span className="sub">validation {fixed(final.valLoss)}</span>
            </dd>
            <dt>Accuracy</dt>
            <dd>
              {fixed(final.acc)} <span className="sub">validation {fixed(final.valAcc)}</span>
            </dd>
            <dt>Result</dt>
            <dd className="sub">sealed to you, opened in this page</dd>
          </dl>
        )}
      </form>
    </section>
  )
}
