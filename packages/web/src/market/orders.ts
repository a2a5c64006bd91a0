/**
 * What an order means to the one looking at it, kept apart from React so it is unit-tested: its
 * status in words, and what may be done with it by its buyer or its seller (fulfil a pending
 * download, download a fulfilled one, close an allowance, review a delivered purchase).
 */
import type { Order, OrderStatus, Review } from '@w3ai/protocol'

export const STATUS_LABELS: Readonly<Record<OrderStatus, string>> = {
  pending: 'waiting for the seller',
  fulfilled: 'fulfilled',
  refunded: 'refunded',
  active: 'active',
  exhausted: 'closed',
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status as OrderStatus] ?? status
}

export interface OrderActions {
  /** The seller wraps the key to the buyer (a pending download before its deadline). */
  fulfil: boolean
  /** The buyer downloads and decrypts the object (a fulfilled download). */
  download: boolean
  /** The buyer closes a per-call allowance. */
  close: boolean
  /** The buyer may review the purchase (delivered or in use, not pending or refunded). */
  review: boolean
}

/** What `me` may do with `order` at `now` (ms). */
export function orderActions(order: Pick<Order, 'buyer' | 'seller' | 'mode' | 'status' | 'deadline'>, me: string, now: number): OrderActions {
  const buyer = order.buyer === me
  const seller = order.seller === me
  const beforeDeadline = !(Date.parse(order.deadline) <= now)
  return {
    fulfil: seller && order.mode === 'download' && order.status === 'pending' && beforeDeadline,
    download: buyer && order.mode === 'download' && order.status === 'fulfilled',
    close: buyer && order.mode === 'per-call' && order.status === 'active',
    review: buyer && (order.status === 'fulfilled' || order.status === 'active' || order.status === 'exhausted'),
  }
}

/** "3 of 10 calls used" for a per-call order, null for the others. */
export function allowanceText(order: Pick<Order, 'allowance'>): string | null {
  if (order.allowance === null) return null
  const { calls, used } = order.allowance
  return `${used.toLocaleString('en-US')} of ${calls.toLocaleString('en-US')} call${calls === 1 ? '' : 's'} used`
}

/** The buyer's orders of one listing that may be reviewed, and whether each already has a review among `reviews`. */
export function reviewable(orders: readonly Order[], listingId: string, me: string, reviews: readonly Review[], now: number): Array<{ order: Order; review: Review | undefined }> {
  const byOrder = new Map(reviews.map((r) => [r.orderId, r]))
  return orders.filter((o) => o.listingId === listingId && orderActions(o, me, now).review).map((order) => ({ order, review: byOrder.get(order.id) }))
}

/** Orders of one listing, for the listing page (the account's purchases are not filtered by the hub). */
export function ordersOf(orders: readonly Order[] | null, listingId: string): Order[] {
  return (orders ?? []).filter((o) => o.listingId === listingId)
}
