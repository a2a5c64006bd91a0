/** SQL of reviews: one per order (a unique order id), each change recomputing its listing's rating in the same transaction. */
import type { Review } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page, type PageRequest } from '../../infra/paging.js'
import type { ListingStore } from './store.js'

interface RawReview {
  id: string
  order_id: string
  listing_id: string
  buyer: string
  rating: number
  text: string
  answer: string | null
  answered_at: Date | string | null
  created_at: Date | string
  updated_at: Date | string
}

const iso = (v: Date | string): string => new Date(v).toISOString()

const toReview = (r: RawReview): Review => ({
  id: r.id,
  orderId: r.order_id,
  listingId: r.listing_id,
  buyer: r.buyer,
  rating: Number(r.rating),
  text: r.text,
  answer: r.answer,
  answeredAt: r.answered_at === null ? null : iso(r.answered_at),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
})

const PAGES = new NewestFirst('market-reviews', /^r_[0-9a-f]{20}$/)

export class ReviewStore {
  constructor(
    private readonly db: Database,
    private readonly listings: Pick<ListingStore, 'rerate'>,
  ) {}

  /** Adds the order's review; undefined when the order has one already. */
  async create(r: Pick<Review, 'id' | 'orderId' | 'listingId' | 'buyer' | 'rating' | 'text'>): Promise<Review | undefined> {
    return this.db.transaction(async (tx) => {
      const out = await tx.query<RawReview>(
        `INSERT INTO market_reviews (id, order_id, listing_id, buyer, rating, text) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING RETURNING *`,
        [r.id, r.orderId, r.listingId, r.buyer, r.rating, r.text],
      )
      const row = out.rows[0]
      if (row === undefined) return undefined
      await this.listings.rerate(tx, r.listingId)
      return toReview(row)
    })
  }

  async get(id: string): Promise<Review | undefined> {
    const r = await this.db.query<RawReview>('SELECT * FROM market_reviews WHERE id = $1', [id])
    return r.rows[0] === undefined ? undefined : toReview(r.rows[0])
  }

  async ofOrder(orderId: string): Promise<Review | undefined> {
    const r = await this.db.query<RawReview>('SELECT * FROM market_reviews WHERE order_id = $1', [orderId])
    return r.rows[0] === undefined ? undefined : toReview(r.rows[0])
  }

  /** Changes the rating and/or text. */
  async edit(id: string, change: { rating?: number; text?: string }): Promise<Review | undefined> {
    return this.db.transaction(async (tx) => {
      const out = await tx.query<RawReview>(
        `UPDATE market_reviews SET rating = coalesce($2, rating), text = coalesce($3, text), updated_at = now() WHERE id = $1 RETURNING *`,
        [id, change.rating ?? null, change.text ?? null],
      )
      const row = out.rows[0]
      if (row === undefined) return undefined
      if (change.rating !== undefined) await this.listings.rerate(tx, row.listing_id)
      return toReview(row)
    })
  }

  /** Sets (or replaces) the seller's answer. */
  async answer(id: string, text: string): Promise<Review | undefined> {
    const out = await this.db.query<RawReview>(`UPDATE market_reviews SET answer = $2, answered_at = now() WHERE id = $1 RETURNING *`, [id, text])
    return out.rows[0] === undefined ? undefined : toReview(out.rows[0])
  }

  /** A listing's reviews, newest first. */
  async list(listingId: string, request: PageRequest = {}): Promise<Page<Review>> {
    const params: unknown[] = [listingId]
    const after = PAGES.where(request, params, 'created_at', 'id')
    const r = await this.db.query<RawReview & { cursor_at: string }>(
      `SELECT *, ${keysetTime('created_at')} AS cursor_at FROM market_reviews WHERE listing_id = $1${after === undefined ? '' : ` AND ${after}`}
       ${PAGES.order('created_at', 'id')} LIMIT $${params.push(PAGES.limit(request) + 1)}`,
      params,
    )
    return PAGES.page(r.rows, request, (row) => row.id, toReview)
  }
}
