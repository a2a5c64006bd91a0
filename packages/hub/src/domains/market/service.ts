/**
 * The market's rules for listings and reviews: who may publish, change and answer what, and what a
 * listing may say. A listing names objects in W3S by CID, and its seller must be able to read each
 * one (its own, or one shared with it): the hub checks this through the storage domain and never
 * sees a key. Reviews come from buyers only, one per order, editable by their author; the seller
 * may answer; each change recomputes the listing's rating. Orders are orders.ts.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  MARKET_PRICE_MAX,
  MARKET_PRICE_MIN,
  MAX_CARD_BYTES,
  MAX_LISTING_VERSIONS,
  W3aiError,
  type AccessMode,
  type Card,
  type Listing,
  type ListingDraft,
  type ListingKind,
  type ListingPatch,
  type ListingVersionCreate,
  type Review,
  type ReviewAnswer,
  type ReviewCreate,
  type ReviewPage,
  type ReviewPatch,
  type SearchPage,
  type SearchQuery,
} from '@w3ai/protocol'
import type { PageRequest } from '../../infra/paging.js'
import type { OrderStore } from './order-store.js'
import type { ReviewStore } from './review-store.js'
import type { ListingStore } from './store.js'

/** The access modes each kind is sold under: compute-only is for data, per-call for what runs. */
export const ACCESS_BY_KIND: Readonly<Record<ListingKind, readonly AccessMode[]>> = {
  model: ['download', 'per-call'],
  dataset: ['download', 'compute-only'],
  app: ['download', 'per-call'],
}
export const DEFAULT_VERSION = '1.0.0'

/** Extra checks of a listing's content (@w3ai/market's card rules, when wired); each throws a MARKET_* W3aiError. */
export interface ListingRules {
  card?: (card: Card, kind: ListingKind) => Card
}

export interface MarketServiceComponents {
  listings: ListingStore
  orders: Pick<OrderStore, 'get'>
  reviews: ReviewStore
  /** Throws (any error) unless the account may read the stored object. */
  readable: (cid: string, accountId: string) => Promise<unknown>
  rules?: ListingRules
}

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex')
const newListingId = (): string => `l_${randomBytes(10).toString('hex')}`
const newReviewId = (): string => `r_${randomBytes(10).toString('hex')}`
const REVIEWABLE: ReadonlySet<string> = new Set(['fulfilled', 'active', 'exhausted'])

export class MarketService {
  constructor(private readonly c: MarketServiceComponents) {}

  /** Publishes a listing (or, with an idempotency key already used for the same draft, answers that listing). */
  async publish(seller: string, draft: ListingDraft, idempotencyKey?: string): Promise<{ listing: Listing; created: boolean }> {
    if (!ACCESS_BY_KIND[draft.kind].includes(draft.access)) {
      throw new W3aiError('MARKET_INVALID_LISTING', `access: a ${draft.kind} is sold by ${ACCESS_BY_KIND[draft.kind].join(' or ')}, not ${draft.access}.`, { field: 'access' })
    }
    const price = this.price(draft.price)
    const card = this.card(draft.card ?? {}, draft.kind)
    const title = draft.title.trim()
    if (title === '') throw new W3aiError('MARKET_INVALID_LISTING', 'title: must not be blank.', { field: 'title' })
    await this.readable(draft.cid, seller)
    const requestDigest = digest(draft)
    const out = await this.c.listings.create({
      id: newListingId(),
      seller,
      kind: draft.kind,
      title,
      description: draft.description ?? '',
      tags: draft.tags ?? [],
      licence: draft.licence,
      access: draft.access,
      price,
      card,
      version: draft.version ?? DEFAULT_VERSION,
      cid: draft.cid,
      idempotencyKey,
      requestDigest,
    })
    if (!out.created && out.requestDigest !== requestDigest) {
      throw new W3aiError('VALIDATION_FAILED', `Idempotency key ${idempotencyKey} was used for another listing (${out.listing.id}); use a new key.`, { listingId: out.listing.id })
    }
    return { listing: out.listing, created: out.created }
  }

  async get(id: string): Promise<Listing> {
    const listing = await this.c.listings.get(id)
    if (listing === undefined) throw new W3aiError('MARKET_LISTING_NOT_FOUND', `No listing ${id}.`)
    return listing
  }

  /** The seller changes what a listing says (kind, access and versions stay). */
  async patch(seller: string, id: string, patch: ListingPatch): Promise<Listing> {
    const listing = await this.owned(seller, id)
    const title = patch.title?.trim()
    if (title === '') throw new W3aiError('MARKET_INVALID_LISTING', 'title: must not be blank.', { field: 'title' })
    const changes = {
      ...(title === undefined ? {} : { title }),
      ...(patch.description === undefined ? {} : { description: patch.description }),
      ...(patch.tags === undefined ? {} : { tags: patch.tags }),
      ...(patch.licence === undefined ? {} : { licence: patch.licence }),
      ...(patch.price === undefined ? {} : { price: this.price(patch.price) }),
      ...(patch.card === undefined ? {} : { card: this.card(patch.card, listing.kind) }),
    }
    return (await this.c.listings.update(id, changes)) ?? this.get(id)
  }

  /** Adds a version (a new name, an object the seller can read); buyers from now on get it. */
  async addVersion(seller: string, id: string, body: ListingVersionCreate): Promise<Listing> {
    const listing = await this.owned(seller, id)
    if (listing.versions.some((v) => v.version === body.version)) throw new W3aiError('MARKET_VERSION_EXISTS', `Listing ${id} already has version ${body.version}.`, { version: body.version })
    if (listing.versions.length >= MAX_LISTING_VERSIONS) throw new W3aiError('MARKET_INVALID_LISTING', `versions: a listing holds at most ${MAX_LISTING_VERSIONS} versions.`, { field: 'versions' })
    await this.readable(body.cid, seller)
    if (!(await this.c.listings.addVersion(id, body.version, body.cid))) throw new W3aiError('MARKET_VERSION_EXISTS', `Listing ${id} already has version ${body.version}.`, { version: body.version })
    return this.get(id)
  }

  /** One page of a search: ranked by the text when there is one, else newest first. */
  async search(q: SearchQuery): Promise<SearchPage> {
    const minPrice = q.minPrice === undefined ? undefined : BigInt(q.minPrice)
    const maxPrice = q.maxPrice === undefined ? undefined : BigInt(q.maxPrice)
    if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
      throw new W3aiError('MARKET_INVALID_QUERY', `minPrice (${minPrice}) is above maxPrice (${maxPrice}).`, { field: 'minPrice' })
    }
    const { minPrice: _min, maxPrice: _max, ...rest } = q
    const page = await this.c.listings.search({ ...rest, ...(minPrice === undefined ? {} : { minPrice }), ...(maxPrice === undefined ? {} : { maxPrice }) })
    return { listings: page.items, nextCursor: page.nextCursor }
  }

  /** The buyer reviews a delivered purchase, once. */
  async review(buyer: string, orderId: string, body: ReviewCreate): Promise<Review> {
    const order = await this.c.orders.get(orderId)
    if (order === undefined || (order.buyer !== buyer && order.seller !== buyer)) throw new W3aiError('MARKET_ORDER_NOT_FOUND', `No order ${orderId} among your purchases and sales.`)
    if (order.buyer !== buyer) throw new W3aiError('MARKET_REVIEW_NOT_ALLOWED', 'Only the buyer reviews a purchase; a seller answers reviews instead.')
    if (!REVIEWABLE.has(order.status)) throw new W3aiError('MARKET_REVIEW_NOT_ALLOWED', `Order ${orderId} is ${order.status}: review it once it is delivered.`, { status: order.status })
    const created = await this.c.reviews.create({ id: newReviewId(), orderId, listingId: order.listingId, buyer, rating: body.rating, text: body.text ?? '' })
    if (created !== undefined) return created
    const existing = await this.c.reviews.ofOrder(orderId)
    throw new W3aiError('MARKET_REVIEW_EXISTS', `Order ${orderId} already has review ${existing?.id ?? ''}; edit it instead.`, { reviewId: existing?.id })
  }

  /** The author edits a review. */
  async editReview(buyer: string, reviewId: string, patch: ReviewPatch): Promise<Review> {
    const review = await this.c.reviews.get(reviewId)
    if (review === undefined) throw new W3aiError('MARKET_REVIEW_NOT_FOUND', `No review ${reviewId}.`)
    if (review.buyer !== buyer) throw new W3aiError('AUTH_WRONG_IDENTITY', 'Only its author edits a review.')
    return (await this.c.reviews.edit(reviewId, patch)) ?? review
  }

  /** The listing's seller answers a review (again: replaces the answer). */
  async answer(seller: string, reviewId: string, body: ReviewAnswer): Promise<Review> {
    const review = await this.c.reviews.get(reviewId)
    if (review === undefined) throw new W3aiError('MARKET_REVIEW_NOT_FOUND', `No review ${reviewId}.`)
    if ((await this.c.listings.seller(review.listingId)) !== seller) throw new W3aiError('MARKET_NOT_SELLER', "Only the listing's seller answers its reviews.")
    return (await this.c.reviews.answer(reviewId, body.text)) ?? review
  }

  async reviews(listingId: string, request: PageRequest): Promise<ReviewPage> {
    if ((await this.c.listings.seller(listingId)) === undefined) throw new W3aiError('MARKET_LISTING_NOT_FOUND', `No listing ${listingId}.`)
    const page = await this.c.reviews.list(listingId, request)
    return { reviews: page.items, nextCursor: page.nextCursor }
  }

  private async owned(seller: string, id: string): Promise<Listing> {
    const listing = await this.get(id)
    if (listing.seller !== seller) throw new W3aiError('MARKET_NOT_SELLER', `Listing ${id} is not yours.`)
    return listing
  }

  private price(text: string): bigint {
    const units = BigInt(text)
    if (units < BigInt(MARKET_PRICE_MIN) || units > BigInt(MARKET_PRICE_MAX)) {
      throw new W3aiError('MARKET_PRICE_OUT_OF_BOUNDS', `price: ${units} units is outside ${MARKET_PRICE_MIN}..${MARKET_PRICE_MAX} units.`, { field: 'price', price: units.toString(), min: MARKET_PRICE_MIN, max: MARKET_PRICE_MAX })
    }
    return units
  }

  private card(card: Card, kind: ListingKind): Card {
    const bytes = Buffer.byteLength(JSON.stringify(card))
    if (bytes > MAX_CARD_BYTES) throw new W3aiError('MARKET_INVALID_CARD', `card: ${bytes} bytes of JSON; at most ${MAX_CARD_BYTES}.`, { field: 'card', bytes, max: MAX_CARD_BYTES })
    return this.c.rules?.card?.(card, kind) ?? card
  }

  private async readable(cid: string, seller: string): Promise<void> {
    try {
      await this.c.readable(cid, seller)
    } catch (err) {
      if (err instanceof W3aiError && (err.code === 'STORAGE_OBJECT_NOT_FOUND' || err.code === 'STORAGE_ACCESS_DENIED')) {
        throw new W3aiError('MARKET_OBJECT_NOT_READABLE', `${cid} is ${err.code === 'STORAGE_OBJECT_NOT_FOUND' ? 'not a stored object' : 'neither yours nor shared with you'}; list only objects you can read.`, { cid })
      }
      throw err
    }
  }
}
