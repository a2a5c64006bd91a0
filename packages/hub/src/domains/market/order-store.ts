/**
 * SQL of market orders and their per-call use. Every change of an order's status is a
 * conditional UPDATE from the status it was read in, so two hubs (or a request and the sweeper)
 * never both decide one order: the first wins, the other finds the order moved on.
 */
import type { AccessMode, OrderStatus, WrappedKey } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'

/** One transfer of a decided settlement, amounts as decimal strings (kept as JSON). */
export interface PlannedTransfer {
  id: string
  debit?: string
  credit?: string
  amount?: string
  kind?: string
  post?: string
  void?: string
  linked?: boolean
  memo?: string
}

/** The settlement decided for an order: pay (the seller gets `seller`) or refund, and the transfers to apply. */
export interface OrderPlan {
  outcome: 'pay' | 'refund'
  /** Units taken from the hold ('0' for a refund). */
  total: string
  /** What the seller receives ('0' for a refund). */
  seller: string
  chain: PlannedTransfer[]
}

export interface OrderRecord {
  id: string
  listingId: string
  buyer: string
  seller: string
  mode: AccessMode
  price: bigint
  amount: bigint
  version: string
  cid: string
  status: OrderStatus
  deadline: string
  calls: number | null
  used: number
  wrappedKey: WrappedKey | null
  plan: OrderPlan | null
  applied: boolean
  paid: bigint | null
  idempotencyKey: string | null
  requestDigest: string
  createdAt: string
  updatedAt: string
}

export type NewOrder = Pick<OrderRecord, 'id' | 'listingId' | 'buyer' | 'seller' | 'mode' | 'price' | 'amount' | 'version' | 'cid' | 'status' | 'calls' | 'requestDigest'> & {
  deadlineMs: number
  idempotencyKey: string | undefined
}

interface RawOrder {
  id: string
  listing_id: string
  buyer: string
  seller: string
  mode: AccessMode
  price: string | number
  amount: string | number
  version: string
  cid: string
  status: OrderStatus
  deadline: Date | string
  calls: number | null
  used: number
  wrapped_key: WrappedKey | null
  plan: OrderPlan | null
  applied: boolean
  paid: string | number | null
  idempotency_key: string | null
  request_digest: string
  created_at: Date | string
  updated_at: Date | string
}

const iso = (v: Date | string): string => new Date(v).toISOString()
const big = (v: string | number): bigint => BigInt(typeof v === 'number' ? Math.trunc(v) : v)

const toOrder = (r: RawOrder): OrderRecord => ({
  id: r.id,
  listingId: r.listing_id,
  buyer: r.buyer,
  seller: r.seller,
  mode: r.mode,
  price: big(r.price),
  amount: big(r.amount),
  version: r.version,
  cid: r.cid,
  status: r.status,
  deadline: iso(r.deadline),
  calls: r.calls,
  used: Number(r.used),
  wrappedKey: r.wrapped_key,
  plan: r.plan,
  applied: r.applied,
  paid: r.paid === null ? null : big(r.paid),
  idempotencyKey: r.idempotency_key,
  requestDigest: r.request_digest,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
})

const COLUMNS = 'o.*'
const PAGES = new NewestFirst('market-orders', /^o_[0-9a-f]{16}$/)

/** What a per-call use did: counted now, counted before (the same request id), or refused. */
export type CallOutcome =
  | { kind: 'counted'; order: OrderRecord; replay: boolean }
  | { kind: 'missing' }
  | { kind: 'state'; order: OrderRecord }
  | { kind: 'exhausted'; order: OrderRecord }

export class OrderStore {
  constructor(private readonly db: Database) {}

  /** Inserts an order; with an idempotency key this buyer already used, answers that order instead (created false). */
  async insert(o: NewOrder): Promise<{ order: OrderRecord; created: boolean }> {
    const r = await this.db.query<RawOrder>(
      `INSERT INTO market_orders (id, listing_id, buyer, seller, mode, price, amount, version, cid, status, deadline, calls, idempotency_key, request_digest)
       VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8, $9, $10, now() + ($11::text || ' milliseconds')::interval, $12, $13, $14)
       ON CONFLICT (buyer, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING *`,
      [o.id, o.listingId, o.buyer, o.seller, o.mode, o.price.toString(), o.amount.toString(), o.version, o.cid, o.status, String(o.deadlineMs), o.calls, o.idempotencyKey ?? null, o.requestDigest],
    )
    const row = r.rows[0]
    if (row !== undefined) return { order: toOrder(row), created: true }
    const again = await this.byIdempotencyKey(o.buyer, o.idempotencyKey as string)
    if (again === undefined) throw new Error(`order ${o.id} neither inserted nor found`)
    return { order: again, created: false }
  }

  async get(id: string): Promise<OrderRecord | undefined> {
    const r = await this.db.query<RawOrder>(`SELECT ${COLUMNS} FROM market_orders o WHERE o.id = $1`, [id])
    return r.rows[0] === undefined ? undefined : toOrder(r.rows[0])
  }

  async byIdempotencyKey(buyer: string, key: string): Promise<OrderRecord | undefined> {
    const r = await this.db.query<RawOrder>(`SELECT ${COLUMNS} FROM market_orders o WHERE o.buyer = $1 AND o.idempotency_key = $2`, [buyer, key])
    return r.rows[0] === undefined ? undefined : toOrder(r.rows[0])
  }

  /** The account's purchases (buyer) or sales (seller), newest first. */
  async list(accountId: string, role: 'buyer' | 'seller', status: OrderStatus | undefined, request: PageRequest = {}): Promise<Page<OrderRecord>> {
    const params: unknown[] = [accountId]
    const column = role === 'seller' ? 'o.seller' : 'o.buyer'
    const where = [`${column} = $1`]
    if (status !== undefined) where.push(`o.status = $${params.push(status)}`)
    const after = PAGES.where(request, params, 'o.created_at', 'o.id')
    if (after !== undefined) where.push(after)
    const r = await this.db.query<RawOrder & { cursor_at: string }>(
      `SELECT ${COLUMNS}, ${keysetTime('o.created_at')} AS cursor_at FROM market_orders o WHERE ${where.join(' AND ')}
       ${PAGES.order('o.created_at', 'o.id')} LIMIT $${params.push(PAGES.limit(request) + 1)}`,
      params,
    )
    return PAGES.page(r.rows, request, (row) => row.id, toOrder)
  }

  /**
   * Decides an order: moves it from `from` (and, for an allowance, `used` calls) to `to` with its
   * settlement plan; undefined when it is no longer there (another request or hub decided first).
   * `beforeDeadline`: only while the deadline has not passed (a fulfilment); false: only once it has.
   */
  async decide(
    id: string,
    from: { status: OrderStatus; used?: number; beforeDeadline?: boolean },
    to: { status: OrderStatus; plan: OrderPlan; wrappedKey?: WrappedKey },
  ): Promise<OrderRecord | undefined> {
    const params: unknown[] = [id, from.status, to.status, JSON.stringify(to.plan)]
    const where = ['id = $1', 'status = $2', 'plan IS NULL']
    if (from.used !== undefined) where.push(`used = $${params.push(from.used)}`)
    if (from.beforeDeadline === true) where.push('deadline > now()')
    if (from.beforeDeadline === false) where.push('deadline <= now()')
    const key = to.wrappedKey === undefined ? '' : `, wrapped_key = $${params.push(JSON.stringify(to.wrappedKey))}::jsonb`
    const r = await this.db.query<RawOrder>(
      `UPDATE market_orders SET status = $3, plan = $4::jsonb${key}, updated_at = now() WHERE ${where.join(' AND ')} RETURNING *`,
      params,
    )
    return r.rows[0] === undefined ? undefined : toOrder(r.rows[0])
  }

  /** The plan was applied: records what the seller got (and, when the hold was gone, that the order was refunded after all). */
  async applied(id: string, paid: bigint, refundedInstead: boolean): Promise<OrderRecord | undefined> {
    const r = await this.db.query<RawOrder>(
      `UPDATE market_orders SET applied = true, paid = $2::numeric${refundedInstead ? ", status = 'refunded'" : ''}, updated_at = now() WHERE id = $1 AND NOT applied RETURNING *`,
      [id, paid.toString()],
    )
    return r.rows[0] === undefined ? undefined : toOrder(r.rows[0])
  }

  /** Open orders past their deadline (pending downloads, active rights and allowances), oldest first. */
  async due(limit = 100): Promise<OrderRecord[]> {
    const r = await this.db.query<RawOrder>(
      `SELECT ${COLUMNS} FROM market_orders o WHERE o.status IN ('pending', 'active') AND o.deadline <= now() AND o.plan IS NULL ORDER BY o.deadline LIMIT $1`,
      [limit],
    )
    return r.rows.map(toOrder)
  }

  /** Orders decided at least `graceMs` ago whose plan is not applied yet (a crash between the two). */
  async unapplied(graceMs: number, limit = 100): Promise<OrderRecord[]> {
    const r = await this.db.query<RawOrder>(
      `SELECT ${COLUMNS} FROM market_orders o WHERE o.plan IS NOT NULL AND NOT o.applied AND o.updated_at < now() - ($1::text || ' milliseconds')::interval ORDER BY o.updated_at LIMIT $2`,
      [String(graceMs), limit],
    )
    return r.rows.map(toOrder)
  }

  /**
   * Counts one call against an active allowance, once per request id: the order row is locked, so
   * concurrent calls count one after another and never past the allowance.
   */
  async consume(orderId: string, requestId: string): Promise<CallOutcome> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<RawOrder & { open: boolean }>(`SELECT ${COLUMNS}, o.deadline > now() AS open FROM market_orders o WHERE o.id = $1 FOR UPDATE`, [orderId])
      const row = r.rows[0]
      if (row === undefined) return { kind: 'missing' }
      const order = toOrder(row)
      const seen = await tx.query('SELECT seq FROM market_calls WHERE order_id = $1 AND request_id = $2', [orderId, requestId])
      if (seen.rows.length > 0) return { kind: 'counted', order, replay: true }
      // An allowance used up (and settled by its last call) says so, not merely that it is closed.
      if (order.mode === 'per-call' && order.used >= (order.calls ?? 0)) return { kind: 'exhausted', order }
      if (order.mode !== 'per-call' || order.status !== 'active' || order.plan !== null || !row.open) return { kind: 'state', order }
      await tx.query('INSERT INTO market_calls (order_id, request_id, seq) VALUES ($1, $2, $3)', [orderId, requestId, order.used + 1])
      const u = await tx.query<RawOrder>(`UPDATE market_orders SET used = used + 1, updated_at = now() WHERE id = $1 RETURNING *`, [orderId])
      return { kind: 'counted', order: toOrder(u.rows[0] as RawOrder), replay: false }
    })
  }
}
