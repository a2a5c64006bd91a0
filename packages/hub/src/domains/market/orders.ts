/**
 * Orders: buying a listing and paying for it through the ledger. Buying holds the price (or, for
 * an allowance, calls × price) from the buyer's wallet as a pending transfer into the order's
 * escrow; a buyer who cannot pay is refused before any order exists. Each order is then settled
 * once: the escrow pays the seller what was delivered less the governed fee (treasury and burn
 * shares, the billing domain's settlement chain) and the rest of the hold goes back, or all of it
 * goes back. The settlement is decided (a conditional UPDATE from the status it was read in, with
 * its plan) before it is applied, and every transfer id derives from the order id, so a retry
 * after a crash, or another hub, applies it exactly once.
 *
 * download: pending until the seller posts the key wrapped to the buyer (then fulfilled and paid),
 * refunded by the sweeper once its deadline passed. compute-only: active (the right to run a job
 * on the data: computeGrant) until the job is done (completeCompute: fulfilled and paid) or the
 * deadline (refunded). per-call: active, each call counted once by its request id (consumeCall),
 * settled for the calls used when all are used, the buyer closes it or its deadline passes.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { FeeParameters, TransferInput, TransferKind, TransferResult } from '@w3ai/ledger'
import {
  DEFAULT_ALLOWANCE_DEADLINE_MS,
  DEFAULT_ORDER_DEADLINE_MS,
  W3aiError,
  type ErrorCode,
  type HubEvent,
  type ListingSummary,
  type Order,
  type OrderCreate,
  type OrderListQuery,
  type OrderPage,
  type OrderStatus,
  type WrappedKey,
} from '@w3ai/protocol'
import { settlementChain } from '../billing/chain.js'
import type { LedgerService } from '../ledger/service.js'
import type { OrderPlan, OrderRecord, OrderStore, PlannedTransfer } from './order-store.js'

export interface OrderServiceComponents {
  orders: OrderStore
  /** The listing an order is for (its seller, access, price and latest version). */
  listing: (id: string) => Promise<Pick<ListingSummary, 'id' | 'seller' | 'access' | 'price' | 'latest'> | undefined>
  ledger: Pick<LedgerService, 'transfer' | 'wallet'>
  /** The governed fee split now. */
  fees: () => Promise<FeeParameters>
  /** Records the key the seller wrapped to the buyer as a storage share, so the buyer reads the object like any shared one. */
  grantRead: (cid: string, accountId: string, wrappedKey: WrappedKey, grantedBy: string) => Promise<void>
  publish: (event: HubEvent) => void
  onError: (err: unknown) => void
}

/** A compute-only order's right, for the compute domain: the buyer may run a job on `cid` until `deadline`. */
export interface ComputeGrant {
  orderId: string
  listingId: string
  buyer: string
  seller: string
  cid: string
  version: string
  deadline: string
}

/** A pending hold outlives the order's deadline by this much, so the sweeper, not the ledger, ends it. */
export const HOLD_MARGIN_MS = 3600_000
/** A decided settlement not applied after this long is applied again by the sweeper. */
export const APPLY_GRACE_MS = 30_000
/** Settlement codes meaning the hold is gone already (expired back to the buyer). */
const HOLD_GONE: ReadonlySet<string> = new Set(['LEDGER_PENDING_EXPIRED', 'LEDGER_PENDING_CLOSED'])

export const orderRef = (orderId: string): string => `mk:${orderId}`
export const orderHold = (orderId: string): string => `mk:${orderId}:hold`
export const orderEscrowAccount = (orderId: string): string => `escrow:mk:${orderId}`
const newOrderId = (): string => `o_${randomBytes(8).toString('hex')}`
const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex')

const toPlan = (t: TransferInput): PlannedTransfer => {
  const { amount, pending: _pending, ...rest } = t
  return { ...rest, ...(amount === undefined ? {} : { amount: amount.toString() }) }
}
const fromPlan = (t: PlannedTransfer): TransferInput => {
  const { amount, kind, ...rest } = t
  return { ...rest, ...(amount === undefined ? {} : { amount: BigInt(amount) }), ...(kind === undefined ? {} : { kind: kind as TransferKind }) }
}

export class OrderService {
  constructor(private readonly c: OrderServiceComponents) {}

  /**
   * Buys a listing: holds the price (per-call: calls × price) in the order's escrow and records the
   * order. With an idempotency key already used for the same purchase, answers that order
   * (created false); nothing is held twice.
   */
  async buy(buyer: string, listingId: string, body: OrderCreate, idempotencyKey?: string): Promise<{ order: Order; created: boolean }> {
    const listing = await this.c.listing(listingId)
    if (listing === undefined) throw new W3aiError('MARKET_LISTING_NOT_FOUND', `No listing ${listingId}.`)
    if (listing.seller === buyer) throw new W3aiError('MARKET_OWN_LISTING', `Listing ${listingId} is yours; you cannot buy it.`)
    const perCall = listing.access === 'per-call'
    if (perCall && body.calls === undefined) throw new W3aiError('VALIDATION_FAILED', 'A per-call listing is bought as an allowance: name the calls to prepay.', { field: 'calls' })
    if (!perCall && body.calls !== undefined) throw new W3aiError('VALIDATION_FAILED', `A ${listing.access} listing is bought once; calls are for per-call listings.`, { field: 'calls' })
    const requestDigest = digest({ listingId, body })
    if (idempotencyKey !== undefined) {
      const earlier = await this.c.orders.byIdempotencyKey(buyer, idempotencyKey)
      if (earlier !== undefined) return { order: this.again(earlier, idempotencyKey, requestDigest), created: false }
    }
    const price = BigInt(listing.price)
    const calls = body.calls ?? null
    const amount = price * BigInt(calls ?? 1)
    const deadlineMs = body.deadlineMs ?? (perCall ? DEFAULT_ALLOWANCE_DEADLINE_MS : DEFAULT_ORDER_DEADLINE_MS)
    const id = newOrderId()
    await this.hold(buyer, id, listingId, amount, deadlineMs + HOLD_MARGIN_MS)
    const { order, created } = await this.c.orders.insert({
      id,
      listingId,
      buyer,
      seller: listing.seller,
      mode: listing.access,
      price,
      amount,
      version: listing.latest.version,
      cid: listing.latest.cid,
      status: listing.access === 'download' ? 'pending' : 'active',
      calls,
      deadlineMs,
      idempotencyKey,
      requestDigest,
    })
    if (!created) {
      // The same purchase made meanwhile under this key: its hold stands, this one goes back.
      await this.c.ledger.transfer([{ id: `${orderRef(id)}:refund`, void: orderHold(id) }]).catch(this.c.onError)
      return { order: this.again(order, idempotencyKey as string, requestDigest), created: false }
    }
    this.announce(order)
    return { order: render(order), created: true }
  }

  /** One order, for its buyer or seller only (anyone else: MARKET_ORDER_NOT_FOUND). */
  async view(accountId: string, orderId: string): Promise<Order> {
    return render(await this.party(accountId, orderId))
  }

  async list(accountId: string, q: OrderListQuery): Promise<OrderPage> {
    const page = await this.c.orders.list(accountId, q.role ?? 'buyer', q.status, { ...(q.limit === undefined ? {} : { limit: q.limit }), ...(q.cursor === undefined ? {} : { cursor: q.cursor }) })
    return { orders: page.items.map(render), nextCursor: page.nextCursor }
  }

  /**
   * The seller's side delivers a download: the object key wrapped to the buyer. The order becomes
   * fulfilled, the buyer may read the object, and the escrow pays the seller less the fee. Sending
   * the same key again answers the order again.
   */
  async fulfil(seller: string, orderId: string, wrappedKey: WrappedKey): Promise<Order> {
    const order = await this.party(seller, orderId)
    if (order.seller !== seller) throw new W3aiError('MARKET_NOT_SELLER', `Only the seller fulfils order ${orderId}.`)
    if (order.mode !== 'download') throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is ${order.mode}; only download orders are fulfilled with a key.`, { mode: order.mode })
    if (order.status === 'pending') {
      const plan = await this.payPlan(order, order.amount)
      const decided = await this.c.orders.decide(orderId, { status: 'pending', beforeDeadline: true }, { status: 'fulfilled', plan, wrappedKey })
      if (decided !== undefined) return this.deliver(decided, wrappedKey)
    }
    const now = (await this.c.orders.get(orderId)) as OrderRecord
    if (now.status === 'fulfilled' && sameKey(now.wrappedKey, wrappedKey)) return this.deliver(now, wrappedKey)
    const why = now.status === 'pending' ? `its deadline ${now.deadline} has passed (it is being refunded)` : `it is ${now.status}`
    throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} cannot be fulfilled: ${why}.`, { status: now.status === 'pending' ? 'refunded' : now.status, deadline: now.deadline })
  }

  /** The buyer closes a per-call allowance: the seller is paid for the calls used, the rest comes back. */
  async close(buyer: string, orderId: string): Promise<Order> {
    const order = await this.party(buyer, orderId)
    if (order.buyer !== buyer) throw new W3aiError('AUTH_WRONG_IDENTITY', `Only the buyer closes order ${orderId}.`)
    if (order.mode !== 'per-call' || order.status !== 'active') throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is a ${order.mode} order, ${order.status}; only an active per-call allowance is closed.`, { status: order.status })
    return render(await this.settleAllowance(order))
  }

  /**
   * Counts one call of a per-call order, once per request id (a retry counts nothing more); the
   * last call of the allowance settles it. For the serving domain: call before forwarding.
   */
  async consumeCall(orderId: string, requestId: string): Promise<{ order: Order; replay: boolean }> {
    const out = await this.c.orders.consume(orderId, requestId)
    if (out.kind === 'missing') throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${orderId}.`)
    if (out.kind === 'exhausted') throw new W3aiError('MARKET_ALLOWANCE_EXHAUSTED', `Order ${orderId} has used all its ${out.order.calls ?? 0} calls.`, { calls: out.order.calls, used: out.order.used })
    if (out.kind === 'state') {
      const past = out.order.status === 'active' && out.order.plan === null
      throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is ${past ? 'past its deadline' : `a ${out.order.mode} order, ${out.order.status}`}; it takes no calls.`, { status: out.order.status, mode: out.order.mode })
    }
    let order = out.order
    if (!out.replay) {
      if (order.used >= (order.calls ?? 0)) order = await this.settleAllowance(order)
      else this.announce(order)
    }
    return { order: render(order), replay: out.replay }
  }

  /** The right a compute-only order gives, while it is active and before its deadline (MARKET_INVALID_STATE otherwise). */
  async computeGrant(orderId: string): Promise<ComputeGrant> {
    const order = await this.c.orders.get(orderId)
    if (order === undefined) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${orderId}.`)
    if (order.mode !== 'compute-only' || order.status !== 'active' || order.plan !== null || Date.parse(order.deadline) <= Date.now()) {
      throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is a ${order.mode} order, ${order.status}; it grants no compute.`, { status: order.status, mode: order.mode, deadline: order.deadline })
    }
    return { orderId, listingId: order.listingId, buyer: order.buyer, seller: order.seller, cid: order.cid, version: order.version, deadline: order.deadline }
  }

  /** The buyer's job on a compute-only order is done: the order is fulfilled and the seller paid. For the compute domain. */
  async completeCompute(orderId: string): Promise<Order> {
    const order = await this.c.orders.get(orderId)
    if (order === undefined) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${orderId}.`)
    if (order.mode !== 'compute-only') throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is ${order.mode}, not compute-only.`, { mode: order.mode })
    if (order.status === 'active') {
      const decided = await this.c.orders.decide(orderId, { status: 'active' }, { status: 'fulfilled', plan: await this.payPlan(order, order.amount) })
      if (decided !== undefined) return render(await this.apply(decided))
    }
    const now = (await this.c.orders.get(orderId)) as OrderRecord
    if (now.status === 'fulfilled') return render(now)
    throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is ${now.status}; it can no longer be completed.`, { status: now.status })
  }

  /**
   * One sweep: open orders past their deadline are closed (a download or compute right refunded,
   * an allowance settled for what was used), and decided settlements left unapplied are applied.
   */
  async sweep(): Promise<number> {
    let done = 0
    for (const order of await this.c.orders.due()) {
      try {
        if (order.mode === 'per-call') await this.settleAllowance(order)
        else {
          const decided = await this.c.orders.decide(order.id, { status: order.status, beforeDeadline: false }, { status: 'refunded', plan: refundPlan(order.id) })
          if (decided !== undefined) await this.apply(decided)
        }
        done++
      } catch (err) {
        this.c.onError(err)
      }
    }
    for (const order of await this.c.orders.unapplied(APPLY_GRACE_MS)) {
      try {
        await this.apply(order)
        done++
      } catch (err) {
        this.c.onError(err)
      }
    }
    return done
  }

  private async hold(buyer: string, orderId: string, listingId: string, amount: bigint, timeoutMs: number): Promise<void> {
    const debit = `user:${buyer}`
    const [result] = await this.c.ledger.transfer([
      { id: orderHold(orderId), debit, credit: orderEscrowAccount(orderId), amount, kind: 'escrow', pending: { timeoutMs }, memo: `market order ${orderId} for listing ${listingId}` },
    ])
    if (result?.code === 'LEDGER_INSUFFICIENT_FUNDS') {
      const { available } = await this.c.ledger.wallet(debit)
      throw new W3aiError('LEDGER_INSUFFICIENT_FUNDS', `This purchase holds ${amount} units; your wallet has ${available} available. Nothing was held or ordered.`, { needed: amount.toString(), available })
    }
    if (result?.code !== 'ok') throw new W3aiError((result?.code ?? 'INTERNAL') as ErrorCode, result?.message)
  }

  /** Settles an allowance for the calls used (none used: all of it back); retried while calls race it. */
  private async settleAllowance(order: OrderRecord): Promise<OrderRecord> {
    let current = order
    for (let attempt = 0; attempt < 5; attempt++) {
      if (current.status !== 'active' || current.plan !== null) return current
      const used = BigInt(current.used)
      const to = used === 0n ? { status: 'refunded' as const, plan: refundPlan(current.id) } : { status: 'exhausted' as const, plan: await this.payPlan(current, used * current.price) }
      const decided = await this.c.orders.decide(current.id, { status: 'active', used: current.used }, to)
      if (decided !== undefined) return this.apply(decided)
      current = (await this.c.orders.get(current.id)) as OrderRecord
    }
    throw new W3aiError('INTERNAL', `order ${order.id}: its allowance kept changing while being settled`)
  }

  private async payPlan(order: OrderRecord, total: bigint): Promise<OrderPlan> {
    const account = `user:${order.seller}`
    const s = settlementChain({
      ref: orderRef(order.id),
      hold: orderHold(order.id),
      escrow: orderEscrowAccount(order.id),
      payees: [{ account, charge: total, memo: `market order ${order.id}` }],
      fees: await this.c.fees(),
    })
    if (s.transfers.length === 0) return refundPlan(order.id)
    return { outcome: 'pay', total: s.total.toString(), seller: (s.payments.get(account) ?? 0n).toString(), chain: s.transfers.map(toPlan) }
  }

  /** The download is decided fulfilled: the buyer gets read access, the seller its pay. */
  private async deliver(order: OrderRecord, wrappedKey: WrappedKey): Promise<Order> {
    await this.c.grantRead(order.cid, order.buyer, wrappedKey, order.seller)
    return render(order.applied ? order : await this.apply(order))
  }

  /** Applies a decided plan once (a retry finds its transfers 'exists'); the hold gone meanwhile means the buyer has it back. */
  private async apply(order: OrderRecord): Promise<OrderRecord> {
    const plan = order.plan
    if (plan === null || order.applied) return order
    const results: TransferResult[] = await this.c.ledger.transfer(plan.chain.map(fromPlan))
    const failed = results.find((r) => r.code !== 'ok' && r.code !== 'exists' && r.code !== 'LEDGER_LINKED_FAILED')
    if (failed !== undefined && !HOLD_GONE.has(failed.code)) throw new W3aiError(failed.code as ErrorCode, `settlement of market order ${order.id}: ${failed.id} ${failed.message ?? failed.code}`)
    const gone = failed !== undefined
    const done = (await this.c.orders.applied(order.id, gone || plan.outcome === 'refund' ? 0n : BigInt(plan.seller), gone && plan.outcome === 'pay')) ?? ((await this.c.orders.get(order.id)) as OrderRecord)
    this.announce(done)
    return done
  }

  /** The order, if the account is its buyer or seller. */
  private async party(accountId: string, orderId: string): Promise<OrderRecord> {
    const order = await this.c.orders.get(orderId)
    if (order === undefined || (order.buyer !== accountId && order.seller !== accountId)) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${orderId} among your purchases and sales.`)
    return order
  }

  /** The first answer for the same purchase under the same key; another purchase under it is refused. */
  private again(order: OrderRecord, key: string, requestDigest: string): Order {
    if (order.requestDigest !== requestDigest) throw new W3aiError('VALIDATION_FAILED', `Idempotency key ${key} was used for another purchase (${order.id}); use a new key.`, { orderId: order.id })
    return render(order)
  }

  private announce(order: OrderRecord): void {
    this.c.publish({ type: 'market.order.updated', orderId: order.id, listingId: order.listingId, status: order.status, buyer: order.buyer, seller: order.seller })
  }
}

const refundPlan = (orderId: string): OrderPlan => ({ outcome: 'refund', total: '0', seller: '0', chain: [{ id: `${orderRef(orderId)}:refund`, void: orderHold(orderId) }] })

const sameKey = (a: WrappedKey | null, b: WrappedKey): boolean => a !== null && a.alg === b.alg && a.epk === b.epk && a.nonce === b.nonce && a.ct === b.ct

/** The wire form of an order. */
export function render(o: OrderRecord): Order {
  const status: OrderStatus = o.status
  return {
    id: o.id,
    listingId: o.listingId,
    buyer: o.buyer,
    seller: o.seller,
    mode: o.mode,
    price: o.price.toString(),
    amount: o.amount.toString(),
    version: o.version,
    cid: o.cid,
    status,
    deadline: o.deadline,
    allowance: o.calls === null ? null : { calls: o.calls, used: o.used },
    wrappedKey: o.wrappedKey,
    paid: o.paid === null ? null : o.paid.toString(),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  }
}
