/**
 * The marketplace from the client side: search listings of models, datasets and apps, publish and
 * update your own, buy, review, and, as a seller, fulfil download orders. A listing's object stays
 * encrypted in W3S: fulfilling a download unwraps the object key here with the seller's identity
 * and wraps it to the buyer's account encryption key, so the hub only ever holds wrapped keys. The
 * buyer then reads the object like any object shared with it (`download`, or `storage.get(order.cid)`).
 * Prices are units (1 token = 10^18 units) as decimal strings; `parseTokens` from @w3ai/ledger
 * turns tokens into units.
 *
 * ```ts
 * const market = new MarketClient(hub, identity)
 * const listing = await market.publish({ kind: 'dataset', title: 'Shop purchases', licence: 'CC-BY-4.0', access: 'download', price: parseTokens('2').toString(), cid })
 * for await (const l of market.searchAll({ q: 'purchases', kind: 'dataset' })) console.log(l.id, l.title)
 * const order = await market.buy(listing.id)               // the buyer: the price held in escrow
 * await sellerMarket.fulfilAll()                           // the seller's side: keys wrapped to buyers (and their jobs' nodes)
 * await market.downloadToFile(order.id, 'purchases.csv')   // the buyer: verified and decrypted
 * ```
 */
import { randomBytes } from 'node:crypto'
import { unwrapKey, wrapKey, type Identity } from '@w3ai/crypto'
import {
  IDEMPOTENCY_HEADER,
  W3aiError,
  type HubEvent,
  type Job,
  type KeyRequest,
  type KeyRequestList,
  type Listing,
  type ListingDraft,
  type ListingPatch,
  type ListingSummary,
  type ListingVersionCreate,
  type ObjectDetail,
  type ObjectSummary,
  type Order,
  type OrderListQuery,
  type OrderPage,
  type PageQuery,
  type Review,
  type ReviewCreate,
  type ReviewPage,
  type ReviewPatch,
  type SearchPage,
  type SearchQuery,
} from '@w3ai/protocol'
import type { EventsOptions, HubClient } from './client.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'
import { StorageClient, type ChunkSink, type GetOptions } from './storage.js'

/** The path prefix of the hub's market routes. */
const MARKET = '/v1/market'
const listingPath = (id: string, rest = ''): string => `${MARKET}/listings/${encodeURIComponent(id)}${rest}`
const orderPath = (id: string, rest = ''): string => `${MARKET}/orders/${encodeURIComponent(id)}${rest}`

/** A fresh idempotency key (^[A-Za-z0-9_-]{1,64}$). */
export const newIdempotencyKey = (): string => `k_${randomBytes(12).toString('hex')}`

/** Sends an Idempotency-Key and lets the client retry the request after a lost answer. */
const withKey = (key: string): { idempotent: true; headers: Record<string, string> } => ({ idempotent: true, headers: { [IDEMPOTENCY_HEADER]: key } })

export interface PublishOptions {
  /**
   * Sending the same draft again with this key answers the first listing (nothing published
   * twice); another draft under it is VALIDATION_FAILED. Default: a fresh key made here, so a
   * retry after a lost answer publishes once.
   */
  idempotencyKey?: string
}

export interface BuyOptions {
  /** Per-call listings: the calls to prepay (calls × price is held); refused for the others. */
  calls?: number
  /** How long the seller has to fulfil a download, the buyer to use a compute-only order, or the allowance stays open (ms). */
  deadlineMs?: number
  /** As for publish: the same purchase under the same key answers the first order, nothing held twice. Default: a fresh key. */
  idempotencyKey?: string
}

/** A search, its filters as the hub takes them; prices may be bigints of units. */
export type MarketSearch = Omit<SearchQuery, 'minPrice' | 'maxPrice'> & { minPrice?: string | bigint; maxPrice?: string | bigint }

/** One fulfilment of `fulfilPending`: the order fulfilled, or why it could not be. */
export type FulfilOutcome = { orderId: string; order: Order; error?: undefined } | { orderId: string; order?: undefined; error: W3aiError }

export interface FulfilPendingOptions {
  /** Told of each order as it is fulfilled or refused. */
  onOrder?: (outcome: FulfilOutcome) => void
}

/**
 * One answered key request of `answerKeyRequests`: a buyer's job on a compute-only purchase, the
 * data key wrapped to its nodes (the job as it stands after), or why it could not be.
 */
export type KeyRequestOutcome =
  | { jobId: string; orderId: string; cid: string; nodes: string[]; job: Job; error?: undefined }
  | { jobId: string; orderId: string; cid: string; nodes?: undefined; job?: undefined; error: W3aiError }

export interface AnswerKeyRequestsOptions {
  /** Told of each key request as it is answered or refused. */
  onRequest?: (outcome: KeyRequestOutcome) => void
}

export interface FulfilAllOptions extends FulfilPendingOptions, AnswerKeyRequestsOptions {}

/** An order's updates from the event stream. */
export type MarketOrderEvent = Extract<HubEvent, { type: 'market.order.updated' }>

/** A W3aiError as it is, anything else as INTERNAL. */
const asError = (err: unknown): W3aiError => (err instanceof W3aiError ? err : new W3aiError('INTERNAL', err instanceof Error ? err.message : String(err)))

export class MarketClient {
  private readonly storage: Pick<StorageClient, 'get' | 'getToFile'> | undefined

  /**
   * `identity` signs (the hub client's own) and opens keys: needed to fulfil orders and download
   * purchases; searching and reading listings need neither.
   */
  constructor(
    private readonly hub: HubClient,
    private readonly identity?: Identity,
    components: { storage?: Pick<StorageClient, 'get' | 'getToFile'> } = {},
  ) {
    this.storage = components.storage ?? (identity === undefined ? undefined : new StorageClient(hub, identity))
  }

  // ---- Listings -------------------------------------------------------------------------------

  /**
   * One page of listings: with `q` best match first (full-text rank), else newest first; filters
   * combine with AND. The page carries `nextCursor` (pass it as `cursor`; null on the last page).
   */
  async search(query: MarketSearch = {}): Promise<ListPage<ListingSummary>> {
    const page = await this.searchPage(query)
    return listPage(page.listings, page.nextCursor)
  }

  /** Every page of a search, as the loop asks for them: `for await (const page of market.searchPages({ q }))`. */
  async *searchPages(query: MarketSearch = {}): AsyncGenerator<SearchPage, void, undefined> {
    let cursor = query.cursor
    for (;;) {
      const page = await this.searchPage({ ...query, ...(cursor === undefined ? {} : { cursor }) })
      yield page
      if (page.nextCursor === null) return
      cursor = page.nextCursor
    }
  }

  /** Every listing a search finds, over all its pages: `for await (const listing of market.searchAll({ kind: 'model' }))`. */
  async *searchAll(query: MarketSearch = {}): AsyncGenerator<ListingSummary, void, undefined> {
    for await (const page of this.searchPages(query)) yield* page.listings
  }

  private searchPage(query: MarketSearch): Promise<SearchPage> {
    const q: Record<string, string | number | undefined> = {}
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = typeof v === 'bigint' ? v.toString() : (v as string | number)
    return this.hub.request<SearchPage>('GET', `${MARKET}/listings`, undefined, { query: q, unsigned: true })
  }

  /** A listing with its card, every version (oldest first) and its rating. */
  get(id: string): Promise<Listing> {
    return this.hub.request<Listing>('GET', listingPath(id), undefined, { unsigned: true })
  }

  /** Publishes a listing of a stored object you can read (yours, or one shared with you). */
  publish(draft: ListingDraft, options: PublishOptions = {}): Promise<Listing> {
    return this.hub.request<Listing>('POST', `${MARKET}/listings`, draft, withKey(options.idempotencyKey ?? newIdempotencyKey()))
  }

  /** Changes your listing's title, description, tags, licence, price or card (kind and access stay). */
  update(id: string, patch: ListingPatch): Promise<Listing> {
    return this.hub.request<Listing>('PATCH', listingPath(id), patch)
  }

  /** Adds a version (a new name, a stored object you can read) to your listing; later buyers get it. */
  addVersion(id: string, version: ListingVersionCreate): Promise<Listing> {
    return this.hub.request<Listing>('POST', listingPath(id, '/versions'), version)
  }

  // ---- Orders ---------------------------------------------------------------------------------

  /**
   * Buys a listing: its price (per-call: calls × price) is held from your wallet in the order's
   * escrow. download: pending until the seller's side wraps the key to you; compute-only: active,
   * the right to run a job on the data; per-call: an active allowance of calls.
   */
  buy(listingId: string, options: BuyOptions = {}): Promise<Order> {
    const body = { ...(options.calls === undefined ? {} : { calls: options.calls }), ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }) }
    return this.hub.request<Order>('POST', listingPath(listingId, '/orders'), body, withKey(options.idempotencyKey ?? newIdempotencyKey()))
  }

  /** One page of your purchases (role buyer, the default) or sales (role seller), newest first. */
  async orders(query: OrderListQuery = {}): Promise<ListPage<Order>> {
    const page = await this.hub.request<OrderPage>('GET', `${MARKET}/orders`, undefined, { query: { role: query.role, status: query.status, limit: query.limit, cursor: query.cursor } })
    return listPage(page.orders, page.nextCursor)
  }

  /** Every order of a listing query, over all pages. */
  allOrders(query: Omit<OrderListQuery, 'cursor'> = {}): AsyncGenerator<Order, void, undefined> {
    return followPages((q) => this.orders({ ...query, ...q }), query)
  }

  /** One of your orders, as buyer or seller. */
  order(id: string): Promise<Order> {
    return this.hub.request<Order>('GET', orderPath(id))
  }

  /**
   * The seller's side of a download: unwraps the object key of `order.cid` with your identity and
   * wraps it to the buyer's account encryption key; the hub stores only that wrapped key (as a
   * storage share to the buyer) and pays you from escrow less the governed fee. An order already
   * fulfilled is answered as it is.
   */
  async fulfil(orderId: string): Promise<Order> {
    const identity = this.need('fulfil an order')
    const order = await this.order(orderId)
    if (order.seller !== identity.id) throw new W3aiError('MARKET_NOT_SELLER', `Only the seller fulfils order ${orderId}; you are its buyer.`)
    if (order.status === 'fulfilled') return order
    if (order.mode !== 'download' || order.status !== 'pending') {
      throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is a ${order.mode} order, ${order.status}; only a pending download is fulfilled with a key.`, { status: order.status, mode: order.mode })
    }
    const [detail, buyer] = await Promise.all([this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(order.cid)}`), this.hub.getAccount(order.buyer)])
    if (buyer.encryptionKey === null) throw new W3aiError('VALIDATION_FAILED', `The buyer ${order.buyer} has no encryption key to wrap the object key to.`, { buyer: order.buyer })
    const objectKey = unwrapKey(detail.wrappedKey, identity)
    let wrappedKey: ReturnType<typeof wrapKey>
    try {
      wrappedKey = wrapKey(objectKey, buyer.encryptionKey)
    } finally {
      objectKey.fill(0)
    }
    // The same wrapped key sent again answers the order again: safe to retry after a lost answer.
    return this.hub.request<Order>('POST', orderPath(orderId, '/fulfil'), { wrappedKey }, { idempotent: true })
  }

  /**
   * Fulfils every pending download order of your sales, in the order the hub lists them; an order
   * that cannot be fulfilled (past its deadline, refunded meanwhile) is reported, not thrown.
   */
  async fulfilPending(options: FulfilPendingOptions = {}): Promise<FulfilOutcome[]> {
    const pending: Order[] = []
    for await (const order of this.allOrders({ role: 'seller', status: 'pending' })) if (order.mode === 'download') pending.push(order)
    const outcomes: FulfilOutcome[] = []
    for (const { id } of pending) {
      let outcome: FulfilOutcome
      try {
        outcome = { orderId: id, order: await this.fulfil(id) }
      } catch (err) {
        outcome = { orderId: id, error: asError(err) }
      }
      outcomes.push(outcome)
      options.onOrder?.(outcome)
    }
    return outcomes
  }

  /**
   * The seller's side of compute-only sales: buyers' jobs on your data awaiting its key (the hub
   * lists each with the nodes it chose for the job).
   */
  async keyRequests(): Promise<KeyRequest[]> {
    return (await this.hub.request<KeyRequestList>('GET', '/v1/jobs/key-requests')).requests
  }

  /**
   * Answers one key request: the data key, unwrapped here with your identity, is wrapped to every
   * node the hub chose for the buyer's job, and to no one else; neither the buyer nor the hub can
   * open it. The job starts once its nodes hold keys for all its inputs. Sending the keys again
   * changes nothing, so a retry after a lost answer is safe.
   */
  async answerKeyRequest(request: Pick<KeyRequest, 'jobId' | 'cid' | 'candidates'>): Promise<Job> {
    const identity = this.need('answer a key request')
    const detail = await this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(request.cid)}`)
    const objectKey = unwrapKey(detail.wrappedKey, identity)
    let keys: Array<{ nodeId: string; cid: string; wrappedKey: ReturnType<typeof wrapKey> }>
    try {
      keys = request.candidates.map((c) => ({ nodeId: c.nodeId, cid: request.cid, wrappedKey: wrapKey(objectKey, c.encryptionKey) }))
    } finally {
      objectKey.fill(0)
    }
    return this.hub.request<Job>('POST', `/v1/jobs/${encodeURIComponent(request.jobId)}/keys`, { keys }, { idempotent: true })
  }

  /**
   * Answers every key request of your compute-only sales, in the order the hub lists them; one
   * that cannot be answered (the job cancelled meanwhile, the data gone) is reported, not thrown.
   */
  async answerKeyRequests(options: AnswerKeyRequestsOptions = {}): Promise<KeyRequestOutcome[]> {
    const outcomes: KeyRequestOutcome[] = []
    for (const r of await this.keyRequests()) {
      const about = { jobId: r.jobId, orderId: r.orderId, cid: r.cid }
      let outcome: KeyRequestOutcome
      try {
        outcome = { ...about, nodes: r.candidates.map((c) => c.nodeId), job: await this.answerKeyRequest(r) }
      } catch (err) {
        outcome = { ...about, error: asError(err) }
      }
      outcomes.push(outcome)
      options.onRequest?.(outcome)
    }
    return outcomes
  }

  /**
   * The seller's whole side at once: fulfils pending downloads (`fulfilPending`), then answers the
   * key requests of compute-only sales (`answerKeyRequests`); per-call sales need nothing from you.
   */
  async fulfilAll(options: FulfilAllOptions = {}): Promise<{ orders: FulfilOutcome[]; keyRequests: KeyRequestOutcome[] }> {
    const orders = await this.fulfilPending(options)
    const keyRequests = await this.answerKeyRequests(options)
    return { orders, keyRequests }
  }

  /** Closes your per-call allowance: the seller is paid for the calls used, the rest comes back. */
  close(orderId: string): Promise<Order> {
    return this.hub.request<Order>('POST', orderPath(orderId, '/close'))
  }

  /**
   * A fulfilled download's object, verified and decrypted into `sink` with the key the seller
   * wrapped to you (the ordinary storage download of `order.cid`).
   */
  async download(orderId: string, sink: ChunkSink, options: GetOptions = {}): Promise<ObjectSummary> {
    const storage = this.storageFor('download a purchase')
    return storage.get((await this.delivered(orderId)).cid, sink, options)
  }

  /** As `download`, into a file written only once every byte verified. */
  async downloadToFile(orderId: string, path: string, options: GetOptions = {}): Promise<ObjectSummary> {
    const storage = this.storageFor('download a purchase')
    return storage.getToFile((await this.delivered(orderId)).cid, path, options)
  }

  private async delivered(orderId: string): Promise<Order> {
    const order = await this.order(orderId)
    if (order.mode !== 'download' || order.status !== 'fulfilled') {
      throw new W3aiError('MARKET_INVALID_STATE', `Order ${orderId} is a ${order.mode} order, ${order.status}; only a fulfilled download can be downloaded.`, { status: order.status, mode: order.mode })
    }
    return order
  }

  /** Calls `onEvent` for every change to your orders (as buyer and seller) until the returned function is called. */
  follow(onEvent: (event: MarketOrderEvent) => void, options: EventsOptions = {}): () => void {
    return this.hub.events((message) => {
      if (message.type === 'market.order.updated') onEvent(message)
    }, { reconnect: true, ...options })
  }

  // ---- Reviews --------------------------------------------------------------------------------

  /** Reviews a delivered purchase of yours, once; it counts in the listing's rating. */
  review(orderId: string, review: ReviewCreate): Promise<Review> {
    return this.hub.request<Review>('POST', orderPath(orderId, '/review'), review)
  }

  /** Edits your review. */
  editReview(reviewId: string, patch: ReviewPatch): Promise<Review> {
    return this.hub.request<Review>('PATCH', `${MARKET}/reviews/${encodeURIComponent(reviewId)}`, patch)
  }

  /** Answers a review of your listing (answering again replaces the answer). */
  answer(reviewId: string, text: string): Promise<Review> {
    return this.hub.request<Review>('POST', `${MARKET}/reviews/${encodeURIComponent(reviewId)}/answer`, { text })
  }

  /** One page of a listing's reviews, newest first. */
  async reviews(listingId: string, query: PageQuery = {}): Promise<ListPage<Review>> {
    const page = await this.hub.request<ReviewPage>('GET', listingPath(listingId, '/reviews'), undefined, { query: pageQuery(query), unsigned: true })
    return listPage(page.reviews, page.nextCursor)
  }

  /** Every review of a listing, newest first, over all pages. */
  allReviews(listingId: string, query: PageQuery = {}): AsyncGenerator<Review, void, undefined> {
    return followPages((q) => this.reviews(listingId, q), query)
  }

  private storageFor(what: string): Pick<StorageClient, 'get' | 'getToFile'> {
    if (this.storage === undefined) this.need(what)
    return this.storage as Pick<StorageClient, 'get' | 'getToFile'>
  }

  private need(what: string): Identity {
    if (this.identity === undefined) throw new W3aiError('IDENTITY_NOT_FOUND', `To ${what}, create the MarketClient with your identity.`)
    return this.identity
  }
}
