/**
 * MarketClient against a real hub in this process with real storage nodes: a seller stores and
 * lists a dataset, a buyer finds it by search, buys it, the seller's side wraps the key to the
 * buyer, and the buyer downloads and decrypts the very bytes; the seller is paid the price less
 * the governed fee. Per-call orders hold an allowance; reviews are once per purchase; refusals
 * come back with their codes and change nothing.
 */
import { randomBytes } from 'node:crypto'
import { parseTokens, splitFee } from '@w3ai/ledger'
import { W3aiError, type Listing, type ListingDraft } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStorageNet, type StorageNet } from '../../hub/test/storage-net.js'
import { backends } from '../../hub/test/helpers.js'
import { GovernanceClient, MarketClient, putBytes, WalletClient, type HubClient, type StorageClient } from '../src/index.js'

interface Party {
  id: string
  hub: HubClient
  storage: StorageClient
  market: MarketClient
  wallet: WalletClient
}

const REDUNDANCY = { k: 2, n: 3, repairThreshold: 3 }
const PRICE = parseTokens('2')
const CALL_PRICE = parseTokens('0.01')

async function refusal(p: Promise<unknown>): Promise<W3aiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(W3aiError)
  return err as W3aiError
}

describe.each(backends())('MarketClient on %s', (backend) => {
  let net: StorageNet
  let seller: Party
  let buyer: Party
  let data: Buffer
  let cid: string
  let dataset: Listing

  const party = async (name: string): Promise<Party> => {
    const a = await net.account(name)
    return { id: a.identity.id, hub: a.hub, storage: a.storage, market: new MarketClient(a.hub, a.identity), wallet: new WalletClient(a.hub) }
  }
  const draft = (over: Partial<ListingDraft> = {}): ListingDraft => ({
    kind: 'dataset',
    title: 'Corner shop purchase history',
    description: 'Two years of purchases of a corner shop, one line per item bought',
    tags: ['retail', 'purchases'],
    licence: 'CC-BY-4.0',
    access: 'download',
    price: PRICE.toString(),
    cid,
    card: { kind: 'dataset', schema: [{ name: 'user', type: 'string' }, { name: 'item', type: 'string' }], rowCount: 3, preview: [{ user: 'u1', item: 'tea' }] },
    ...over,
  })

  beforeAll(async () => {
    net = await startStorageNet(backend, 3, { ledger: { faucet: true } })
    ;[seller, buyer] = await Promise.all([party('seller'), party('buyer')])
    await buyer.wallet.faucet(parseTokens('100'))
    data = randomBytes(150_000)
    cid = await putBytes(seller.storage, data, { redundancy: REDUNDANCY, name: 'purchases.csv' })
    dataset = await seller.market.publish(draft())
  }, 120_000)

  afterAll(() => net?.close(), 60_000)

  it('publishes once per idempotency key and finds the listing by search, a page at a time', async () => {
    expect(dataset).toMatchObject({ seller: seller.id, kind: 'dataset', access: 'download', price: PRICE.toString(), versions: [{ version: '1.0.0', cid }], rating: { mean: 0, count: 0 } })
    const key = 'publish-model-1'
    const model = await seller.market.publish(draft({ kind: 'model', title: 'Basket scorer', access: 'per-call', price: CALL_PRICE.toString(), tags: ['retail'], card: undefined }), { idempotencyKey: key })
    const again = await seller.market.publish(draft({ kind: 'model', title: 'Basket scorer', access: 'per-call', price: CALL_PRICE.toString(), tags: ['retail'], card: undefined }), { idempotencyKey: key })
    expect(again.id).toBe(model.id)
    expect((await refusal(seller.market.publish(draft({ title: 'another draft' }), { idempotencyKey: key }))).code).toBe('VALIDATION_FAILED')

    const found = await buyer.market.search({ q: 'purchase history' })
    expect(found[0]?.id).toBe(dataset.id)
    expect(found[0]?.latest.cid).toBe(cid)
    const retail = await buyer.market.search({ tag: 'retail', limit: 1 })
    expect(retail).toHaveLength(1)
    expect(retail.nextCursor).not.toBeNull()
    const pages: string[][] = []
    for await (const page of buyer.market.searchPages({ tag: 'retail', limit: 1 })) pages.push(page.listings.map((l) => l.id))
    expect(pages.length).toBeGreaterThanOrEqual(2)
    const all: string[] = []
    for await (const l of buyer.market.searchAll({ tag: 'retail', limit: 1 })) all.push(l.id)
    expect(all).toEqual(pages.flat())
    expect(new Set(all)).toEqual(new Set([dataset.id, model.id]))
    expect((await buyer.market.search({ kind: 'model', maxPrice: CALL_PRICE })).map((l) => l.id)).toEqual([model.id])
    expect((await refusal(buyer.market.search({ minPrice: '5000000000000', maxPrice: '1000000000000' }))).code).toBe('MARKET_INVALID_QUERY')
  })

  it('sells a download: escrow, the seller wraps the key to the buyer, the buyer decrypts the same bytes, the seller is paid less the fee', async () => {
    const order = await buyer.market.buy(dataset.id)
    expect(order).toMatchObject({ listingId: dataset.id, buyer: buyer.id, seller: seller.id, mode: 'download', status: 'pending', amount: PRICE.toString(), cid, wrappedKey: null, paid: null })
    expect(BigInt((await buyer.wallet.balance()).pending)).toBe(PRICE)
    // Nothing to read before the seller's side delivers, and only the seller fulfils.
    expect((await refusal(buyer.market.download(order.id, () => undefined))).code).toBe('MARKET_INVALID_STATE')
    expect((await refusal(buyer.market.fulfil(order.id))).code).toBe('MARKET_NOT_SELLER')
    expect((await refusal(buyer.storage.info(cid))).code).toMatch(/^STORAGE_/)

    const before = BigInt((await seller.wallet.balance()).balance)
    const seen: string[] = []
    const outcomes = await seller.market.fulfilPending({ onOrder: (o) => seen.push(o.orderId) })
    expect(seen).toEqual([order.id])
    expect(outcomes[0]?.error).toBeUndefined()
    const fulfilled = outcomes[0]?.order
    expect(fulfilled).toMatchObject({ id: order.id, status: 'fulfilled' })
    expect(fulfilled?.wrappedKey).not.toBeNull()

    const p = Object.fromEntries((await new GovernanceClient(buyer.hub).parameters()).map((x) => [x.name, Number(x.value)]))
    const split = splitFee(PRICE, { feeRateBps: p.feeRateBps as number, treasuryShareBps: p.treasuryShareBps as number, burnShareBps: p.burnShareBps as number })
    expect(fulfilled?.paid).toBe(split.nodes.toString())
    expect(BigInt((await seller.wallet.balance()).balance) - before).toBe(split.nodes)
    expect((await buyer.wallet.balance()).pending).toBe('0')

    const parts: Buffer[] = []
    const summary = await buyer.market.download(order.id, (chunk) => void parts.push(Buffer.from(chunk)))
    expect(summary.cid).toBe(cid)
    expect(Buffer.concat(parts).equals(data)).toBe(true)
    // The ordinary storage download reads it too: the hub recorded the wrapped key as a share.
    const again: Buffer[] = []
    await buyer.storage.get(cid, (chunk) => void again.push(Buffer.from(chunk)))
    expect(Buffer.concat(again).equals(data)).toBe(true)

    // Fulfilling again answers the order as it is; nothing more is paid.
    expect((await seller.market.fulfil(order.id)).paid).toBe(split.nodes.toString())
    expect(await seller.market.fulfilPending()).toEqual([])
    expect((await buyer.market.orders()).map((o) => o.id)).toContain(order.id)
    expect((await seller.market.orders({ role: 'seller', status: 'fulfilled' })).map((o) => o.id)).toEqual([order.id])
  })

  it('reviews a purchase once, edits it, and the seller answers', async () => {
    const order = (await buyer.market.orders({ status: 'fulfilled' }))[0]!
    const review = await buyer.market.review(order.id, { rating: 4, text: 'clean data' })
    expect(review).toMatchObject({ orderId: order.id, listingId: dataset.id, buyer: buyer.id, rating: 4, text: 'clean data', answer: null })
    expect((await refusal(buyer.market.review(order.id, { rating: 5 }))).code).toBe('MARKET_REVIEW_EXISTS')
    expect((await refusal(seller.market.review(order.id, { rating: 5 }))).code).toMatch(/^MARKET_(REVIEW_NOT_ALLOWED|ORDER_NOT_FOUND)$/)
    expect((await buyer.market.editReview(review.id, { rating: 5 })).rating).toBe(5)
    expect((await refusal(buyer.market.answer(review.id, 'thanks'))).code).toBe('MARKET_NOT_SELLER')
    expect((await seller.market.answer(review.id, 'thank you')).answer).toBe('thank you')
    const reviews = await buyer.market.reviews(dataset.id)
    expect(reviews.map((r) => [r.id, r.rating, r.answer])).toEqual([[review.id, 5, 'thank you']])
    const listing = await buyer.market.get(dataset.id)
    expect(listing.rating).toEqual({ mean: 5, count: 1 })
  })

  it('buys a per-call allowance: calls × price held, closed unused gives it all back', async () => {
    const model = await seller.market.publish(draft({ kind: 'model', title: 'Next-basket model', access: 'per-call', price: CALL_PRICE.toString(), card: undefined }))
    const key = 'allowance-1'
    const order = await buyer.market.buy(model.id, { calls: 25, idempotencyKey: key })
    expect(order).toMatchObject({ mode: 'per-call', status: 'active', price: CALL_PRICE.toString(), amount: (25n * CALL_PRICE).toString(), allowance: { calls: 25, used: 0 } })
    expect((await buyer.market.buy(model.id, { calls: 25, idempotencyKey: key })).id).toBe(order.id)
    expect((await refusal(buyer.market.buy(model.id))).code).toBe('VALIDATION_FAILED')
    expect((await refusal(buyer.market.buy(dataset.id, { calls: 2 }))).code).toBe('VALIDATION_FAILED')
    const closed = await buyer.market.close(order.id)
    expect(closed).toMatchObject({ status: 'refunded', allowance: { calls: 25, used: 0 } })
    expect((await refusal(buyer.market.close(order.id))).code).toBe('MARKET_INVALID_STATE')
  })

  it('updates a listing and adds a version; later buyers get the latest', async () => {
    const v2 = await putBytes(seller.storage, randomBytes(1000), { redundancy: REDUNDANCY })
    const listing = await seller.market.publish(draft({ title: 'Versioned purchases', price: parseTokens('1').toString() }))
    expect((await seller.market.update(listing.id, { price: parseTokens('1.5').toString(), tags: ['retail', 'v2'] })).price).toBe(parseTokens('1.5').toString())
    const updated = await seller.market.addVersion(listing.id, { version: '2.0.0', cid: v2 })
    expect(updated.versions.map((v) => v.version)).toEqual(['1.0.0', '2.0.0'])
    expect((await refusal(seller.market.addVersion(listing.id, { version: '2.0.0', cid: v2 }))).code).toBe('MARKET_VERSION_EXISTS')
    expect((await refusal(buyer.market.update(listing.id, { title: 'mine now' }))).code).toBe('MARKET_NOT_SELLER')
    const order = await buyer.market.buy(listing.id, { deadlineMs: 60_000 })
    expect(order).toMatchObject({ version: '2.0.0', cid: v2, amount: parseTokens('1.5').toString() })
  })

  it('refuses buying your own listing, unknown listings, prices out of bounds and objects you cannot read, changing nothing', async () => {
    const balance = await buyer.wallet.balance()
    expect((await refusal(seller.market.buy(dataset.id))).code).toBe('MARKET_OWN_LISTING')
    expect((await refusal(buyer.market.buy('l_00000000000000000000'))).code).toBe('MARKET_LISTING_NOT_FOUND')
    expect((await refusal(buyer.market.get('l_00000000000000000000'))).code).toBe('MARKET_LISTING_NOT_FOUND')
    expect((await refusal(buyer.market.order('o_0000000000000000'))).code).toBe('MARKET_ORDER_NOT_FOUND')
    expect((await refusal(seller.market.publish(draft({ price: '1' })))).code).toBe('MARKET_PRICE_OUT_OF_BOUNDS')
    // The buyer cannot list the seller's object (not shared with it).
    const own = await putBytes(seller.storage, randomBytes(100), { redundancy: REDUNDANCY })
    expect((await refusal(buyer.market.publish(draft({ cid: own })))).code).toBe('MARKET_OBJECT_NOT_READABLE')
    const poor = await party('poor')
    const refused = await refusal(poor.market.buy(dataset.id))
    expect(refused.code).toBe('LEDGER_INSUFFICIENT_FUNDS')
    expect(refused.details).toMatchObject({ needed: PRICE.toString(), available: '0' })
    expect(await poor.market.orders()).toHaveLength(0)
    expect(await buyer.wallet.balance()).toEqual(balance)
  })
})
