/**
 * Calling a model bought per call: the seller's deployment of it runs your inputs, one call of your
 * allowance each (counted by the hub before any node sees the request; the allowance updates live).
 * The call's idempotency key is kept until it is answered, so pressing again after a lost answer
 * counts once.
 */
import { useState, type FormEvent } from 'react'
import type { InferRequest, InferResponse, Order } from '@w3ai/protocol'
import { newIdempotencyKey } from '../../market/api.js'
import { callOf } from '../../market/calls.js'
import { allowanceText } from '../../market/orders.js'

interface PaidCallCardProps {
  /** The buyer's active per-call orders of this listing. */
  orders: Order[]
  /** A deployment id the listing names, to start from. */
  deployment: string
  exampleInputs: string
  onCall: (orderId: string, deploymentId: string, inputs: InferRequest['inputs'], key: string) => Promise<InferResponse>
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))
const MAX_SHOWN = 12

export function PaidCallCard({ orders, deployment: initial, exampleInputs, onCall }: PaidCallCardProps) {
  const [orderId, setOrderId] = useState(orders[0]?.id ?? '')
  const [deployment, setDeployment] = useState(initial)
  const [inputs, setInputs] = useState(exampleInputs)
  const [key, setKey] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [answer, setAnswer] = useState<InferResponse | null>(null)
  const order = orders.find((o) => o.id === orderId) ?? orders[0]
  if (order === undefined) return null
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v)
    setKey(null) // another call now: a new key
    setError(null)
  }

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    let call: ReturnType<typeof callOf>
    try {
      call = callOf(deployment, inputs)
    } catch (err) {
      return setError(messageOf(err))
    }
    const k = key ?? newIdempotencyKey()
    setKey(k)
    setBusy(true)
    setError(null)
    try {
      setAnswer(await onCall(order.id, call.deploymentId, call.inputs, k))
      setKey(null)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" data-testid="paid-call">
      <header className="card-head">
        <h2>Call the model</h2>
        <span className="filters" data-testid="paid-call-allowance">
          {allowanceText(order)}
        </span>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void submit(e)}>
        {orders.length > 1 && (
          <label className="wide">
            Allowance
            <select data-testid="paid-call-order" value={order.id} onChange={(e) => edit(setOrderId)(e.target.value)}>
              {orders.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.id} ({allowanceText(o)})
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="wide">
          The seller's deployment
          <input data-testid="paid-call-deployment" value={deployment} onChange={(e) => edit(setDeployment)(e.target.value)} placeholder="d_… (named on the listing)" spellCheck={false} />
        </label>
        <label className="wide">
          Inputs (JSON tensors)
          <textarea data-testid="paid-call-inputs" rows={4} value={inputs} onChange={(e) => edit(setInputs)(e.target.value)} spellCheck={false} />
        </label>
        <div className="run-job-actions">
          <button type="submit" className="primary" data-testid="paid-call-submit" disabled={busy}>
            {busy ? 'Calling…' : 'Call (1 call of your allowance)'}
          </button>
        </div>
        {error !== null && (
          <p className="error" data-testid="paid-call-error">
            {error}
          </p>
        )}
        {answer !== null && error === null && (
          <dl className="facts wide" data-testid="paid-call-answer" data-node-id={answer.nodeId}>
            {Object.entries(answer.outputs).map(([name, t]) => (
              <div key={name} className="market-output" data-testid="paid-call-output" data-name={name} data-values={t.data.slice(0, MAX_SHOWN).join(',')}>
                <dt>
                  <code>{name}</code> <span className="sub">[{t.dims.join('×')}]</span>
                </dt>
                <dd>
                  {t.data
                    .slice(0, MAX_SHOWN)
                    .map((v) => (typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)))
                    .join(', ')}
                  {t.data.length > MAX_SHOWN && ` … (${t.data.length - MAX_SHOWN} more)`}
                </dd>
              </div>
            ))}
            <dt>Answered by</dt>
            <dd>
              <code>{answer.nodeId}</code> <span className="sub">in {answer.runMs.toFixed(1)} ms</span>
            </dd>
          </dl>
        )}
      </form>
    </section>
  )
}
