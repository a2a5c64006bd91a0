import { generateIdentity, rewrapKey } from '@w3ai/crypto'
import { MARKET_PRICE_MAX, MARKET_PRICE_MIN, MAX_CARD_BYTES, MAX_MARKET_BODY_BYTES, type Listing, type Order, type OrderPage, type Review, type ReviewPage, type SearchPage } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers.js'
import { PRICE, startMarketNet, type Answer, type MarketNet, type Trader } from './market-kit.js'

/**
 * Every market request that breaks a rule is refused with a code that names the rule and changes
 * nothing: no listing, version, order, review or rating changes, and no unit moves (balances,
 * pending amounts, the ledger's supply).
 */
describe.each(backends())('market refusals on %s', (backend) => {
  let m: MarketNet
  let seller: Trader
  let buyer: Trader
  let stranger: Trader
  let poor: Trader
  let cid: string
  let strangersObject: string
  let listing: Listing
  let served: Listing
  let pending: Order
  let fulfilled: Order
  let allowance: Order
  let review: Review

  const snapshot = async () => ({
    listings: (await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?seller=${seller.id}&limit=100`)).body,
    listing: (await m.call<Listing>(undefined, 'GET', `/v1/market/listings/${listing.id}`)).body,
    reviews: (await m.call<ReviewPage>(undefined, 'GET', `/v1/market/listings/${listing.id}/reviews`)).body,
    bought: (await m.call<OrderPage>(buyer, 'GET', '/v1/market/orders')).body,
    sold: (await m.call<OrderPage>(seller, 'GET', '/v1/market/orders?role=seller')).body,
    strangers: (await m.call<OrderPage>(stranger, 'GET', '/v1/market/orders')).body,
    wallets: await Promise.all([seller, buyer, stranger, poor].map((t) => m.balance(t))),
    supply: await m.ledger.summary(),
  })
  /** Runs `act`, expects its code, and that nothing the market or the ledger shows has changed. */
  const refused = async (code: string, act: () => Promise<Answer>): Promise<void> => {
    const before = await snapshot()
    const answer = await act()
    expect(answer.code, JSON.stringify(answer.body)).toBe(code)
    expect(await snapshot()).toEqual(before)
  }
  const draft = (over: Record<string, unknown> = {}) => ({ kind: 'dataset', title: 'Refused', licence: 'MIT', access: 'download', price: PRICE.toString(), cid, ...over })
  const publish = (body: unknown, headers?: Record<string, string>) => m.call(seller, 'POST', '/v1/market/listings', body, headers)
  const keyFor = async (who: Trader) => rewrapKey((await seller.storage.info(cid)).wrappedKey, seller.identity, who.identity.encryptionKey)

  beforeAll(async () => {
    m = await startMarketNet(backend)
    seller = await m.trader('seller', 0n)
    buyer = await m.trader('buyer')
    stranger = await m.trader('stranger')
    poor = await m.trader('poor', PRICE / 2n)
    cid = await m.store(seller)
    strangersObject = await m.store(stranger)
    listing = await m.publish(seller, cid)
    served = await m.publish(seller, cid, { kind: 'model', access: 'per-call', title: 'Served model' })
    pending = (await m.buy(buyer, listing.id)).body
    fulfilled = (await m.buy(buyer, listing.id)).body
    await m.call(seller, 'POST', `/v1/market/orders/${fulfilled.id}/fulfil`, { wrappedKey: await keyFor(buyer) })
    allowance = (await m.buy(buyer, served.id, { calls: 3 })).body
    review = (await m.call<Review>(buyer, 'POST', `/v1/market/orders/${fulfilled.id}/review`, { rating: 4 })).body
  }, 120_000)
  afterAll(async () => m?.close(), 60_000)

  it('refuses unsigned requests and signers without an account on every signed route', async () => {
    const wrappedKey = await keyFor(buyer)
    const routes = [
      ['POST', '/v1/market/listings', draft()],
      ['PATCH', `/v1/market/listings/${listing.id}`, { title: 'x' }],
      ['POST', `/v1/market/listings/${listing.id}/versions`, { version: '9', cid }],
      ['POST', `/v1/market/listings/${listing.id}/orders`, {}],
      ['GET', '/v1/market/orders', undefined],
      ['GET', `/v1/market/orders/${pending.id}`, undefined],
      ['POST', `/v1/market/orders/${pending.id}/fulfil`, { wrappedKey }],
      ['POST', `/v1/market/orders/${allowance.id}/close`, undefined],
      ['POST', `/v1/market/orders/${fulfilled.id}/review`, { rating: 5 }],
      ['PATCH', `/v1/market/reviews/${review.id}`, { rating: 5 }],
      ['POST', `/v1/market/reviews/${review.id}/answer`, { text: 'hi' }],
    ] as const
    for (const [method, path, body] of routes) await refused('AUTH_MISSING_SIGNATURE', () => m.call(undefined, method, path, body))
    const nobody = { ...stranger, identity: generateIdentity('account') }
    for (const [method, path, body] of routes) await refused('ACCOUNT_NOT_FOUND', () => m.call(nobody, method, path, body))
  })

  it('refuses a listing of an object the seller cannot read', async () => {
    await refused('MARKET_OBJECT_NOT_READABLE', () => publish(draft({ cid: strangersObject })))
    await refused('MARKET_OBJECT_NOT_READABLE', () => publish(draft({ cid: 'bagu' + 'a'.repeat(55) })))
    await refused('MARKET_OBJECT_NOT_READABLE', () => m.call(seller, 'POST', `/v1/market/listings/${listing.id}/versions`, { version: '2.0.0', cid: strangersObject }))
  })

  it('refuses a price outside the bounds, an access mode the kind does not allow, an oversized card and malformed drafts', async () => {
    await refused('MARKET_PRICE_OUT_OF_BOUNDS', () => publish(draft({ price: (BigInt(MARKET_PRICE_MIN) - 1n).toString() })))
    await refused('MARKET_PRICE_OUT_OF_BOUNDS', () => publish(draft({ price: '0' })))
    await refused('MARKET_PRICE_OUT_OF_BOUNDS', () => publish(draft({ price: (BigInt(MARKET_PRICE_MAX) + 1n).toString() })))
    await refused('MARKET_PRICE_OUT_OF_BOUNDS', () => m.call(seller, 'PATCH', `/v1/market/listings/${listing.id}`, { price: '1' }))
    await refused('MARKET_INVALID_LISTING', () => publish(draft({ access: 'per-call' })))
    await refused('MARKET_INVALID_LISTING', () => publish(draft({ kind: 'model', access: 'compute-only' })))
    await refused('MARKET_INVALID_LISTING', () => publish(draft({ title: '   ' })))
    await refused('MARKET_INVALID_CARD', () => publish(draft({ card: { preview: 'x'.repeat(MAX_CARD_BYTES) } })))
    await refused('MARKET_INVALID_CARD', () => m.call(seller, 'PATCH', `/v1/market/listings/${listing.id}`, { card: { preview: 'x'.repeat(MAX_CARD_BYTES) } }))
    for (const bad of [{ price: '-1' }, { price: '1e18' }, { price: 1000 }, { kind: 'weights' }, { access: 'rent' }, { tags: ['Upper'] }, { tags: ['a', 'a'] }, { licence: 'has space' }, { cid: 'not-a-cid' }, { extra: true }, { version: '../1' }, { card: [1, 2] }, { title: '' }]) {
      await refused('VALIDATION_FAILED', () => publish(draft(bad)))
    }
    await refused('VALIDATION_FAILED', () => publish(draft(), { 'idempotency-key': 'has spaces' }))
    await refused('PAYLOAD_TOO_LARGE', () => publish(draft({ description: 'x'.repeat(MAX_MARKET_BODY_BYTES) })))
    await refused('VALIDATION_FAILED', () => m.call(seller, 'PATCH', `/v1/market/listings/${listing.id}`, {}))
    await publish(draft({ title: 'Keyed' }), { 'idempotency-key': 'refusal-key' })
    await refused('VALIDATION_FAILED', () => publish(draft({ title: 'Another under the same key' }), { 'idempotency-key': 'refusal-key' }))
  })

  it('refuses changes by anyone but the seller, unknown listings and a version name used before', async () => {
    await refused('MARKET_NOT_SELLER', () => m.call(stranger, 'PATCH', `/v1/market/listings/${listing.id}`, { title: 'Mine now' }))
    await refused('MARKET_NOT_SELLER', () => m.call(buyer, 'POST', `/v1/market/listings/${listing.id}/versions`, { version: '2.0.0', cid }))
    await refused('MARKET_VERSION_EXISTS', () => m.call(seller, 'POST', `/v1/market/listings/${listing.id}/versions`, { version: '1.0.0', cid }))
    const unknown = 'l_00000000000000000000'
    await refused('MARKET_LISTING_NOT_FOUND', () => m.call(undefined, 'GET', `/v1/market/listings/${unknown}`))
    await refused('MARKET_LISTING_NOT_FOUND', () => m.call(undefined, 'GET', `/v1/market/listings/${unknown}/reviews`))
    await refused('MARKET_LISTING_NOT_FOUND', () => m.call(seller, 'PATCH', `/v1/market/listings/${unknown}`, { title: 'x' }))
    await refused('MARKET_LISTING_NOT_FOUND', () => m.buy(buyer, unknown))
    await refused('VALIDATION_FAILED', () => m.call(undefined, 'GET', '/v1/market/listings/not-an-id'))
  })

  it('refuses buying your own listing, without funds, and purchases that do not fit the listing', async () => {
    await refused('MARKET_OWN_LISTING', () => m.buy(seller, listing.id))
    const short = await m.buy(poor, listing.id)
    expect(short.body).toMatchObject({ error: { details: { needed: PRICE.toString(), available: (PRICE / 2n).toString() } } })
    await refused('LEDGER_INSUFFICIENT_FUNDS', () => m.buy(poor, listing.id))
    await refused('LEDGER_INSUFFICIENT_FUNDS', () => m.buy(buyer, served.id, { calls: 1_000_000 }))
    await refused('VALIDATION_FAILED', () => m.buy(buyer, listing.id, { calls: 2 }))
    await refused('VALIDATION_FAILED', () => m.buy(buyer, served.id))
    await refused('VALIDATION_FAILED', () => m.buy(buyer, served.id, { calls: 0 }))
    await refused('VALIDATION_FAILED', () => m.buy(buyer, listing.id, { deadlineMs: 10 }))
    await refused('VALIDATION_FAILED', () => m.buy(buyer, listing.id, { note: 'x' }))
    await m.buy(buyer, served.id, { calls: 1 }, { 'idempotency-key': 'buy-key' })
    await refused('VALIDATION_FAILED', () => m.buy(buyer, served.id, { calls: 2 }, { 'idempotency-key': 'buy-key' }))
  })

  it("answers another account's order as one that does not exist, and refuses what only the other party may do", async () => {
    const key = await keyFor(buyer)
    await refused('MARKET_ORDER_NOT_FOUND', () => m.call(stranger, 'GET', `/v1/market/orders/${pending.id}`))
    await refused('MARKET_ORDER_NOT_FOUND', () => m.call(stranger, 'POST', `/v1/market/orders/${pending.id}/fulfil`, { wrappedKey: key }))
    await refused('MARKET_ORDER_NOT_FOUND', () => m.call(buyer, 'GET', '/v1/market/orders/o_0000000000000000'))
    await refused('MARKET_NOT_SELLER', () => m.call(buyer, 'POST', `/v1/market/orders/${pending.id}/fulfil`, { wrappedKey: key }))
    await refused('MARKET_INVALID_STATE', () => m.call(seller, 'POST', `/v1/market/orders/${allowance.id}/fulfil`, { wrappedKey: key }))
    const strangersKey = await keyFor(stranger)
    await refused('MARKET_INVALID_STATE', () => m.call(seller, 'POST', `/v1/market/orders/${fulfilled.id}/fulfil`, { wrappedKey: strangersKey }))
    await refused('VALIDATION_FAILED', () => m.call(seller, 'POST', `/v1/market/orders/${pending.id}/fulfil`, { wrappedKey: { alg: 'none' } }))
    await refused('AUTH_WRONG_IDENTITY', () => m.call(seller, 'POST', `/v1/market/orders/${allowance.id}/close`))
    await refused('MARKET_INVALID_STATE', () => m.call(buyer, 'POST', `/v1/market/orders/${pending.id}/close`))
    await refused('VALIDATION_FAILED', () => m.call(buyer, 'GET', '/v1/market/orders?role=owner'))
    await refused('INVALID_CURSOR', () => m.call(buyer, 'GET', '/v1/market/orders?cursor=bm90LWEtY3Vyc29y'))
  })

  it('takes reviews only from the buyer of a delivered purchase, once; edits and answers only from their author and seller', async () => {
    await refused('MARKET_ORDER_NOT_FOUND', () => m.call(stranger, 'POST', `/v1/market/orders/${fulfilled.id}/review`, { rating: 1 }))
    await refused('MARKET_REVIEW_NOT_ALLOWED', () => m.call(seller, 'POST', `/v1/market/orders/${fulfilled.id}/review`, { rating: 5 }))
    await refused('MARKET_REVIEW_NOT_ALLOWED', () => m.call(buyer, 'POST', `/v1/market/orders/${pending.id}/review`, { rating: 5 }))
    await refused('MARKET_REVIEW_EXISTS', () => m.call(buyer, 'POST', `/v1/market/orders/${fulfilled.id}/review`, { rating: 1 }))
    await refused('VALIDATION_FAILED', () => m.call(buyer, 'POST', `/v1/market/orders/${allowance.id}/review`, { rating: 6 }))
    await refused('VALIDATION_FAILED', () => m.call(buyer, 'POST', `/v1/market/orders/${allowance.id}/review`, { rating: 4.5 }))
    await refused('AUTH_WRONG_IDENTITY', () => m.call(stranger, 'PATCH', `/v1/market/reviews/${review.id}`, { rating: 1 }))
    await refused('AUTH_WRONG_IDENTITY', () => m.call(seller, 'PATCH', `/v1/market/reviews/${review.id}`, { rating: 1 }))
    await refused('MARKET_NOT_SELLER', () => m.call(buyer, 'POST', `/v1/market/reviews/${review.id}/answer`, { text: 'self praise' }))
    await refused('MARKET_REVIEW_NOT_FOUND', () => m.call(seller, 'POST', '/v1/market/reviews/r_00000000000000000000/answer', { text: 'hi' }))
    await refused('MARKET_REVIEW_NOT_FOUND', () => m.call(buyer, 'PATCH', '/v1/market/reviews/r_00000000000000000000', { rating: 2 }))
    await refused('VALIDATION_FAILED', () => m.call(seller, 'POST', `/v1/market/reviews/${review.id}/answer`, { text: '' }))
  })

  it('refuses a malformed search and a cursor from another search', async () => {
    await refused('MARKET_INVALID_QUERY', () => m.call(undefined, 'GET', `/v1/market/listings?minPrice=${2n * PRICE}&maxPrice=${PRICE}`))
    for (const q of ['kind=weights', 'minRating=6', 'limit=0', 'limit=101', 'minPrice=-1', `q=${'x'.repeat(201)}`, 'tag=UPPER', 'color=red']) {
      await refused('VALIDATION_FAILED', () => m.call(undefined, 'GET', `/v1/market/listings?${q}`))
    }
    const page = await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?seller=${seller.id}&limit=1`)
    expect(page.body.nextCursor).not.toBeNull()
    await refused('INVALID_CURSOR', () => m.call(undefined, 'GET', `/v1/market/listings?kind=model&limit=1&cursor=${page.body.nextCursor}`))
    await refused('INVALID_CURSOR', () => m.call(undefined, 'GET', `/v1/market/listings?q=shop&limit=1&cursor=${page.body.nextCursor}`))
    await refused('INVALID_CURSOR', () => m.call(undefined, 'GET', '/v1/market/listings?cursor=garbage!'))
  })
})
