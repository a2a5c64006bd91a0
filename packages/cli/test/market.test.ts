/**
 * `w3ai market` against a hub in this process with real storage nodes: a seller publishes a file
 * (stored first), a buyer finds it, sees the price and the fee split, buys it with --yes; the
 * seller's `market fulfil` wraps the key to the buyer, once or --watch; the buyer downloads the
 * very bytes and reviews once. Per-call purchases hold an allowance; refusals print their code
 * (--json: { error }) and exit non-zero, changing nothing.
 */
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { readIdentity } from '@w3ai/crypto'
import { storyBackends } from '@w3ai/hub/testing'
import { formatTokens, parseTokens, splitFee } from '@w3ai/ledger'
import { matMulModel } from '@w3ai/market'
import type { Account, Listing, Order, Review, SearchPage } from '@w3ai/protocol'
import { HubClient, MarketClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStorageNet, type StorageNet } from '../../hub/test/storage-net.js'
import type { MarketQuote } from '../src/commands/market-views.js'
import { parseJson, tempHome, w3aiInProcess, type RunResult } from './helpers.js'

type Home = Awaited<ReturnType<typeof tempHome>>
type Outcome = { orderId: string; fulfilled: boolean; order?: Order; error?: { code: string } }

const UNKNOWN_LISTING = 'l_00000000000000000000'
const DATASET_CARD = { kind: 'dataset', schema: [{ name: 'user', type: 'string' }, { name: 'item', type: 'string' }], rowCount: 4, preview: [{ user: 'u1', item: 'tea' }] }

function errorOf(r: RunResult): { code: string; message: string } {
  return parseJson<{ error: { code: string; message: string } }>(r.stdout).error
}

describe.each(storyBackends())('w3ai market on %s', (backend) => {
  let net: StorageNet
  let sellerHome: Home
  let buyerHome: Home
  let files: string
  let data: Buffer
  let dataset: Listing
  let seller: Account
  let buyer: Account
  const as = (home: Home) => (...args: string[]) => w3aiInProcess([...args, '--home', home.path, '--hub', net.t.hub.url])
  const sell = (...args: string[]) => as(sellerHome)(...args)
  const shop = (...args: string[]) => as(buyerHome)(...args)
  const ok = <T>(r: RunResult): T => {
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }
  const refused = (r: RunResult, code: string, exit = 1): string => {
    expect(r.code, r.stdout + r.stderr).toBe(exit)
    const error = errorOf(r)
    expect(error.code, error.message).toBe(code)
    return error.message
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 3, { ledger: { faucet: true } })
    sellerHome = await tempHome('w3ai-market-seller-')
    buyerHome = await tempHome('w3ai-market-buyer-')
    files = sellerHome.path
    seller = ok<Account>(await sell('account', 'create', '--name', 'seller', '--json'))
    buyer = ok<Account>(await shop('account', 'create', '--name', 'buyer', '--json'))
    ok(await shop('faucet', '100', '--json'))
    data = randomBytes(120_000)
    await writeFile(join(files, 'purchases.bin'), data)
    await writeFile(join(files, 'card.json'), JSON.stringify(DATASET_CARD))
    dataset = ok<Listing>(
      await sell('market', 'publish', '--kind', 'dataset', '--file', join(files, 'purchases.bin'), '--title', 'Corner shop purchases', '--description', 'Two years of a corner shop',
        '--licence', 'cc-by-4.0', '--access', 'download', '--price', '2', '--tags', 'retail,purchases', '--card', join(files, 'card.json'), '--json'),
    )
  }, 180_000)

  afterAll(async () => {
    await net?.close()
    await Promise.all([sellerHome?.remove(), buyerHome?.remove()])
  }, 60_000)

  it('publishes a file stored first, with its card, and finds it by search (table and JSON)', async () => {
    expect(dataset).toMatchObject({ seller: seller.id, kind: 'dataset', licence: 'CC-BY-4.0', access: 'download', price: parseTokens('2').toString(), tags: ['retail', 'purchases'], card: DATASET_CARD })
    expect(dataset.versions).toHaveLength(1)
    const page = ok<SearchPage>(await shop('market', 'search', 'corner shop', '--kind', 'dataset', '--json'))
    expect(page.listings.map((l) => l.id)).toEqual([dataset.id])
    const human = await shop('market', 'search', '--tag', 'retail', '--max-price', '5')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^ID\s+KIND\s+ACCESS\s+PRICE/m)
    expect(human.stdout).toContain(`${dataset.id}  dataset  download  2 tokens`)
    const shown = await shop('market', 'show', dataset.id)
    expect(shown.stdout).toContain('price       2 tokens (2000000000000000000 units)')
    expect(shown.stdout).toContain(`buy         w3ai market buy ${dataset.id}`)
    expect(ok<Listing>(await shop('market', 'show', dataset.id, '--json')).id).toBe(dataset.id)
    expect(ok<SearchPage>(await shop('market', 'search', 'nothing-matches-this', '--json')).listings).toEqual([])
  })

  it('shows the price and the fee split first, buys only with --yes; the seller fulfils; the buyer downloads the same bytes and reviews once', async () => {
    const quoteOnly = ok<{ quote: MarketQuote; order: null }>(await shop('market', 'buy', dataset.id, '--json'))
    expect(quoteOnly.order).toBeNull()
    expect(ok<Order[]>(await shop('market', 'orders', '--json'))).toEqual([])
    const human = await shop('market', 'buy', dataset.id)
    expect(human.stdout).toContain('nothing bought: run again with --yes')
    expect(human.stdout).toMatch(/^fee {8}5%/m)

    const { quote, order } = ok<{ quote: MarketQuote; order: Order }>(await shop('market', 'buy', dataset.id, '--yes', '--json'))
    const p = await net.t.hub.parameters.all()
    const split = splitFee(parseTokens('2'), { feeRateBps: p.feeRateBps, treasuryShareBps: p.treasuryShareBps, burnShareBps: p.burnShareBps })
    expect(quote).toMatchObject({ listingId: dataset.id, amount: parseTokens('2').toString(), calls: null, fee: { fee: split.fee.toString(), treasury: split.treasury.toString(), burn: split.burn.toString(), seller: split.nodes.toString() } })
    expect(order).toMatchObject({ listingId: dataset.id, buyer: buyer.id, seller: seller.id, status: 'pending', amount: parseTokens('2').toString() })
    expect(ok<Order[]>(await sell('market', 'orders', '--role', 'seller', '--status', 'pending', '--json')).map((o) => o.id)).toEqual([order.id])
    // Nothing to download before the seller's side delivers.
    refused(await shop('market', 'download', order.id, '-o', join(buyerHome.path, 'early.bin'), '--json'), 'MARKET_INVALID_STATE')

    const outcomes = ok<Outcome[]>(await sell('market', 'fulfil', '--json'))
    expect(outcomes).toMatchObject([{ orderId: order.id, fulfilled: true, order: { status: 'fulfilled', paid: split.nodes.toString() } }])
    expect(ok<Outcome[]>(await sell('market', 'fulfil', '--json'))).toEqual([])
    const seen = await shop('market', 'order', order.id)
    expect(seen.stdout).toContain(`download it: w3ai market download ${order.id}`)

    const target = join(buyerHome.path, 'bought.bin')
    expect(ok<{ cid: string; size: number }>(await shop('market', 'download', order.id, '-o', target, '--json'))).toMatchObject({ cid: order.cid, size: data.length })
    expect((await readFile(target)).equals(data)).toBe(true)
    ok(await shop('storage', 'get', order.cid, '-o', join(buyerHome.path, 'again.bin'), '--json'))
    expect((await readFile(join(buyerHome.path, 'again.bin'))).equals(data)).toBe(true)

    const review = ok<Review>(await shop('market', 'review', order.id, '--rating', '4', '--text', 'clean', '--json'))
    expect(review).toMatchObject({ orderId: order.id, rating: 4, text: 'clean' })
    refused(await shop('market', 'review', order.id, '--rating', '5', '--json'), 'MARKET_REVIEW_EXISTS')
    expect(ok<Review>(await shop('market', 'review', '--edit', review.id, '--rating', '5', '--json')).rating).toBe(5)
    expect(ok<Review>(await sell('market', 'answer', review.id, '--text', 'thanks', '--json')).answer).toBe('thanks')
    refused(await shop('market', 'answer', review.id, '--text', 'me too', '--json'), 'MARKET_NOT_SELLER')
    expect(ok<Review[]>(await shop('market', 'reviews', dataset.id, '--json')).map((r) => [r.rating, r.answer])).toEqual([[5, 'thanks']])
    expect(ok<Listing>(await shop('market', 'show', dataset.id, '--json')).rating).toEqual({ mean: 5, count: 1 })
  })

  it('buys a per-call model as an allowance of calls (its card read from the ONNX model) and closes it', async () => {
    const model = join(files, 'scorer.onnx')
    await writeFile(model, matMulModel({ weights: new Float32Array(12).fill(0.5), rows: 3, cols: 4 }))
    const listing = ok<Listing>(
      await sell('market', 'publish', '--kind', 'model', '--file', model, '--model', model, '--title', 'Basket scorer', '--intended-use', 'Scores items for a basket',
        '--licence', 'MIT', '--access', 'per-call', '--price', '0.01', '--json'),
    )
    expect(listing.card).toMatchObject({ kind: 'model', intendedUse: 'Scores items for a basket', inputs: [{ name: 'input', type: 'float32', shape: ['batch', 3] }], outputs: [{ name: 'output', type: 'float32', shape: ['batch', 4] }] })
    refused(await shop('market', 'buy', listing.id, '--yes', '--json'), 'CLI_BAD_ARGUMENT', 2)
    refused(await shop('market', 'buy', dataset.id, '--calls', '3', '--yes', '--json'), 'CLI_BAD_ARGUMENT', 2)
    const { quote, order } = ok<{ quote: MarketQuote; order: Order }>(await shop('market', 'buy', listing.id, '--calls', '10', '--yes', '--json'))
    expect(quote).toMatchObject({ calls: 10, amount: parseTokens('0.1').toString() })
    expect(order).toMatchObject({ mode: 'per-call', status: 'active', allowance: { calls: 10, used: 0 }, amount: parseTokens('0.1').toString() })
    const table = await shop('market', 'orders', '--status', 'active')
    expect(table.stdout).toMatch(new RegExp(`^${order.id}\\s+${listing.id}\\s+per-call\\s+active\\s+${formatTokens(parseTokens('0.1'))}\\s+0/10\\s+-\\s`, 'm'))
    expect(ok<Order>(await shop('market', 'close', order.id, '--json'))).toMatchObject({ status: 'refunded', paid: '0', allowance: { calls: 10, used: 0 } })
    refused(await shop('market', 'close', order.id, '--json'), 'MARKET_INVALID_STATE')
  })

  it('keeps fulfilling with --watch as orders come, until --count', async () => {
    const watching = sell('market', 'fulfil', '--watch', '--count', '1', '--interval', '1', '--json')
    const identity = await readIdentity(buyerHome.path)
    const market = new MarketClient(new HubClient({ url: net.t.hub.url, identity }), identity)
    const order = await market.buy(dataset.id)
    const outcomes = ok<Outcome[]>(await watching)
    expect(outcomes).toMatchObject([{ orderId: order.id, fulfilled: true, order: { status: 'fulfilled' } }])
    expect((await market.order(order.id)).status).toBe('fulfilled')
  })

  it('refuses bad input with its code and exit status, changing nothing', async () => {
    const cid = dataset.versions[0]!.cid
    const publish = (...extra: string[]) => ['market', 'publish', '--kind', 'dataset', '--title', 'x', '--licence', 'MIT', '--access', 'download', '--cid', cid, '--json', ...extra]
    refused(await sell(...publish('--price', '0.0000000001')), 'MARKET_PRICE_OUT_OF_BOUNDS')
    refused(await sell(...publish('--price', '2000000')), 'MARKET_PRICE_OUT_OF_BOUNDS')
    refused(await sell(...publish('--price', '-1')), 'CLI_BAD_ARGUMENT', 2)
    expect(refused(await sell('market', 'publish', '--kind', 'dataset', '--title', 'x', '--licence', 'my-own', '--access', 'download', '--price', '1', '--cid', cid, '--json'), 'CLI_BAD_ARGUMENT', 2)).toMatch(/--licence/)
    refused(await sell('market', 'publish', '--kind', 'dataset', '--title', 'x', '--licence', 'MIT', '--access', 'per-call', '--price', '1', '--cid', cid, '--json'), 'MARKET_INVALID_LISTING')
    refused(await sell('market', 'publish', '--kind', 'app', '--title', 'x', '--licence', 'MIT', '--access', 'download', '--price', '1', '--cid', cid, '--json'), 'MARKET_INVALID_LISTING')
    await writeFile(join(files, 'bad-card.json'), JSON.stringify({ kind: 'dataset', schema: [], rowCount: 1 }))
    refused(await sell(...publish('--price', '1', '--card', join(files, 'bad-card.json'))), 'MARKET_INVALID_CARD')
    refused(await sell('market', 'publish', '--kind', 'dataset', '--title', 'x', '--licence', 'MIT', '--access', 'download', '--price', '1', '--json'), 'CLI_BAD_ARGUMENT', 2)
    // The buyer cannot list an object of the seller's that was not shared with it.
    await writeFile(join(files, 'private.bin'), randomBytes(500))
    const own = ok<{ cid: string }>(await sell('storage', 'put', join(files, 'private.bin'), '--json'))
    refused(await shop('market', 'publish', '--kind', 'dataset', '--title', 'x', '--licence', 'MIT', '--access', 'download', '--cid', own.cid, '--price', '1', '--json'), 'MARKET_OBJECT_NOT_READABLE')

    refused(await sell('market', 'buy', dataset.id, '--yes', '--json'), 'MARKET_OWN_LISTING')
    refused(await shop('market', 'buy', UNKNOWN_LISTING, '--yes', '--json'), 'MARKET_LISTING_NOT_FOUND')
    refused(await shop('market', 'buy', 'not-a-listing', '--yes', '--json'), 'CLI_BAD_ARGUMENT', 2)
    refused(await shop('market', 'show', UNKNOWN_LISTING, '--json'), 'MARKET_LISTING_NOT_FOUND')
    refused(await shop('market', 'search', '--min-price', '5', '--max-price', '1', '--json'), 'MARKET_INVALID_QUERY')
    refused(await shop('market', 'search', '--kind', 'robot', '--json'), 'CLI_BAD_ARGUMENT', 2)
    refused(await shop('market', 'review', 'o_0000000000000000', '--rating', '5', '--json'), 'MARKET_ORDER_NOT_FOUND')
    refused(await shop('market', 'review', 'o_0000000000000000', '--rating', '6', '--json'), 'CLI_BAD_ARGUMENT', 2)
    refused(await sell('market', 'fulfil', 'o_0000000000000000', '--watch', '--json'), 'CLI_BAD_ARGUMENT', 2)
    const human = await shop('market', 'buy', UNKNOWN_LISTING, '--yes')
    expect(human.code).toBe(1)
    expect(human.stderr).toMatch(/^error MARKET_LISTING_NOT_FOUND: /)

    // A poor account: refused with the funds it lacks, and no order made.
    const poorHome = await tempHome('w3ai-market-poor-')
    try {
      const poor = as(poorHome)
      ok(await poor('account', 'create', '--json'))
      const message = refused(await poor('market', 'buy', dataset.id, '--yes', '--json'), 'LEDGER_INSUFFICIENT_FUNDS')
      expect(message).toContain('Nothing was held or ordered')
      expect(ok<Order[]>(await poor('market', 'orders', '--json'))).toEqual([])
    } finally {
      await poorHome.remove()
    }
  })
})
