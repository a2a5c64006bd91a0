import { randomBytes } from 'node:crypto'
import { rewrapKey } from '@w3ai/crypto'
import type { EventStreamMessage, Listing, Order, OrderPage, Review, ReviewPage, SearchPage } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, until } from './helpers.js'
import { PRICE, startMarketNet, type MarketNet, type Trader } from './market-kit.js'
import { roundTrip } from './storage-net.js'

/**
 * The marketplace through its routes: a seller lists a stored encrypted object, a buyer finds it,
 * buys it (the price held in escrow), the seller's side wraps the key to the buyer, the buyer reads
 * the plaintext, and the escrow pays the seller the price less the governed fee (treasury and burn
 * to the unit); an unfulfilled order is refunded at its deadline; reviews and the rating.
 */
describe.each(backends())('market on %s', (backend) => {
  let m: MarketNet
  let seller: Trader
  let buyer: Trader
  let data: Buffer
  let cid: string
  let listing: Listing

  const order = async (who: Trader, id: string): Promise<Order> => (await m.call<Order>(who, 'GET', `/v1/market/orders/${id}`)).body

  beforeAll(async () => {
    m = await startMarketNet(backend)
    seller = await m.trader('seller', 0n)
    buyer = await m.trader('buyer')
    data = randomBytes(3000)
    cid = await m.store(seller, data)
    listing = await m.publish(seller, cid, { title: 'Shop purchases of a bakery', tags: ['retail', 'tabular'], card: { rows: 1200, schema: [{ name: 'item', type: 'string' }] } })
  }, 120_000)
  afterAll(async () => m?.close(), 60_000)

  it('publishes a listing with its first version, card and an empty rating, readable by anyone', async () => {
    expect(listing).toMatchObject({ seller: seller.id, kind: 'dataset', access: 'download', price: PRICE.toString(), versions: [{ version: '1.0.0', cid }], rating: { mean: 0, count: 0 }, card: { rows: 1200 } })
    expect(listing.id).toMatch(/^l_[0-9a-f]{20}$/)
    expect((await m.call<Listing>(undefined, 'GET', `/v1/market/listings/${listing.id}`)).body).toEqual(listing)
  })

  it('changes a listing and adds versions; later buyers get the latest', async () => {
    const other = await m.publish(seller, cid, { title: 'Draft', price: (2n * PRICE).toString() })
    const patched = await m.call<Listing>(seller, 'PATCH', `/v1/market/listings/${other.id}`, { title: 'Bakery sales, daily', tags: ['bakery'], price: (3n * PRICE).toString() })
    expect(patched.body).toMatchObject({ title: 'Bakery sales, daily', tags: ['bakery'], price: (3n * PRICE).toString(), kind: 'dataset' })
    const v2 = await m.store(seller)
    const added = await m.call<Listing>(seller, 'POST', `/v1/market/listings/${other.id}/versions`, { version: '2.0.0', cid: v2 })
    expect(added.status).toBe(201)
    expect(added.body.versions.map((v) => [v.version, v.cid])).toEqual([['1.0.0', cid], ['2.0.0', v2]])
    const bought = await m.buy(buyer, other.id)
    expect(bought.body).toMatchObject({ version: '2.0.0', cid: v2, price: (3n * PRICE).toString() })
    const search = await m.call<SearchPage>(undefined, 'GET', '/v1/market/listings?q=bakery%20daily')
    expect(search.body.listings.map((l) => l.id)).toContain(other.id)
    expect(search.body.listings.find((l) => l.id === other.id)?.latest).toMatchObject({ version: '2.0.0', cid: v2 })
  })

  it('finds listings by text, ranked, and by filters, a page at a time', async () => {
    const model = await m.store(seller)
    const a = await m.publish(seller, model, { kind: 'model', access: 'per-call', title: 'Bakery demand forecaster', description: 'Predicts croissant demand per day.', tags: ['forecasting'], licence: 'MIT' })
    const b = await m.publish(seller, model, { kind: 'model', access: 'download', title: 'Generic regression', description: 'Also usable for bakery demand.', tags: ['regression'], licence: 'MIT', price: (5n * PRICE).toString() })
    const q = async (query: string): Promise<string[]> => (await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?${query}`)).body.listings.map((l) => l.id)
    const ranked = await q('q=bakery%20demand&kind=model')
    expect(ranked).toEqual([a.id, b.id])
    expect(await q('q=croissant')).toEqual([a.id])
    expect(await q('q=bakery%20-forecaster&kind=model')).toEqual([b.id])
    expect(await q('kind=model&tag=regression')).toEqual([b.id])
    expect(await q(`kind=model&licence=MIT&minPrice=${4n * PRICE}`)).toEqual([b.id])
    expect(await q(`kind=model&maxPrice=${PRICE}`)).toEqual([a.id])
    expect(await q('kind=model&access=per-call')).toEqual([a.id])
    expect(await q(`seller=${seller.id}&kind=model`)).toEqual([b.id, a.id])
    const first = await m.call<SearchPage>(undefined, 'GET', '/v1/market/listings?q=bakery&limit=1')
    expect(first.body.listings).toHaveLength(1)
    const seen = [first.body.listings[0]!.id]
    for (let cursor = first.body.nextCursor; cursor !== null; ) {
      const page = await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?q=bakery&limit=1&cursor=${cursor}`)
      seen.push(...page.body.listings.map((l) => l.id))
      cursor = page.body.nextCursor
    }
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.sort()).toEqual((await q('q=bakery&limit=100')).sort())
  })

  it('sells a download: escrow, the key wrapped to the buyer, plaintext read, the seller paid the price less the fee', async () => {
    const [sellerBefore, buyerBefore, treasuryBefore, burnBefore] = [await m.account(`user:${seller.id}`), await m.balance(buyer), await m.account('treasury'), await m.account('burn')]
    const events: string[] = []
    let subscribed = false
    const close = seller.hub.events((msg: EventStreamMessage) => {
      if (msg.type === 'hello') subscribed = true
      else if (msg.type === 'market.order.updated') events.push(msg.status)
    })
    await until(async () => subscribed)
    const bought = await m.buy(buyer, listing.id)
    expect(bought.status).toBe(201)
    expect(bought.body).toMatchObject({ status: 'pending', buyer: buyer.id, seller: seller.id, mode: 'download', amount: PRICE.toString(), wrappedKey: null, paid: null, allowance: null })
    const held = await m.balance(buyer)
    expect(BigInt(held.available)).toBe(BigInt(buyerBefore.available) - PRICE)
    expect(held.pending).toBe((BigInt(buyerBefore.pending) + PRICE).toString())

    // The seller's side: its own wrapped key, re-wrapped to the buyer's encryption key.
    const mine = await seller.storage.info(cid)
    const wrappedKey = rewrapKey(mine.wrappedKey, seller.identity, buyer.identity.encryptionKey)
    const fulfilled = await m.call<Order>(seller, 'POST', `/v1/market/orders/${bought.body.id}/fulfil`, { wrappedKey })
    expect(fulfilled.status).toBe(200)
    const split = await m.split(PRICE)
    expect(fulfilled.body).toMatchObject({ status: 'fulfilled', wrappedKey, paid: split.nodes.toString() })
    expect(Buffer.compare(await roundTrip(buyer.storage, cid), data)).toBe(0)
    // Fulfilling again with the same key answers the order again; nothing more moves.
    expect((await m.call<Order>(seller, 'POST', `/v1/market/orders/${bought.body.id}/fulfil`, { wrappedKey })).body).toEqual(fulfilled.body)

    expect(await m.account(`user:${seller.id}`)).toBe(sellerBefore + split.nodes)
    expect(await m.account('treasury')).toBe(treasuryBefore + split.treasury)
    expect(await m.account('burn')).toBe(burnBefore + split.burn)
    const after = await m.balance(buyer)
    expect(BigInt(after.balance)).toBe(BigInt(buyerBefore.balance) - PRICE)
    expect(after.pending).toBe(buyerBefore.pending)
    expect(await m.account(`escrow:mk:${bought.body.id}`)).toBe(0n)
    expect((await m.ledger.verify()).ok).toBe(true)

    await until(async () => events.includes('fulfilled'))
    expect(events).toEqual(['pending', 'fulfilled'])
    close()
    expect((await m.call<OrderPage>(seller, 'GET', '/v1/market/orders?role=seller')).body.orders.map((o) => o.id)).toContain(bought.body.id)
    expect((await m.call<OrderPage>(buyer, 'GET', '/v1/market/orders')).body.orders.map((o) => o.id)).toContain(bought.body.id)
    expect((await m.call<OrderPage>(buyer, 'GET', '/v1/market/orders?role=buyer&status=fulfilled')).body.orders.map((o) => o.id)).toContain(bought.body.id)
  })

  it('refunds a download the seller does not fulfil by its deadline, and fulfilling after it is refused', async () => {
    const before = await m.balance(buyer)
    const bought = await m.buy(buyer, listing.id, { deadlineMs: 1000 })
    expect(BigInt((await m.balance(buyer)).available)).toBe(BigInt(before.available) - PRICE)
    // Decided refunded first, then the hold is released (paid is set once the ledger has applied it).
    await until(async () => (await order(buyer, bought.body.id)).paid !== null, 15_000)
    expect((await order(buyer, bought.body.id)).status).toBe('refunded')
    const after = await m.balance(buyer)
    expect(after).toEqual(before)
    expect((await order(seller, bought.body.id)).paid).toBe('0')
    const mine = await seller.storage.info(cid)
    const wrappedKey = rewrapKey(mine.wrappedKey, seller.identity, buyer.identity.encryptionKey)
    expect((await m.call(seller, 'POST', `/v1/market/orders/${bought.body.id}/fulfil`, { wrappedKey })).code).toBe('MARKET_INVALID_STATE')
    expect(await m.balance(buyer)).toEqual(before)
    expect((await m.ledger.verify()).ok).toBe(true)
  })

  it('holds a per-call allowance and gives it all back when closed unused', async () => {
    const model = await m.store(seller)
    const served = await m.publish(seller, model, { kind: 'model', access: 'per-call', title: 'Served classifier' })
    const before = await m.balance(buyer)
    const bought = await m.buy(buyer, served.id, { calls: 5 })
    expect(bought.body).toMatchObject({ status: 'active', mode: 'per-call', amount: (5n * PRICE).toString(), allowance: { calls: 5, used: 0 } })
    expect(BigInt((await m.balance(buyer)).available)).toBe(BigInt(before.available) - 5n * PRICE)
    const closed = await m.call<Order>(buyer, 'POST', `/v1/market/orders/${bought.body.id}/close`)
    expect(closed.body).toMatchObject({ status: 'refunded', paid: '0', allowance: { calls: 5, used: 0 } })
    expect(await m.balance(buyer)).toEqual(before)
  })

  it('takes one review per purchase from its buyer, editable, answered by the seller, in the rating', async () => {
    const second = await m.trader('second buyer')
    const mine = await seller.storage.info(cid)
    const reviews: Review[] = []
    for (const [who, rating] of [[buyer, 4], [second, 1]] as const) {
      const bought = await m.buy(who, listing.id)
      await m.call(seller, 'POST', `/v1/market/orders/${bought.body.id}/fulfil`, { wrappedKey: rewrapKey(mine.wrappedKey, seller.identity, who.identity.encryptionKey) })
      const r = await m.call<Review>(who, 'POST', `/v1/market/orders/${bought.body.id}/review`, { rating, text: `rated ${rating}` })
      expect(r.status).toBe(201)
      expect(r.body).toMatchObject({ orderId: bought.body.id, listingId: listing.id, buyer: who.id, rating, answer: null })
      reviews.push(r.body)
    }
    expect((await m.call<Listing>(undefined, 'GET', `/v1/market/listings/${listing.id}`)).body.rating).toEqual({ mean: 2.5, count: 2 })
    const edited = await m.call<Review>(second, 'PATCH', `/v1/market/reviews/${reviews[1]!.id}`, { rating: 3, text: 'better after the update' })
    expect(edited.body).toMatchObject({ rating: 3, text: 'better after the update' })
    expect((await m.call<Listing>(undefined, 'GET', `/v1/market/listings/${listing.id}`)).body.rating).toEqual({ mean: 3.5, count: 2 })
    const answered = await m.call<Review>(seller, 'POST', `/v1/market/reviews/${reviews[1]!.id}/answer`, { text: 'Thanks, fixed in 1.0.1.' })
    expect(answered.body).toMatchObject({ answer: 'Thanks, fixed in 1.0.1.', rating: 3 })
    expect(answered.body.answeredAt).not.toBeNull()
    const page = await m.call<ReviewPage>(undefined, 'GET', `/v1/market/listings/${listing.id}/reviews`)
    expect(page.body.reviews.map((r) => r.id)).toEqual([reviews[1]!.id, reviews[0]!.id])
    const rated = await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?seller=${seller.id}&minRating=3.5`)
    expect(rated.body.listings.map((l) => l.id)).toEqual([listing.id])
    expect((await m.call<SearchPage>(undefined, 'GET', `/v1/market/listings?seller=${seller.id}&minRating=3.6`)).body.listings).toEqual([])
  })

  it('answers the same purchase and the same listing again for a repeated Idempotency-Key', async () => {
    const before = await m.balance(buyer)
    const headers = { 'idempotency-key': 'buy-once-1' }
    const first = await m.buy(buyer, listing.id, {}, headers)
    const again = await m.buy(buyer, listing.id, {}, headers)
    expect([first.status, again.status]).toEqual([201, 200])
    expect(again.body).toEqual(first.body)
    expect(BigInt((await m.balance(buyer)).available)).toBe(BigInt(before.available) - PRICE)
    const draft = { kind: 'dataset', title: 'Once', licence: 'MIT', access: 'download', price: PRICE.toString(), cid }
    const l1 = await m.call<Listing>(seller, 'POST', '/v1/market/listings', draft, { 'idempotency-key': 'list-once' })
    const l2 = await m.call<Listing>(seller, 'POST', '/v1/market/listings', draft, { 'idempotency-key': 'list-once' })
    expect([l1.status, l2.status]).toEqual([201, 200])
    expect(l2.body.id).toBe(l1.body.id)
  })
})
