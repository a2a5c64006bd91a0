/**
 * My purchases or my sales, newest first, with each order's status as it changes (the tab follows
 * `market.order.updated`). A seller fulfils a pending download here: the object key is unwrapped
 * in this page and wrapped to the buyer (the hub never sees it). A buyer downloads a fulfilled
 * download (verified and decrypted in the page), closes a per-call allowance, or opens the listing
 * to review it. Paged with "Load more".
 */
import { useState } from 'react'
import type { Order, OrderRole } from '@w3ai/protocol'
import { shortId, timeAgo } from '../../format.js'
import { ACCESS_LABELS, tokensText } from '../../market/format.js'
import { allowanceText, orderActions, statusLabel } from '../../market/orders.js'
import { LoadMore } from '../LoadMore.js'
import { shortCid } from '../storage/format-bytes.js'

interface OrderTableProps {
  role: OrderRole
  orders: Order[] | null
  error: string | null
  me: string
  now: number
  /** Listing titles known so far, by id. */
  titles: ReadonlyMap<string, string>
  onOpenListing: (id: string) => void
  onFulfil: (order: Order) => Promise<unknown>
  onDownload: (order: Order) => Promise<unknown>
  onClose: (order: Order) => Promise<unknown>
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
  /** A narrow table for one listing's page: no listing, counterparty, access or deadline columns. */
  compact?: boolean
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function OrderTable({ role, orders, error, me, now, titles, onOpenListing, onFulfil, onDownload, onClose, hasMore, loadingMore, onMore, compact = false }: OrderTableProps) {
  const [busy, setBusy] = useState<Record<string, string>>({})
  const [failed, setFailed] = useState<Record<string, string>>({})
  const act = async (order: Order, what: string, work: (o: Order) => Promise<unknown>): Promise<void> => {
    setBusy((b) => ({ ...b, [order.id]: what }))
    setFailed(({ [order.id]: _, ...rest }) => rest)
    try {
      await work(order)
    } catch (err) {
      setFailed((f) => ({ ...f, [order.id]: messageOf(err) }))
    } finally {
      setBusy(({ [order.id]: _, ...rest }) => rest)
    }
  }
  const count = orders?.length ?? 0
  const noun = role === 'buyer' ? 'purchase' : 'sale'
  return (
    <section className="card table-card" data-testid={`orders-${role}`} aria-labelledby={`orders-${role}-title`}>
      <header className="card-head">
        <h2 id={`orders-${role}-title`}>{compact ? 'Your orders of this listing' : role === 'buyer' ? 'My purchases' : 'My sales'}</h2>
        <span className="filters">{orders === null ? '…' : `${count}${hasMore ? '+' : ''} ${noun}${count === 1 && !hasMore ? '' : 's'}`}</span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {orders !== null && orders.length === 0 ? (
        <p className="empty" data-testid={`orders-${role}-empty`}>
          {role === 'buyer' ? 'No purchases yet: find something under Browse.' : 'No sales yet: publish a listing, and orders appear here as buyers pay.'}
        </p>
      ) : (
        <div className="table-scroll">
          <table className="nodes jobs market-orders">
            <thead>
              <tr>
                <th>Order</th>
                {!compact && <th>Listing</th>}
                {!compact && <th>{role === 'buyer' ? 'Seller' : 'Buyer'}</th>}
                {!compact && <th>Access</th>}
                <th className="num">Amount</th>
                <th>Status</th>
                {!compact && <th>Deadline</th>}
                <th />
              </tr>
            </thead>
            <tbody>
              {(orders ?? []).map((o) => {
                const actions = orderActions(o, me, now)
                const doing = busy[o.id]
                const allowance = allowanceText(o)
                return (
                  <tr key={o.id} data-testid="order-row" data-order-id={o.id} data-listing-id={o.listingId} data-status={o.status} data-mode={o.mode}>
                    <td>
                      <code title={o.id}>{shortId(o.id)}</code>
                      <div className="sub">{timeAgo(o.createdAt, now)}</div>
                    </td>
                    {!compact && (
                      <td>
                        <button type="button" className="link" data-testid="order-listing" onClick={() => onOpenListing(o.listingId)}>
                          {titles.get(o.listingId) ?? shortId(o.listingId)}
                        </button>
                        <div className="sub">
                          v{o.version} · <code title={o.cid}>{shortCid(o.cid)}</code>
                        </div>
                      </td>
                    )}
                    {!compact && (
                      <td>
                        <code title={role === 'buyer' ? o.seller : o.buyer}>{shortId(role === 'buyer' ? o.seller : o.buyer)}</code>
                      </td>
                    )}
                    {!compact && <td>{ACCESS_LABELS[o.mode]}</td>}
                    <td className="num" data-testid="order-amount" data-units={o.amount}>
                      {tokensText(o.amount)}
                      {o.paid !== null && <div className="sub" data-testid="order-paid" data-units={o.paid}>seller got {tokensText(o.paid)}</div>}
                    </td>
                    <td>
                      <span className={`badge market-status market-status-${o.status}`} data-testid="order-status">
                        {statusLabel(o.status)}
                      </span>
                      {allowance !== null && (
                        <div className="sub" data-testid="order-allowance" data-calls={o.allowance?.calls} data-used={o.allowance?.used}>
                          {allowance}
                        </div>
                      )}
                    </td>
                    {!compact && <td title={o.deadline}>{o.status === 'pending' || o.status === 'active' ? o.deadline.replace('T', ' ').slice(0, 16) : '—'}</td>}
                    <td className="market-order-actions">
                      {actions.fulfil && (
                        <button type="button" className="primary" data-testid="order-fulfil" disabled={doing !== undefined} onClick={() => void act(o, 'Fulfilling…', onFulfil)}>
                          {doing ?? 'Fulfil'}
                        </button>
                      )}
                      {actions.download && (
                        <button type="button" className="primary" data-testid="order-download" disabled={doing !== undefined} onClick={() => void act(o, 'Downloading…', onDownload)}>
                          {doing ?? 'Download'}
                        </button>
                      )}
                      {actions.close && (
                        <button type="button" className="button" data-testid="order-close" disabled={doing !== undefined} onClick={() => void act(o, 'Closing…', onClose)}>
                          {doing ?? 'Close allowance'}
                        </button>
                      )}
                      {role === 'buyer' && !compact && o.mode === 'compute-only' && o.status === 'active' && (
                        <button type="button" className="button" data-testid="order-train" onClick={() => onOpenListing(o.listingId)}>
                          Train on it
                        </button>
                      )}
                      {actions.review && !compact && (
                        <button type="button" className="link" data-testid="order-review" onClick={() => onOpenListing(o.listingId)}>
                          Review
                        </button>
                      )}
                      {failed[o.id] !== undefined && (
                        <p className="error" data-testid="order-error">
                          {failed[o.id]}
                        </p>
                      )}
                    </td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore loaded={count} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun={`${noun}s`} testId={`orders-${role}-more`} />
    </section>
  )
}
