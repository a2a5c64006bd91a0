/**
 * The market tab's rules, apart from React: its address, the search form → the hub's query, the
 * publish form → a draft the hub's schema accepts, the buy total and fee split (the ledger's own
 * split to the unit), what an order lets its buyer or seller do, an app's Run form → the job it
 * submits, the recommender's scoring job and ranking, and the market events the tab counts.
 */
import { Value } from '@sinclair/typebox/value'
import { describe, expect, it } from 'vitest'
import { splitFee as ledgerSplit } from '@w3ai/ledger'
import { JobSubmitSchema, ListingDraftSchema, SearchQuerySchema } from '@w3ai/protocol'
import type { AppTemplate } from '@w3ai/market/portable'
import { appTemplateOf, bindForm, initialValues, launchOf, paramHint } from '../src/market/app-run.js'
import { feeParamsOf, orderTotal, splitFee } from '../src/market/fees.js'
import { priceText, ratingText, stars, tokensText } from '../src/market/format.js'
import { marketHash, marketViewOf } from '../src/market/hash.js'
import { allowanceText, orderActions, ordersOf, reviewable, statusLabel } from '../src/market/orders.js'
import { accessModesFor, CARD_EXAMPLES, draftOf, INITIAL_PUBLISH, tagsOf, withKind, type PublishForm } from '../src/market/publish.js'
import { scoringJob, topItems } from '../src/market/recommender.js'
import { EMPTY_SEARCH, hasFilters, searchParamsOf, searchPath } from '../src/market/search.js'
import { NO_MARKET_EVENTS, reduceMarketEvent } from '../src/market/use-market-events.js'
import { APP_CARD, BUYER, CID, CID_2, listing, LISTING_ID, NOW, order, review, SELLER, T } from './market-fixtures.js'

describe('market address', () => {
  it('names each view and reads it back; anything else is browse', () => {
    for (const view of [{ view: 'browse' }, { view: 'publish' }, { view: 'purchases' }, { view: 'sales' }, { view: 'listing', id: LISTING_ID }] as const) {
      expect(marketViewOf(marketHash(view))).toEqual(view)
    }
    expect(marketHash({ view: 'listing', id: LISTING_ID })).toBe(`#market/${LISTING_ID}`)
    expect(marketViewOf('#market')).toEqual({ view: 'browse' })
    expect(marketViewOf('#market/l_nothex')).toEqual({ view: 'browse' })
    expect(marketViewOf('#wallet')).toEqual({ view: 'browse' })
  })
})

describe('search form', () => {
  it('sends only what is set, prices in units, and the hub schema takes it', () => {
    const params = searchParamsOf({ ...EMPTY_SEARCH, q: '  shop   purchases ', kind: 'dataset', access: 'download', tag: 'Shop', licence: 'cc-by-4.0', minPrice: '0', maxPrice: '2.5', minRating: '4' })
    expect(params).toEqual({ q: 'shop purchases', kind: 'dataset', access: 'download', tag: 'shop', licence: 'CC-BY-4.0', minPrice: '0', maxPrice: String(25n * T / 10n), minRating: '4' })
    expect(Value.Check(SearchQuerySchema, { ...params, minRating: 4 })).toBe(true)
    expect(searchParamsOf(EMPTY_SEARCH)).toEqual({})
    expect(hasFilters(params)).toBe(true)
    expect(hasFilters({ q: 'x' })).toBe(false)
  })

  it('refuses a bad filter with the reason, before asking the hub', () => {
    expect(() => searchParamsOf({ ...EMPTY_SEARCH, minPrice: '3', maxPrice: '2' })).toThrow(/minPrice/)
    expect(() => searchParamsOf({ ...EMPTY_SEARCH, maxPrice: 'lots' })).toThrow(/Highest price/)
    expect(() => searchParamsOf({ ...EMPTY_SEARCH, tag: 'no spaces!' })).toThrow(/tag/)
    expect(() => searchParamsOf({ ...EMPTY_SEARCH, minRating: '6' })).toThrow(/minRating/)
  })

  it('pages at most 100 listings and carries the cursor', () => {
    expect(searchPath({ q: 'a b' }, null, 500)).toBe('/v1/market/listings?q=a+b&limit=100')
    expect(searchPath({}, 'abc', 20)).toBe('/v1/market/listings?limit=20&cursor=abc')
  })
})

describe('publish form', () => {
  const form = (patch: Partial<PublishForm>): PublishForm => ({ ...INITIAL_PUBLISH, title: 'Shop purchases', cid: CID, ...patch })

  it('makes drafts the hub schema accepts, normalized as the hub stores them', () => {
    const dataset = draftOf(form({ tags: 'Shop, purchases shop', description: 'All of it', price: '2.5', licence: 'cc-by-4.0', card: JSON.stringify(CARD_EXAMPLES.dataset) }))
    expect(dataset).toMatchObject({ kind: 'dataset', title: 'Shop purchases', description: 'All of it', tags: ['shop', 'purchases'], licence: 'CC-BY-4.0', access: 'download', price: String(25n * T / 10n), cid: CID, version: '1.0.0' })
    expect(dataset.card).toMatchObject({ kind: 'dataset', rowCount: 2 })
    const model = draftOf(withKind(form({ card: JSON.stringify(CARD_EXAMPLES.model), version: '2.0.0' }), 'model'))
    expect(model).toMatchObject({ kind: 'model', access: 'download', version: '2.0.0' })
    const app = draftOf({ ...withKind(form({}), 'app'), access: 'per-call', price: '0.001', card: JSON.stringify(APP_CARD) })
    expect(app).toMatchObject({ kind: 'app', access: 'per-call', price: String(T / 1000n) })
    for (const draft of [dataset, model, app]) expect(Value.Check(ListingDraftSchema, draft)).toBe(true)
    expect(draftOf(form({})).card).toBeUndefined()
  })

  it('offers the access modes of the kind, keeping the chosen one when it fits', () => {
    expect(accessModesFor('dataset')).toEqual(['download', 'compute-only'])
    expect(withKind({ ...INITIAL_PUBLISH, access: 'compute-only' }, 'model').access).toBe('download')
    expect(withKind({ ...INITIAL_PUBLISH, access: 'download' }, 'app').access).toBe('download')
    expect(tagsOf(' A,b  a ')).toEqual(['a', 'b'])
  })

  it('names the field that is wrong', () => {
    expect(() => draftOf(form({ cid: '' }))).toThrow(/Pick the stored object/)
    expect(() => draftOf(form({ title: '  ' }))).toThrow(/^title/)
    expect(() => draftOf(form({ price: '0' }))).toThrow(/^price/)
    expect(() => draftOf(form({ price: '0.0000001' }))).toThrow(/outside/)
    expect(() => draftOf(form({ card: '{ nope' }))).toThrow(/not JSON/)
    expect(() => draftOf(form({ card: '[]' }))).toThrow(/JSON object/)
    expect(() => draftOf(form({ card: JSON.stringify(CARD_EXAMPLES.model) }))).toThrow(/card.kind/)
    expect(() => draftOf({ ...withKind(form({}), 'app') })).toThrow(/^card/)
    expect(() => draftOf({ ...form({}), access: 'per-call' })).toThrow(/^access/)
    expect(() => draftOf(form({ tags: 'ok, Not_ok' }))).toThrow(/tags/)
  })
})

describe('buying', () => {
  const parameters = [
    { name: 'feeRateBps', value: '500' },
    { name: 'treasuryShareBps', value: '3333' },
    { name: 'burnShareBps', value: '5000' },
    { name: 'other', value: 'x' },
  ]

  it('splits a total as the ledger settles it, to the unit', () => {
    const fees = feeParamsOf(parameters)
    expect(fees).toEqual({ feeRateBps: 500, treasuryShareBps: 3333, burnShareBps: 5000 })
    for (const total of [orderTotal('1000000000000'), orderTotal(String(25n * T / 10n)), orderTotal('1234567890123456789', 7), 999_999n]) {
      const split = splitFee(total, fees!)
      const ledger = ledgerSplit(total, fees!)
      expect({ fee: split.fee, treasury: split.treasury, burn: split.burn, seller: split.seller }).toEqual({ fee: ledger.fee, treasury: ledger.treasury, burn: ledger.burn, seller: ledger.nodes })
      expect(split.seller + split.treasury + split.burn).toBe(total)
    }
    expect(orderTotal(String(T / 1000n), 10)).toBe(T / 100n)
  })

  it('has no split when the hub does not say its fee parameters', () => {
    expect(feeParamsOf(parameters.slice(1))).toBeNull()
    expect(feeParamsOf([...parameters.slice(0, 2), { name: 'burnShareBps', value: '9000' }])).toBeNull()
  })

  it('writes prices exactly, with what one buys', () => {
    expect(priceText(String(25n * T / 10n), 'download')).toBe('2.5 tokens')
    expect(priceText(String(T / 1000n), 'per-call')).toBe('0.001 tokens per call')
    expect(priceText(String(T), 'compute-only')).toBe('1 token per compute job')
    expect(tokensText(1n)).toBe('0.000000000000000001 tokens')
    expect(ratingText({ mean: 4.5, count: 2 })).toBe('★ 4.5 (2 reviews)')
    expect(ratingText({ mean: 0, count: 0 })).toBe('no reviews yet')
    expect(stars(4)).toBe('★★★★☆')
  })
})

describe('orders', () => {
  it('lets the seller fulfil a pending download before its deadline, and only the seller', () => {
    expect(orderActions(order(), SELLER, NOW)).toEqual({ fulfil: true, download: false, close: false, review: false })
    expect(orderActions(order(), BUYER, NOW)).toEqual({ fulfil: false, download: false, close: false, review: false })
    expect(orderActions(order(), SELLER, Date.parse('2026-01-03T00:00:00Z')).fulfil).toBe(false)
  })

  it('lets the buyer download and review a fulfilled download', () => {
    expect(orderActions(order({ status: 'fulfilled' }), BUYER, NOW)).toEqual({ fulfil: false, download: true, close: false, review: true })
    expect(orderActions(order({ status: 'refunded' }), BUYER, NOW).review).toBe(false)
  })

  it('shows a per-call allowance and lets its buyer close it', () => {
    const allowance = order({ mode: 'per-call', status: 'active', allowance: { calls: 10, used: 3 } })
    expect(allowanceText(allowance)).toBe('3 of 10 calls used')
    expect(allowanceText(order())).toBeNull()
    expect(orderActions(allowance, BUYER, NOW)).toEqual({ fulfil: false, download: false, close: true, review: true })
    expect(statusLabel('exhausted')).toBe('closed')
  })

  it("finds the buyer's reviewable purchases of a listing, with their reviews", () => {
    const delivered = order({ status: 'fulfilled' })
    const other = order({ id: 'o_1111111111111111', status: 'fulfilled' })
    const elsewhere = order({ id: 'o_2222222222222222', listingId: 'l_ffffffffffffffffffff', status: 'fulfilled' })
    const found = reviewable([delivered, other, elsewhere, order({ id: 'o_3333333333333333' })], LISTING_ID, BUYER, [review()], NOW)
    expect(found.map((f) => [f.order.id, f.review?.id])).toEqual([
      [delivered.id, review().id],
      [other.id, undefined],
    ])
    expect(ordersOf([delivered, elsewhere], LISTING_ID)).toEqual([delivered])
    expect(ordersOf(null, LISTING_ID)).toEqual([])
  })
})

describe('app run form', () => {
  const app = appTemplateOf(listing({ kind: 'app', access: 'per-call', card: APP_CARD }))
  const template = (app as { template: AppTemplate }).template

  it('reads the template from the card, with a field per param', () => {
    expect('template' in app).toBe(true)
    expect(initialValues(template)).toEqual({ history: '', seed: '1', users: '200', items: '40', categories: '4', neighbours: '0', k: '10' })
    expect(paramHint(template.params[1]!)).toBe('int 0…100, default 1')
    expect(paramHint(template.params[0]!)).toBe('cid, optional')
    expect(appTemplateOf(listing())).toEqual({ error: 'Only app listings are runnable.' })
    expect('error' in appTemplateOf(listing({ kind: 'app', card: { kind: 'app' } }))).toBe(true)
  })

  it('binds the typed values, refusing a bad one by name', () => {
    expect(bindForm(template, { ...initialValues(template), seed: '7', history: ' ' })).toEqual({ seed: 7, users: 200, items: 40, categories: 4, neighbours: 0, k: 10 })
    expect(() => bindForm(template, { seed: 'x' })).toThrow(/param seed/)
    expect(() => bindForm(template, { k: '1000' })).toThrow(/param k.*at most 100/)
  })

  it('runs the builtin recommender on the user side', () => {
    expect(launchOf(template, { seed: 1 })).toEqual({ kind: 'recommender', params: { seed: 1 } })
  })

  it('submits a job template as a job the hub accepts: cid params as inputs, the rest as params', () => {
    const jobTemplate: AppTemplate = {
      runnable: { kind: 'job', executor: 'train', spec: { layers: [8, 2] } },
      params: [
        { name: 'dataset', type: 'cid' },
        { name: 'epochs', type: 'int', default: 3, min: 1, max: 50 },
        { name: 'shuffle', type: 'bool', default: true },
      ],
    }
    const launch = launchOf(jobTemplate, bindForm(jobTemplate, { dataset: CID, epochs: '5' }))
    expect(launch).toEqual({ kind: 'job', job: { executor: 'train', inputs: { dataset: CID }, params: { spec: { layers: [8, 2], epochs: 5, shuffle: true } } } })
    expect(Value.Check(JobSubmitSchema, (launch as { job: unknown }).job)).toBe(true)
    expect(() => bindForm(jobTemplate, {})).toThrow(/param dataset.*required/)
  })

  it('says what a pipeline or federated template needs that the dashboard lacks', () => {
    for (const kind of ['pipeline', 'federated'] as const) {
      const launch = launchOf({ runnable: { kind }, params: [] }, {})
      expect(launch.kind).toBe('missing')
      expect((launch as { missing: string }).missing).toMatch(/dashboard/)
    }
  })
})

describe('recommender in the page', () => {
  const trained = { items: 5, basket: [1, 3] }

  it("scores the sample customer's basket with an ONNX job the hub accepts", () => {
    const job = scoringJob(CID_2, trained)
    expect(job).toEqual({ executor: 'onnx', inputs: { model: CID_2 }, params: { tensors: { purchases: { type: 'float32', dims: [1, 5], data: [0, 1, 0, 1, 0] } } } })
    expect(Value.Check(JobSubmitSchema, job)).toBe(true)
  })

  it('ranks the scores into the top k, leaving out what was bought', () => {
    const result = { outputs: { scores: { type: 'float32', dims: [1, 5], data: [0.5, 9, 0.7, 9, 0.5] } } }
    expect(topItems(result, trained, 2)).toEqual([2, 0])
    expect(topItems({ outputs: {} }, trained, 2)).toBeNull()
    expect(topItems(null, trained, 2)).toBeNull()
  })

  it('trains on a generated shop: its model beats the popularity baseline and its card says so', async () => {
    const { trainInPage } = await import('../src/market/recommender.js')
    const run = await trainInPage({ seed: 1, users: 400, items: 60, categories: 6, neighbours: 0, k: 10 })
    expect(run.items).toBe(60)
    expect(run.onnx.byteLength).toBeGreaterThan(60 * 60 * 4)
    expect(run.basket.length).toBeGreaterThanOrEqual(2)
    expect(run.report.recall).toBeGreaterThan(run.report.baselineRecall)
    expect(run.card.metrics?.map((m) => m.name)).toContain('recall@10')
  })
})

describe('market events', () => {
  it('counts order events with their order and listing, and ignores the rest', () => {
    const event = { type: 'market.order.updated', orderId: 'o_1', listingId: LISTING_ID, status: 'fulfilled', buyer: BUYER, seller: SELLER } as const
    const once = reduceMarketEvent(NO_MARKET_EVENTS, event)
    expect(once.version).toBe(1)
    expect(once.orders.get('o_1')).toBe(1)
    expect(once.listings.get(LISTING_ID)).toBe(1)
    const twice = reduceMarketEvent(once, { ...event, orderId: 'o_2' })
    expect([twice.version, twice.orders.get('o_2'), twice.listings.get(LISTING_ID)]).toEqual([2, 2, 2])
    expect(reduceMarketEvent(twice, { type: 'job.updated', jobId: 'j_1' } as never)).toBe(twice)
  })
})
