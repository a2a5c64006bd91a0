/**
 * The seller's side of compute-only sales: buyers' jobs on your data waiting for its key. "Provide
 * key" unwraps the data key in this page and wraps it to the nodes the hub chose for that job, and
 * to no one else; neither the buyer nor the hub can open it. The job then runs, its result sealed
 * to the buyer, and the order is fulfilled and you are paid when it succeeds.
 */
import { useState } from 'react'
import type { KeyRequest } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { shortCid } from '../storage/format-bytes.js'

interface KeyRequestsProps {
  requests: KeyRequest[] | null
  error: string | null
  titles: ReadonlyMap<string, string>
  /** The listing of each order, when the sales list holds it. */
  listingOf: (orderId: string) => string | undefined
  onProvide: (request: KeyRequest) => Promise<unknown>
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function KeyRequests({ requests, error, titles, listingOf, onProvide }: KeyRequestsProps) {
  const [busy, setBusy] = useState<Record<string, boolean>>({})
  const [failed, setFailed] = useState<Record<string, string>>({})
  const provide = async (r: KeyRequest): Promise<void> => {
    setBusy((b) => ({ ...b, [r.jobId]: true }))
    setFailed(({ [r.jobId]: _, ...rest }) => rest)
    try {
      await onProvide(r)
    } catch (err) {
      setFailed((f) => ({ ...f, [r.jobId]: messageOf(err) }))
    } finally {
      setBusy(({ [r.jobId]: _, ...rest }) => rest)
    }
  }
  return (
    <section className="card" data-testid="key-requests">
      <header className="card-head">
        <h2>Compute requests</h2>
        <span className="filters">{requests === null ? '…' : requests.length}</span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {requests !== null && requests.length === 0 && (
        <p className="empty" data-testid="key-requests-empty">
          No buyer's job waits for your data's key. When one does, it appears here to key.
        </p>
      )}
      <ul className="market-reviews">
        {(requests ?? []).map((r) => {
          const listing = listingOf(r.orderId)
          return (
            <li key={r.jobId} className="market-review" data-testid="key-request" data-job-id={r.jobId} data-order-id={r.orderId}>
              <div className="market-review-head">
                <strong>{listing === undefined ? shortId(r.orderId) : (titles.get(listing) ?? shortId(listing))}</strong>
                <span className="sub">
                  a <code>{r.executor}</code> job <code title={r.jobId}>{shortId(r.jobId)}</code> on <code title={r.cid}>{shortCid(r.cid)}</code>, order <code title={r.orderId}>{shortId(r.orderId)}</code>
                </span>
              </div>
              <p className="note">
                Wraps the data key to the job's {r.candidates.length} chosen node{r.candidates.length === 1 ? '' : 's'} ({r.candidates.map((c) => shortId(c.nodeId)).join(', ')}) and no one else; the result is sealed to the buyer.
              </p>
              <div className="run-job-actions">
                <button type="button" className="primary" data-testid="key-request-provide" disabled={busy[r.jobId] === true} onClick={() => void provide(r)}>
                  {busy[r.jobId] === true ? 'Keying…' : 'Provide key'}
                </button>
              </div>
              {failed[r.jobId] !== undefined && (
                <p className="error" data-testid="key-request-error">
                  {failed[r.jobId]}
                </p>
              )}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
