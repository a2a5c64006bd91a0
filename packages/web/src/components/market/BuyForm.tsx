/**
 * Buying a listing: a download or compute-only listing costs its price; a per-call listing asks
 * for the number of calls to prepay (calls × price is held). The total and where it goes once the
 * order settles (the seller, the treasury, the burn: the governed fee split) are shown before
 * anything is paid. The purchase's idempotency key is made once and kept until it is answered or
 * the form changes, so pressing Buy again after a lost answer pays once. Your own listing has no Buy.
 */
import { useState, type FormEvent } from 'react'
import { MAX_ORDER_CALLS, type Listing, type Order, type OrderCreate } from '@w3ai/protocol'
import { newIdempotencyKey } from '../../market/api.js'
import { orderTotal, splitFee, type FeeParams } from '../../market/fees.js'
import { tokensText } from '../../market/format.js'
import { statusLabel } from '../../market/orders.js'

interface BuyFormProps {
  listing: Pick<Listing, 'id' | 'seller' | 'access' | 'price'>
  /** The signed-in account; null without an identity. */
  me: string | null
  /** The governed fee split; null while unknown. */
  fees: FeeParams | null
  onBuy: (body: OrderCreate, key: string) => Promise<Order>
  /** Called with the order once bought. */
  onBought?: (order: Order) => void
}

/** The calls typed → a count, or the reason it is not one. */
export function callsOf(text: string): number | { error: string } {
  const t = text.trim()
  if (!/^\d{1,7}$/.test(t)) return { error: `Type a whole number of calls, 1 to ${MAX_ORDER_CALLS.toLocaleString('en-US')}.` }
  const n = Number(t)
  if (n < 1 || n > MAX_ORDER_CALLS) return { error: `Prepay 1 to ${MAX_ORDER_CALLS.toLocaleString('en-US')} calls.` }
  return n
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

export function BuyForm({ listing, me, fees, onBuy, onBought }: BuyFormProps) {
  const perCall = listing.access === 'per-call'
  const [calls, setCalls] = useState('10')
  const [key, setKey] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [bought, setBought] = useState<Order | null>(null)

  if (me !== null && listing.seller === me) {
    return (
      <section className="card" data-testid="buy-own">
        <div className="card-body">
          <p className="note">This is your listing: buyers see a Buy button here. Your sales are under My sales.</p>
        </div>
      </section>
    )
  }

  const parsed = perCall ? callsOf(calls) : undefined
  const count = typeof parsed === 'number' ? parsed : undefined
  const total = perCall && count === undefined ? null : orderTotal(listing.price, count)
  const split = total !== null && fees !== null ? splitFee(total, fees) : null

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (parsed !== undefined && typeof parsed !== 'number') return setError(parsed.error)
    const k = key ?? newIdempotencyKey()
    setKey(k)
    setBusy(true)
    setError(null)
    try {
      const order = await onBuy(count === undefined ? {} : { calls: count }, k)
      setBought(order)
      setKey(null)
      onBought?.(order)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" data-testid="buy-form">
      <header className="card-head">
        <h2>Buy</h2>
      </header>
      <form className="card-body" onSubmit={(e) => void submit(e)}>
        {perCall && (
          <label className="market-field">
            <span className="stat-label">Calls to prepay</span>
            <input
              data-testid="buy-calls"
              value={calls}
              inputMode="numeric"
              onChange={(e) => {
                setCalls(e.target.value)
                setKey(null) // another purchase now: a new key
                setError(null)
              }}
            />
          </label>
        )}
        {total !== null && (
          <dl className="facts" data-testid="buy-total" data-units={total.toString()}>
            <dt>Total</dt>
            <dd>
              <strong>{tokensText(total)}</strong>
              {perCall && count !== undefined && <span className="sub"> = {count.toLocaleString('en-US')} × {tokensText(listing.price)}</span>}
            </dd>
            {split !== null && (
              <>
                <dt>Seller gets</dt>
                <dd data-testid="buy-seller" data-units={split.seller.toString()}>
                  {tokensText(split.seller)}
                  {perCall && <span className="sub"> if every call is used</span>}
                </dd>
                <dt>Network fee</dt>
                <dd data-testid="buy-fee" data-units={split.fee.toString()}>
                  {tokensText(split.fee)} <span className="sub">({(fees as FeeParams).feeRateBps / 100}%)</span>: {tokensText(split.treasury)} to the treasury, {tokensText(split.burn)} burned
                  {split.fee - split.treasury - split.burn > 0n && <>, the rest to the seller</>}
                </dd>
              </>
            )}
          </dl>
        )}
        {fees === null && <p className="note">The fee split is not known yet (GET /v1/parameters).</p>}
        <p className="note">
          {listing.access === 'download' && 'The price is held in escrow until the seller sends you the key; refunded if they do not by the deadline.'}
          {listing.access === 'compute-only' && 'The price is held for one compute job on the data, which you never see; refunded if unused by the deadline.'}
          {listing.access === 'per-call' && 'The calls are held in escrow; the seller is paid for the calls used, the rest comes back when you close the allowance.'}
        </p>
        {me === null ? (
          <p className="note" data-testid="buy-need-identity">
            Load or create an identity above to buy.
          </p>
        ) : (
          <div className="run-job-actions">
            <button type="submit" className="primary" data-testid="buy-submit" disabled={busy}>
              {busy ? 'Buying…' : 'Buy'}
            </button>
          </div>
        )}
        {error !== null && (
          <p className="error" data-testid="buy-error">
            {error}
          </p>
        )}
        {bought !== null && error === null && (
          <p className="note" data-testid="buy-done" data-order-id={bought.id} data-status={bought.status}>
            Bought: order <code>{bought.id}</code>, {statusLabel(bought.status)}.
          </p>
        )}
      </form>
    </section>
  )
}
