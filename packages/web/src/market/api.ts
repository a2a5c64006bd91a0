/**
 * The hub's market API from the page. Searching, listings, reviews, the governed fee parameters
 * and an account's public keys are unsigned reads, so anyone browses without an identity; the rest
 * is signed with the loaded identity (the storage page's client). Publishing and buying send an
 * Idempotency-Key made once per attempt and kept until answered, so pressing again after a lost
 * answer publishes or pays once.
 *
 * The seller's side of a download runs here, as the SDK's MarketClient.fulfil does: the object key
 * is unwrapped in the page with the seller's identity and wrapped to the buyer's account
 * encryption key; the hub only ever holds wrapped keys. The buyer then downloads the object like
 * any object shared with it, verified and decrypted in the page.
 */
import type { Account, InferRequest, InferResponse, Job, JobCandidates, JobSubmit, KeyRequest, Listing, ListingDraft, ListingSummary, NetworkParametersView, ObjectDetail, ObjectSummary, Order, OrderCreate, OrderRole, Review, ReviewCreate, ReviewPatch } from '@w3ai/protocol'
import { publicGet } from '../economy/api.js'
import { hubPages, pagePath, type LoadPage } from '../paging.js'
import { toHex, randomBytes } from '../storage/bytes.js'
import { downloadObject, type DownloadOptions, type DownloadResult } from '../storage/download.js'
import { HubError, type StorageApi } from '../storage/hub-api.js'
import type { BrowserIdentity } from '../storage/identity.js'
import { signRequest } from '../storage/signed-request.js'
import { unwrapKey, wrapKey } from '../storage/wrap.js'
import { feeParamsOf, type FeeParams } from './fees.js'
import { openJobResult } from './seal.js'
import { searchPath, type SearchParams } from './search.js'

const MARKET = '/v1/market'
export const IDEMPOTENCY_HEADER = 'idempotency-key'
/** Names the per-call order a model call is paid from. */
export const ORDER_HEADER = 'x-w3ai-order'
const listingPath = (id: string, rest = ''): string => `${MARKET}/listings/${encodeURIComponent(id)}${rest}`
const orderPath = (id: string, rest = ''): string => `${MARKET}/orders/${encodeURIComponent(id)}${rest}`

/** A fresh idempotency key (^[A-Za-z0-9_-]{1,64}$). */
export function newIdempotencyKey(): string {
  return `web_${toHex(randomBytes(12))}`
}

// ---- Public reads ------------------------------------------------------------------------------

/** A search's pages: best match first with text, else newest first; "Load more" follows nextCursor. */
export function searchPages(params: SearchParams): LoadPage<ListingSummary> {
  return async (cursor, limit) => {
    const page = await publicGet<{ listings: ListingSummary[]; nextCursor: string | null }>(searchPath(params, cursor, limit))
    return { items: page.listings, nextCursor: page.nextCursor }
  }
}

/** A listing with its card, every version and its rating. */
export function getListing(id: string): Promise<Listing> {
  return publicGet<Listing>(listingPath(id))
}

/** A listing's reviews, newest first, page by page. */
export function reviewPages(listingId: string): LoadPage<Review> {
  return hubPages<Review>({ request: (_method, path) => publicGet(path) }, listingPath(listingId, '/reviews'), 'reviews')
}

/** The governed fee split now (GET /v1/parameters), or null when the hub does not say. */
export async function feeParams(): Promise<FeeParams | null> {
  const view = await publicGet<NetworkParametersView>('/v1/parameters')
  return feeParamsOf(view.parameters)
}

/** An account's public view: its id, public keys and name. */
export function getAccount(id: string): Promise<Account> {
  return publicGet<Account>(`/v1/accounts/${encodeURIComponent(id)}`)
}

// ---- Signed ------------------------------------------------------------------------------------

type Identity = Pick<BrowserIdentity, 'id' | 'publicKey' | 'signingKey' | 'encryptionKey' | 'decryptionKey'>

export class MarketApi {
  constructor(
    private readonly hub: StorageApi,
    private readonly identity: Identity,
    /** Where the hub is; the page's own origin by default. */
    private readonly base = '',
  ) {}

  /** The signed-in account's id. */
  get me(): string {
    return this.identity.id
  }

  /** A signed POST carrying an Idempotency-Key (and any other headers; none is part of the signature, as in the SDK). */
  private async idempotent<T>(path: string, body: unknown, key: string, extra: Record<string, string> = {}): Promise<T> {
    const text = JSON.stringify(body)
    const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json', ...extra, [IDEMPOTENCY_HEADER]: key, ...(await signRequest(this.identity, 'POST', path, text)) }
    const res = await fetch(this.base + path, { method: 'POST', headers, body: text })
    const parsed = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined
    if (!res.ok || parsed === undefined) throw new HubError(parsed?.error?.code ?? 'INTERNAL', parsed?.error?.message ?? `The hub answered ${res.status}.`, res.status)
    return parsed as T
  }

  /** Publishes a listing of a stored object this account can read. */
  publish(draft: ListingDraft, key: string): Promise<Listing> {
    return this.idempotent<Listing>(`${MARKET}/listings`, draft, key)
  }

  /** Buys: the price (per call: calls × price) is held from the wallet in the order's escrow. */
  buy(listingId: string, body: OrderCreate, key: string): Promise<Order> {
    return this.idempotent<Order>(listingPath(listingId, '/orders'), body, key)
  }

  /** Purchases (buyer) or sales (seller), newest first, page by page. */
  orderPages(role: OrderRole): LoadPage<Order> {
    return async (cursor, limit) => {
      const answer = await this.hub.request<{ orders: Order[]; nextCursor: string | null }>('GET', `${pagePath(`${MARKET}/orders`, cursor, limit)}&role=${role}`)
      return { items: answer.orders, nextCursor: answer.nextCursor }
    }
  }

  order(id: string): Promise<Order> {
    return this.hub.request<Order>('GET', orderPath(id))
  }

  /**
   * The seller's side of a pending download: the object key unwrapped here and wrapped to the
   * buyer's account encryption key, then posted; the hub pays the seller from escrow less the fee.
   */
  async fulfil(order: Pick<Order, 'id' | 'cid' | 'buyer'>): Promise<Order> {
    const [detail, buyer] = await Promise.all([this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(order.cid)}`), getAccount(order.buyer)])
    if (buyer.encryptionKey === null) throw new Error(`The buyer ${order.buyer} has no encryption key to wrap the object key to.`)
    const objectKey = await unwrapKey(detail.wrappedKey, this.identity)
    let wrappedKey: Awaited<ReturnType<typeof wrapKey>>
    try {
      wrappedKey = await wrapKey(objectKey, buyer.encryptionKey)
    } finally {
      objectKey.fill(0)
    }
    return this.hub.request<Order>('POST', orderPath(order.id, '/fulfil'), { wrappedKey })
  }

  /** Closes a per-call allowance: the seller is paid for the calls used, the rest comes back. */
  close(orderId: string): Promise<Order> {
    return this.hub.request<Order>('POST', orderPath(orderId, '/close'))
  }

  /** A fulfilled download's object, verified and decrypted in the page (the storage download of order.cid). */
  download(order: Pick<Order, 'cid'>, options: DownloadOptions = {}): Promise<DownloadResult> {
    return downloadObject(this.hub, this.identity, order.cid, options)
  }

  review(orderId: string, body: ReviewCreate): Promise<Review> {
    return this.hub.request<Review>('POST', orderPath(orderId, '/review'), body)
  }

  editReview(reviewId: string, patch: ReviewPatch): Promise<Review> {
    return this.hub.request<Review>('PATCH', `${MARKET}/reviews/${encodeURIComponent(reviewId)}`, patch)
  }

  answer(reviewId: string, text: string): Promise<Review> {
    return this.hub.request<Review>('POST', `${MARKET}/reviews/${encodeURIComponent(reviewId)}/answer`, { text })
  }

  /**
   * One paid call of a per-call purchase: the seller's deployment of the bought model runs `inputs`;
   * the hub counts one call of the order's allowance before any node sees the request. `key` names
   * the call: sent again after a lost answer, it counts once.
   */
  call(orderId: string, deploymentId: string, inputs: InferRequest['inputs'], key: string): Promise<InferResponse> {
    return this.idempotent<InferResponse>(`/v1/deployments/${encodeURIComponent(deploymentId)}/infer`, { inputs }, key, { [ORDER_HEADER]: orderId })
  }

  // ---- Compute-only (compute-to-data) ---------------------------------------------------------

  /**
   * The buyer's job on a compute-only order's data (computeJobOf): the hub answers with the nodes it
   * chose, and the job waits for the seller's side to wrap the data key to them; the buyer holds no
   * other input to key, so nothing is wrapped here.
   */
  async runOnData(job: JobSubmit): Promise<Job> {
    const answer = await this.hub.request<JobCandidates | Job>('POST', '/v1/jobs', job)
    return 'candidates' in answer ? this.job(answer.jobId) : answer
  }

  job(id: string): Promise<Job> {
    return this.hub.request<Job>('GET', `/v1/jobs/${encodeURIComponent(id)}`)
  }

  /** A job's plain result: a sealed one opened here with this identity. */
  jobResult(job: Pick<Job, 'id' | 'result'>): Promise<unknown> {
    return openJobResult(job, this.identity)
  }

  /** The seller's side: buyers' jobs on data this account sold compute on, awaiting its key. */
  keyRequests(): Promise<KeyRequest[]> {
    return this.hub.request<{ requests: KeyRequest[] }>('GET', '/v1/jobs/key-requests').then((r) => r.requests)
  }

  /** Answers a key request: the data key unwrapped here and wrapped to every node the hub chose for the job, and no one else. */
  async answerKeyRequest(request: Pick<KeyRequest, 'jobId' | 'cid' | 'candidates'>): Promise<Job> {
    const detail = await this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(request.cid)}`)
    const objectKey = await unwrapKey(detail.wrappedKey, this.identity)
    const keys: Array<{ nodeId: string; cid: string; wrappedKey: Awaited<ReturnType<typeof wrapKey>> }> = []
    try {
      for (const c of request.candidates) keys.push({ nodeId: c.nodeId, cid: request.cid, wrappedKey: await wrapKey(objectKey, c.encryptionKey) })
    } finally {
      objectKey.fill(0)
    }
    return this.hub.request<Job>('POST', `/v1/jobs/${encodeURIComponent(request.jobId)}/keys`, { keys })
  }

  /** The account's stored objects (the first page, newest first): what it may list. */
  objects(): Promise<ObjectSummary[]> {
    return this.hub.list()
  }
}
