/** The market tab's components: what each shows for given wire objects. */
import { createElement, type FunctionComponent } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { AppTemplate } from '@w3ai/market/portable'
import { AppRunCard } from '../src/components/market/AppRunCard.js'
import { BuyForm, callsOf } from '../src/components/market/BuyForm.js'
import { CardView } from '../src/components/market/CardView.js'
import { ListingHeader } from '../src/components/market/ListingHeader.js'
import { ListingResults } from '../src/components/market/ListingResults.js'
import { OrderTable } from '../src/components/market/OrderTable.js'
import { PublishForm } from '../src/components/market/PublishForm.js'
import { ReviewForm, ReviewList } from '../src/components/market/Reviews.js'
import { SearchBar } from '../src/components/market/SearchBar.js'
import { EMPTY_SEARCH } from '../src/market/search.js'
import { APP_CARD, BUYER, CID, listing, MODEL_CARD, NOW, order, review, SELLER, summary, T } from './market-fixtures.js'

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props))
const count = (html: string, pattern: RegExp): number => html.match(new RegExp(pattern, 'g'))?.length ?? 0
const never = (): Promise<never> => new Promise(() => undefined)
const noop = (): void => undefined
const FEES = { feeRateBps: 500, treasuryShareBps: 4000, burnShareBps: 2000 }

describe('search bar and results', () => {
  it('offers the text search and every filter', () => {
    const html = render(SearchBar, { form: { ...EMPTY_SEARCH, q: 'shop' }, onChange: noop, onSearch: noop, onReset: noop, error: 'minPrice: must not be above maxPrice' })
    for (const id of ['q', 'submit']) expect(html).toContain(`data-testid="market-search-${id}"`)
    for (const id of ['kind', 'access', 'tag', 'licence', 'min-price', 'max-price', 'rating']) expect(html).toContain(`data-testid="market-filter-${id}"`)
    expect(html).toContain('value="shop"')
    expect(html).toContain('CC-BY-4.0')
    expect(html).toContain('data-testid="market-search-error"')
  })

  it('lists listings with price, access, licence, rating and tags; yours marked; Load more while there is more', () => {
    const listings = [summary(1), summary(2, { seller: BUYER, access: 'per-call', kind: 'model', price: String(T / 1000n), rating: { mean: 0, count: 0 } })]
    const html = render(ListingResults, { listings, error: null, me: BUYER, ranked: true, hasMore: true, loadingMore: false, onMore: noop, onOpen: noop })
    expect(count(html, /data-testid="market-result"/)).toBe(2)
    expect(html).toContain('2.5 tokens')
    expect(html).toContain('0.001 tokens per call')
    expect(html).toContain('★ 4.5 (2 reviews)')
    expect(html).toContain('no reviews yet')
    expect(html).toContain('#purchases')
    expect(count(html, />yours</)).toBe(1)
    expect(html).toContain('best match first')
    expect(html).toContain('data-testid="market-results-more"')
  })

  it('says when nothing is found', () => {
    const html = render(ListingResults, { listings: [], error: null, me: null, ranked: false, hasMore: false, loadingMore: false, onMore: noop, onOpen: noop })
    expect(html).toContain('market-results-empty')
    expect(html).not.toContain('market-results-more')
  })
})

describe('listing page parts', () => {
  it('shows the facts and every version by CID, the latest marked', () => {
    const html = render(ListingHeader, { listing: listing(), me: SELLER, onBack: noop })
    expect(html).toContain('Shop purchases 2025')
    expect(html).toMatch(/data-testid="listing-price" data-units="2500000000000000000"/)
    expect(count(html, /data-testid="listing-version"/)).toBe(2)
    expect(html).toContain(CID)
    expect(html).toContain('CC-BY-4.0')
    expect(count(html, />latest</)).toBe(1)
    expect(html).toContain('>you<')
  })

  it("shows a dataset card's schema, row count and preview", () => {
    const html = render(CardView, { card: listing().card, kind: 'dataset' })
    expect(html).toContain('data-card-kind="dataset"')
    expect(html).toContain('1,200')
    expect(count(html, /data-testid="card-preview-row"/)).toBe(2)
    expect(html).toContain('i42')
    expect(html).toContain('2 of 1,200 rows shown')
  })

  it("shows a model card's intended use, metrics with their data, limitations, inputs and outputs", () => {
    const html = render(CardView, { card: MODEL_CARD, kind: 'model' })
    expect(html).toContain('Digits 0-9 from 8x8 images')
    expect(html).toMatch(/data-testid="card-metric" data-name="accuracy"/)
    expect(html).toContain('sklearn digits, 20% held out')
    expect(html).toContain('Only 8x8 greyscale digits.')
    expect(html).toContain('float32[batch, 64]')
    expect(html).toContain('float32[batch, 10]')
  })

  it("shows an app card's template and typed params", () => {
    const html = render(CardView, { card: APP_CARD, kind: 'app' })
    expect(html).toContain('data-kind="builtin"')
    expect(count(html, /data-testid="card-param"/)).toBe(7)
    expect(html).toContain('int 0…100, default 1')
    expect(html).toContain('recall@10')
  })

  it('shows a card that does not check as written, and no card as none', () => {
    expect(render(CardView, { card: { kind: 'dataset', rowCount: -1 }, kind: 'dataset' })).toContain('does not check')
    expect(render(CardView, { card: {}, kind: 'model' })).toContain('published no card')
  })
})

describe('buy form', () => {
  const perCall = listing({ kind: 'model', access: 'per-call', price: String(T / 1000n) })

  it('asks a per-call buyer for the calls and shows the total and the fee split', () => {
    const html = render(BuyForm, { listing: perCall, me: BUYER, fees: FEES, onBuy: never })
    expect(html).toContain('data-testid="buy-calls"')
    // 10 calls × 0.001 = 0.01 tokens; fee 5% = 0.0005, treasury 40% of it, burn 20%, the rest to the seller.
    expect(html).toMatch(/data-testid="buy-total" data-units="10000000000000000"/)
    expect(html).toMatch(/data-testid="buy-fee" data-units="500000000000000"/)
    expect(html).toMatch(/data-testid="buy-seller" data-units="9700000000000000"/)
    expect(html).toContain('data-testid="buy-submit"')
  })

  it('shows the price of a download without calls, and no split while the parameters are unknown', () => {
    const html = render(BuyForm, { listing: listing(), me: BUYER, fees: null, onBuy: never })
    expect(html).not.toContain('buy-calls')
    expect(html).toMatch(/data-testid="buy-total" data-units="2500000000000000000"/)
    expect(html).not.toContain('buy-seller')
    expect(html).toContain('not known yet')
  })

  it('has no Buy on your own listing, and asks for an identity without one', () => {
    expect(render(BuyForm, { listing: listing(), me: SELLER, fees: FEES, onBuy: never })).toContain('data-testid="buy-own"')
    expect(render(BuyForm, { listing: listing(), me: SELLER, fees: FEES, onBuy: never })).not.toContain('buy-submit')
    const anonymous = render(BuyForm, { listing: listing(), me: null, fees: FEES, onBuy: never })
    expect(anonymous).toContain('buy-need-identity')
    expect(anonymous).not.toContain('buy-submit')
  })

  it('reads the calls typed', () => {
    expect(callsOf(' 25 ')).toBe(25)
    expect(callsOf('0')).toEqual({ error: expect.stringContaining('1 to 1,000,000') })
    expect(callsOf('2.5')).toEqual({ error: expect.stringContaining('whole number') })
  })
})

describe('reviews', () => {
  it("shows ratings, texts and the seller's answers; the seller may answer", () => {
    const reviews = [review({ answer: 'Thanks!' }), review({ id: 'r_ffffffffffffffffffff', rating: 2, text: '' })]
    const seller = render(ReviewList, { reviews, error: null, seller: true, me: SELLER, onAnswer: never, hasMore: false, loadingMore: false, onMore: noop })
    expect(count(seller, /data-testid="review"/)).toBe(2)
    expect(seller).toContain('★★★★☆')
    expect(seller).toContain('Clean data.')
    expect(count(seller, /data-testid="review-answer"/)).toBe(1)
    expect(count(seller, /data-testid="answer-open"/)).toBe(2)
    const buyer = render(ReviewList, { reviews, error: null, seller: false, me: BUYER, onAnswer: never, hasMore: true, loadingMore: false, onMore: noop })
    expect(buyer).not.toContain('answer-open')
    expect(buyer).toContain('>you<')
    expect(buyer).toContain('reviews-more')
  })

  it('offers a review of a purchase, or its edit once reviewed', () => {
    const fresh = render(ReviewForm, { purchases: [{ order: order({ status: 'fulfilled' }), review: undefined }], onReview: never, onEdit: never })
    expect(fresh).toContain('data-editing="false"')
    expect(fresh).toContain('Post review')
    const done = render(ReviewForm, { purchases: [{ order: order({ status: 'fulfilled' }), review: review() }], onReview: never, onEdit: never })
    expect(done).toContain('data-editing="true"')
    expect(done).toContain('Clean data.')
  })
})

describe('order tables', () => {
  const sales = [order(), order({ id: 'o_1111111111111111', status: 'fulfilled', paid: String(24n * T / 10n) })]

  it('offers the seller Fulfil on a pending download and shows what a fulfilled one paid', () => {
    const html = render(OrderTable, { role: 'seller', orders: sales, error: null, me: SELLER, now: NOW, titles: new Map([[sales[0]!.listingId, 'Shop purchases']]), onOpenListing: noop, onFulfil: never, onDownload: never, onClose: never, hasMore: false, loadingMore: false, onMore: noop })
    expect(count(html, /data-testid="order-row"/)).toBe(2)
    expect(count(html, /data-testid="order-fulfil"/)).toBe(1)
    expect(html).not.toContain('order-download')
    expect(html).toMatch(/data-testid="order-paid" data-units="2400000000000000000"/)
    expect(html).toContain('Shop purchases')
    expect(html).toContain('waiting for the seller')
  })

  it('offers the buyer Download on a fulfilled download, and shows an allowance with Close', () => {
    const purchases = [order({ status: 'fulfilled' }), order({ id: 'o_2222222222222222', mode: 'per-call', status: 'active', allowance: { calls: 10, used: 0 } })]
    const html = render(OrderTable, { role: 'buyer', orders: purchases, error: null, me: BUYER, now: NOW, titles: new Map(), onOpenListing: noop, onFulfil: never, onDownload: never, onClose: never, hasMore: true, loadingMore: false, onMore: noop })
    expect(count(html, /data-testid="order-download"/)).toBe(1)
    expect(count(html, /data-testid="order-close"/)).toBe(1)
    expect(html).toMatch(/data-testid="order-allowance" data-calls="10" data-used="0"/)
    expect(html).toContain('0 of 10 calls used')
    expect(count(html, /data-testid="order-review"/)).toBe(2)
    expect(html).not.toContain('order-fulfil')
    expect(html).toContain('orders-buyer-more')
  })

  it("narrows to status, amount and actions on a listing's page", () => {
    const html = render(OrderTable, { role: 'buyer', orders: [order({ status: 'fulfilled' })], error: null, me: BUYER, now: NOW, titles: new Map(), onOpenListing: noop, onFulfil: never, onDownload: never, onClose: never, hasMore: false, loadingMore: false, onMore: noop, compact: true })
    expect(html).toContain('Your orders of this listing')
    expect(html).not.toContain('order-listing')
    expect(html).not.toContain('order-review')
    expect(html).toContain('data-testid="order-download"')
    expect(html).toContain('data-testid="order-status"')
  })

  it('says when there are none', () => {
    expect(render(OrderTable, { role: 'seller', orders: [], error: null, me: SELLER, now: NOW, titles: new Map(), onOpenListing: noop, onFulfil: never, onDownload: never, onClose: never, hasMore: false, loadingMore: false, onMore: noop })).toContain('orders-seller-empty')
  })
})

describe('publish form', () => {
  it('offers every field, your files to pick from, and the access modes of the kind', () => {
    const objects = [{ cid: CID, name: 'purchases.csv', size: 2048 }] as never
    const html = render(PublishForm, { objects, objectsError: null, onPublish: never, onPublished: noop, appCard: never })
    for (const id of ['kind', 'access', 'title', 'description', 'tags', 'licence', 'price', 'version', 'object', 'cid', 'card', 'card-example', 'submit']) expect(html).toContain(`data-testid="publish-${id}"`)
    expect(html).toContain('purchases.csv (2.0 KiB)')
    expect(html).toContain('compute only')
    expect(html).not.toContain('per call</option>')
  })
})

describe('app run card', () => {
  const template = APP_CARD.template as AppTemplate

  it('has a field per typed param with its default, and Run for a buyer', () => {
    const html = render(AppRunCard, { template, entitled: true, objects: [], onRunJob: never, onRunRecommender: never, getJob: never })
    expect(count(html, /data-testid="app-param-/)).toBe(7)
    expect(html).toMatch(/data-testid="app-param-seed"[^>]*value="1"/)
    expect(html).toContain('data-testid="app-run-submit"')
    expect(html).toContain('runs on your side')
  })

  it('is locked for someone who did not buy the app', () => {
    const html = render(AppRunCard, { template, entitled: false, objects: [], onRunJob: never, onRunRecommender: never, getJob: never })
    expect(html).toContain('Buy the app to run it.')
    expect(html).not.toContain('app-run-submit')
  })

  it('renders the form of a template the dashboard cannot launch, saying what is missing', () => {
    const html = render(AppRunCard, { template: { runnable: { kind: 'federated' }, params: [{ name: 'rounds', type: 'int', default: 3 }] }, entitled: true, objects: [], onRunJob: never, onRunRecommender: never, getJob: never })
    expect(html).toContain('data-testid="app-param-rounds"')
    expect(html).toContain('data-testid="app-run-missing-note"')
  })
})
