/**
 * End to end in Chromium on a real 3-node devnet, with two browsers side by side (a seller's and a
 * buyer's, each with its own identity kept in its own browser storage): the seller publishes a
 * dataset (download) through the market tab's form, picking one of its stored files; the buyer
 * finds it by full-text search, reads its card and buys it; the seller sees the order arrive live
 * under My sales and fulfils it (the object key wrapped to the buyer in the seller's page); the
 * buyer's purchase turns fulfilled live and downloads, decrypted in the page, to the same bytes.
 * The seller is paid the price less the governed fee, to the unit. A compute-only dataset is
 * trained on from the buyer's page without its key reaching the buyer: the seller keys the job's
 * nodes from My sales, and the sealed result opens in the buyer's page. A per-call model bought
 * with N calls shows its allowance, and a call of the seller's deployment through the page uses
 * one. The buyer reviews the dataset and the seller answers. Last, the recommender app listed per
 * call runs from its page: trained in the buyer's page on a generated shop (recall@k against the
 * popularity baseline), its model stored and a customer scored by an ONNX job on a node.
 * Screenshots land in a temp directory whose path is logged.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { IDENTITY_FILE, loadOrCreateIdentity, type Identity } from '@w3ai/crypto'
import { splitFee } from '@w3ai/ledger'
import { bindParams, RECOMMENDER_TEMPLATE, runRecommenderApp } from '@w3ai/market'
import type { NetworkParametersView } from '@w3ai/protocol'
import { DeploymentsClient, HubClient, JobsClient, MarketClient, StorageClient, WalletClient } from '@w3ai/sdk'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { ensureBuilt, HAS_CHROMIUM, launchBrowser, SKIP_REASON } from './browser.js'

const T = 10n ** 18n
const DIGITS = new URL('../../compute/data/digits.csv.gz', import.meta.url)
/** A small network over the 64 pixels of the digits (the CSV's last column is the label 0..9). */
const DIGITS_SPEC = {
  inputShape: [64],
  layers: [
    { type: 'dense', units: 32, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 0.01 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
  epochs: 4,
  batchSize: 32,
  validationSplit: 0.2,
  seed: 1,
  normalize: 'max',
}
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')
const REDUNDANCY = { k: 2, n: 3, repairThreshold: 3 }
const DATASET_CARD = {
  kind: 'dataset',
  schema: [
    { name: 'user', type: 'string' },
    { name: 'item', type: 'string' },
  ],
  rowCount: 5000,
  preview: [
    { user: 'u1', item: 'i42' },
    { user: 'u2', item: 'i7' },
  ],
}

if (!HAS_CHROMIUM) console.warn(`skipping market e2e test: ${SKIP_REASON}`)

describe.skipIf(!HAS_CHROMIUM)('market tab on a 3-node devnet', () => {
  const dirs: string[] = []
  let shots: string
  let devnet: Devnet | undefined
  let browser: Browser | undefined
  let sellerContext: BrowserContext
  let buyerContext: BrowserContext
  let sellerPage: Page
  let buyerPage: Page
  let seller: Identity
  let buyer: Identity
  let sellerHub: HubClient
  let buyerHub: HubClient
  let sellerHome: string
  let buyerHome: string
  const dataset = randomBytes(700_000)
  let datasetCid = ''
  let listingId = ''
  let orderId = ''

  const orderRow = (page: Page, id: string) => page.locator(`[data-testid="order-row"][data-order-id="${id}"]`)
  const nav = (page: Page, view: string) => page.getByTestId(`market-nav-${view}`).click()

  async function store(identity: Identity, bytes: Uint8Array, name: string): Promise<string> {
    const source = (async function* () {
      yield bytes
    })()
    return (await new StorageClient(new HubClient({ url: (devnet as Devnet).hubUrl, identity }), identity).put(source, bytes.length, { name, redundancy: REDUNDANCY })).cid
  }

  async function loadIdentity(page: Page, home: string, identity: Identity): Promise<void> {
    await page.getByTestId('market-tab').waitFor({ timeout: 10_000 })
    await page.getByTestId('identity-file').setInputFiles(join(home, IDENTITY_FILE))
    await expect.poll(() => page.getByTestId('identity-id').textContent(), { timeout: 10_000 }).toBe(identity.id)
    // The tab's own signed subscription carries our order events.
    await expect.poll(() => page.getByTestId('market-tab').getAttribute('data-stream'), { timeout: 10_000 }).toBe('live')
  }

  async function fees(): Promise<{ feeRateBps: number; treasuryShareBps: number; burnShareBps: number }> {
    const view = (await (await fetch(`${(devnet as Devnet).hubUrl}/v1/parameters`)).json()) as NetworkParametersView
    const value = (name: string): number => Number(view.parameters.find((p) => p.name === name)?.value)
    return { feeRateBps: value('feeRateBps'), treasuryShareBps: value('treasuryShareBps'), burnShareBps: value('burnShareBps') }
  }

  beforeAll(async () => {
    await ensureBuilt()
    const home = await mkdtemp(join(tmpdir(), 'w3ai-web-market-'))
    sellerHome = await mkdtemp(join(tmpdir(), 'w3ai-web-market-seller-'))
    buyerHome = await mkdtemp(join(tmpdir(), 'w3ai-web-market-buyer-'))
    shots = await mkdtemp(join(tmpdir(), 'w3ai-web-market-shots-'))
    dirs.push(home, sellerHome, buyerHome)
    console.log(`market e2e screenshots: ${shots}`)
    devnet = await startDevnet({ home, nodes: 3, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' } })
    seller = (await loadOrCreateIdentity(sellerHome, 'account')).identity
    buyer = (await loadOrCreateIdentity(buyerHome, 'account')).identity
    sellerHub = new HubClient({ url: devnet.hubUrl, identity: seller })
    buyerHub = new HubClient({ url: devnet.hubUrl, identity: buyer })
    await sellerHub.createAccount({ name: 'market-e2e-seller', encryptionKey: seller.encryptionKey })
    await buyerHub.createAccount({ name: 'market-e2e-buyer', encryptionKey: buyer.encryptionKey })
    await new WalletClient(buyerHub).faucet(100n * T)
    datasetCid = await store(seller, dataset, 'purchases.csv')
    browser = await launchBrowser()
    // Two contexts: each party's identity is kept in its own browser storage.
    sellerContext = await browser.newContext({ viewport: { width: 1440, height: 1100 } })
    buyerContext = await browser.newContext({ viewport: { width: 1440, height: 1100 }, acceptDownloads: true })
    sellerPage = await sellerContext.newPage()
    buyerPage = await buyerContext.newPage()
    for (const page of [sellerPage, buyerPage]) page.on('pageerror', (err) => console.error('page error:', err))
    await sellerPage.goto(`${devnet.hubUrl}/#market/publish`)
    await buyerPage.goto(`${devnet.hubUrl}/#market`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await devnet?.stop()
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  }, 60_000)

  it('the seller publishes a dataset through the form, picking its stored file', async () => {
    await loadIdentity(sellerPage, sellerHome, seller)
    const form = sellerPage.getByTestId('publish-form')
    await form.waitFor({ timeout: 10_000 })
    await expect.poll(() => sellerPage.locator(`[data-testid="publish-object"] option[value="${datasetCid}"]`).count(), { timeout: 10_000 }).toBe(1)
    await sellerPage.getByTestId('publish-kind').selectOption('dataset')
    await sellerPage.getByTestId('publish-access').selectOption('download')
    await sellerPage.getByTestId('publish-title').fill('Corner shop purchases 2025')
    await sellerPage.getByTestId('publish-description').fill('Every purchase of a small corner shop in 2025, anonymized: user and item per line.')
    await sellerPage.getByTestId('publish-tags').fill('shop, retail')
    await sellerPage.getByTestId('publish-licence').selectOption('CC-BY-4.0')
    await sellerPage.getByTestId('publish-price').fill('2.5')
    await sellerPage.getByTestId('publish-object').selectOption(datasetCid)
    expect(await sellerPage.getByTestId('publish-cid').inputValue()).toBe(datasetCid)
    // A card that does not check is refused in the page, nothing published.
    await sellerPage.getByTestId('publish-card').fill('{ "kind": "dataset", "schema": [] }')
    await sellerPage.getByTestId('publish-submit').click()
    await expect.poll(() => sellerPage.getByTestId('publish-error').textContent(), { timeout: 5000 }).toContain('card.schema')
    expect([...(await new MarketClient(sellerHub).search({ seller: seller.id }))]).toEqual([])
    await sellerPage.getByTestId('publish-card').fill(JSON.stringify(DATASET_CARD))
    await sellerPage.getByTestId('publish-submit').click()

    // Published: the page opens the new listing.
    const shown = sellerPage.getByTestId('listing')
    await shown.waitFor({ timeout: 15_000 })
    listingId = (await shown.getAttribute('data-listing-id')) as string
    expect(listingId).toMatch(/^l_[0-9a-f]{20}$/)
    expect(sellerPage.url()).toContain(`#market/${listingId}`)
    const listing = await new MarketClient(sellerHub).get(listingId)
    expect(listing).toMatchObject({ seller: seller.id, kind: 'dataset', access: 'download', price: String(25n * T / 10n), licence: 'CC-BY-4.0', tags: ['shop', 'retail'] })
    expect(listing.versions.map((v) => [v.version, v.cid])).toEqual([['1.0.0', datasetCid]])
    // Your own listing has no Buy.
    await sellerPage.getByTestId('buy-own').waitFor({ timeout: 5000 })
    expect(await sellerPage.getByTestId('buy-submit').count()).toBe(0)
    await sellerPage.screenshot({ path: join(shots, 'seller-listing.png'), fullPage: true })
  }, 60_000)

  it('the buyer finds it by full-text search, reads its card and buys it', async () => {
    await loadIdentity(buyerPage, buyerHome, buyer)
    await buyerPage.getByTestId('market-search-q').fill('corner purchases')
    await buyerPage.getByTestId('market-filter-kind').selectOption('dataset')
    await buyerPage.getByTestId('market-search-submit').click()
    const result = buyerPage.locator(`[data-testid="market-result"][data-listing-id="${listingId}"]`)
    await result.waitFor({ timeout: 10_000 })
    expect(await result.textContent()).toContain('2.5 tokens')
    // A search that matches nothing says so.
    await buyerPage.getByTestId('market-search-q').fill('submarine blueprints')
    await buyerPage.getByTestId('market-search-submit').click()
    await buyerPage.getByTestId('market-results-empty').waitFor({ timeout: 10_000 })
    await buyerPage.getByTestId('market-search-q').fill('corner purchases')
    await buyerPage.getByTestId('market-search-submit').click()
    await result.click()

    await buyerPage.getByTestId('listing').waitFor({ timeout: 10_000 })
    expect(await buyerPage.getByTestId('listing-title').textContent()).toBe('Corner shop purchases 2025')
    expect(await buyerPage.getByTestId('listing-version').getAttribute('data-cid')).toBe(datasetCid)
    expect(await buyerPage.getByTestId('listing-card').getAttribute('data-card-kind')).toBe('dataset')
    expect(await buyerPage.getByTestId('card-row-count').textContent()).toBe('5,000')
    expect(await buyerPage.getByTestId('card-preview-row').count()).toBe(2)
    const split = splitFee(25n * T / 10n, await fees())
    await expect.poll(() => buyerPage.getByTestId('buy-seller').getAttribute('data-units'), { timeout: 10_000 }).toBe(split.nodes.toString())
    expect(await buyerPage.getByTestId('buy-total').getAttribute('data-units')).toBe(String(25n * T / 10n))

    const wallet = new WalletClient(buyerHub)
    const before = BigInt((await wallet.balance()).available)
    await buyerPage.getByTestId('buy-submit').click()
    const done = buyerPage.getByTestId('buy-done')
    await done.waitFor({ timeout: 10_000 })
    orderId = (await done.getAttribute('data-order-id')) as string
    expect(await done.getAttribute('data-status')).toBe('pending')
    expect(BigInt((await wallet.balance()).available)).toBe(before - 25n * T / 10n)
    // The purchase shows on the listing, waiting for the seller.
    await expect.poll(() => orderRow(buyerPage, orderId).getAttribute('data-status'), { timeout: 10_000 }).toBe('pending')
    await buyerPage.screenshot({ path: join(shots, 'buyer-bought.png'), fullPage: true })
  }, 60_000)

  it('the seller sees the order arrive live and fulfils it in the page; the buyer downloads the same bytes', async () => {
    await nav(sellerPage, 'sales')
    const sale = orderRow(sellerPage, orderId)
    await expect.poll(() => sale.getAttribute('data-status'), { timeout: 15_000 }).toBe('pending')
    await sellerPage.getByTestId('market-sales-pending').waitFor({ timeout: 5000 })
    await nav(buyerPage, 'purchases')
    const purchase = orderRow(buyerPage, orderId)
    await expect.poll(() => purchase.getAttribute('data-status'), { timeout: 10_000 }).toBe('pending')
    expect(await purchase.getByTestId('order-download').count()).toBe(0)
    await buyerPage.evaluate(() => ((window as unknown as { marketMark: number }).marketMark = 1))

    await sale.getByTestId('order-fulfil').click()
    await expect.poll(() => sale.getAttribute('data-status'), { timeout: 15_000 }).toBe('fulfilled')
    const split = splitFee(25n * T / 10n, await fees())
    await expect.poll(() => sale.getByTestId('order-paid').getAttribute('data-units'), { timeout: 10_000 }).toBe(split.nodes.toString())
    const order = await new MarketClient(sellerHub).order(orderId)
    expect(order).toMatchObject({ status: 'fulfilled', paid: split.nodes.toString() })
    expect(order.wrappedKey).not.toBeNull()
    await sellerPage.screenshot({ path: join(shots, 'seller-fulfilled.png'), fullPage: true })

    // The buyer's page follows by the event stream, without a reload.
    await expect.poll(() => purchase.getAttribute('data-status'), { timeout: 15_000 }).toBe('fulfilled')
    expect(await buyerPage.evaluate(() => (window as unknown as { marketMark?: number }).marketMark)).toBe(1)
    const [download] = await Promise.all([buyerPage.waitForEvent('download', { timeout: 60_000 }), purchase.getByTestId('order-download').click()])
    await expect.poll(() => buyerPage.getByTestId('market-download-progress').getAttribute('data-phase'), { timeout: 30_000 }).toBe('done')
    expect(download.suggestedFilename()).toBe('purchases.csv')
    const saved = await readFile((await download.path()) as string)
    expect(saved.length).toBe(dataset.length)
    expect(sha256(saved)).toBe(sha256(dataset))
    await buyerPage.screenshot({ path: join(shots, 'buyer-downloaded.png'), fullPage: true })
  }, 120_000)

  it("trains on a compute-only dataset from the buyer's page; the seller keys the job's nodes from My sales", async () => {
    const digits = gunzipSync(readFileSync(DIGITS))
    const cid = await store(seller, digits, 'digits.csv')
    const card = { kind: 'dataset', schema: [...Array.from({ length: 64 }, (_, i) => ({ name: `p${i}`, type: 'int' })), { name: 'label', type: 'int' }], rowCount: 1797, preview: [] }
    const listing = await new MarketClient(sellerHub).publish({ kind: 'dataset', title: 'Handwritten digits', description: '8x8 digits, compute only', tags: ['vision'], licence: 'CC-BY-4.0', access: 'compute-only', price: String(T), cid, card })
    await buyerPage.evaluate((hash) => (window.location.hash = hash), `#market/${listing.id}`)
    await buyerPage.getByTestId('listing').waitFor({ timeout: 10_000 })
    await buyerPage.getByTestId('buy-submit').click()
    const done = buyerPage.getByTestId('buy-done')
    await done.waitFor({ timeout: 10_000 })
    const computeOrder = (await done.getAttribute('data-order-id')) as string
    expect(await done.getAttribute('data-status')).toBe('active')

    const run = buyerPage.getByTestId('compute-run')
    await run.waitFor({ timeout: 15_000 })
    await buyerPage.getByTestId('compute-spec').fill('{ "epochs": ')
    await buyerPage.getByTestId('compute-submit').click()
    await expect.poll(() => buyerPage.getByTestId('compute-error').textContent(), { timeout: 5000 }).toContain('not JSON')
    await buyerPage.getByTestId('compute-spec').fill(JSON.stringify(DIGITS_SPEC))
    await buyerPage.getByTestId('compute-submit').click()
    const job = buyerPage.getByTestId('compute-job')
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 10_000 }).toBe('awaiting-keys')
    const jobId = (await job.getAttribute('data-job-id')) as string
    // The buyer cannot read the data it trains on.
    await expect(new StorageClient(buyerHub, buyer).info(cid)).rejects.toMatchObject({ code: 'STORAGE_ACCESS_DENIED' })

    await nav(sellerPage, 'sales')
    const request = sellerPage.locator(`[data-testid="key-request"][data-job-id="${jobId}"]`)
    await request.waitFor({ timeout: 15_000 })
    expect(await request.getAttribute('data-order-id')).toBe(computeOrder)
    await sellerPage.screenshot({ path: join(shots, 'seller-key-request.png'), fullPage: true })
    await request.getByTestId('key-request-provide').click()
    await expect.poll(() => request.count(), { timeout: 15_000 }).toBe(0)

    // The job runs on the data; its result is sealed to the buyer and opened in the buyer's page.
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 150_000, interval: 1000 }).toBe('succeeded')
    const result = buyerPage.getByTestId('compute-result')
    await result.waitFor({ timeout: 15_000 })
    expect(await result.getAttribute('data-epochs')).toBe('4')
    expect(Number(await result.getAttribute('data-val-acc'))).toBeGreaterThan(0.5)
    const stored = await new JobsClient(buyerHub, buyer).get(jobId)
    expect(Object.keys(stored.result as object)).toEqual(['sealed'])
    // Done: the order is fulfilled and the seller paid the price less the fee.
    const split = splitFee(T, await fees())
    await expect.poll(async () => (await new MarketClient(sellerHub).order(computeOrder)).status, { timeout: 15_000 }).toBe('fulfilled')
    expect((await new MarketClient(sellerHub).order(computeOrder)).paid).toBe(split.nodes.toString())
    await expect.poll(() => orderRow(sellerPage, computeOrder).getAttribute('data-status'), { timeout: 15_000 }).toBe('fulfilled')
    await buyerPage.screenshot({ path: join(shots, 'buyer-compute.png'), fullPage: true })
  }, 240_000)

  it("a per-call model bought with N calls shows its allowance, and a call through the page uses one", async () => {
    const layer = randomDense(4, 2, 3)
    const modelCid = await store(seller, linearModel(layer), 'linear.onnx')
    // The seller serves the model and names its deployment on the listing.
    const deployments = new DeploymentsClient(sellerHub, seller)
    const deployment = await deployments.create({ model: modelCid })
    await deployments.waitReady(deployment.id, { timeoutMs: 60_000 })
    const card = { kind: 'model', intendedUse: 'Scores 4 features into 2', metrics: [{ name: 'mse', value: 0.01, dataset: 'synthetic held-out' }], limitations: 'Toy.', inputs: [{ name: 'x', type: 'float32', shape: ['batch', 4] }], outputs: [{ name: 'y', type: 'float32', shape: ['batch', 2] }] }
    const model = await new MarketClient(sellerHub).publish({ kind: 'model', title: 'Linear scorer', description: `A served linear model. Call deployment ${deployment.id}.`, tags: ['scoring'], licence: 'MIT', access: 'per-call', price: String(T / 1000n), cid: modelCid, card })

    await nav(buyerPage, 'browse')
    await buyerPage.getByTestId('market-search-reset').click()
    await buyerPage.getByTestId('market-filter-kind').selectOption('model')
    await buyerPage.getByTestId('market-filter-access').selectOption('per-call')
    await buyerPage.getByTestId('market-search-submit').click()
    const result = buyerPage.locator(`[data-testid="market-result"][data-listing-id="${model.id}"]`)
    await result.waitFor({ timeout: 10_000 })
    expect(await buyerPage.getByTestId('market-result').count()).toBe(1)
    await result.click()
    await buyerPage.getByTestId('card-inputs').waitFor({ timeout: 10_000 })
    expect(await buyerPage.getByTestId('card-metric').getAttribute('data-name')).toBe('mse')

    await buyerPage.getByTestId('buy-calls').fill('25')
    await expect.poll(() => buyerPage.getByTestId('buy-total').getAttribute('data-units'), { timeout: 5000 }).toBe(String((25n * T) / 1000n))
    await buyerPage.getByTestId('buy-submit').click()
    const done = buyerPage.getByTestId('buy-done')
    await done.waitFor({ timeout: 10_000 })
    const allowanceId = (await done.getAttribute('data-order-id')) as string
    expect(await done.getAttribute('data-status')).toBe('active')
    const row = orderRow(buyerPage, allowanceId)
    await expect.poll(() => row.getByTestId('order-allowance').getAttribute('data-calls'), { timeout: 10_000 }).toBe('25')
    expect(await row.getByTestId('order-allowance').getAttribute('data-used')).toBe('0')
    expect(await row.getByTestId('order-allowance').textContent()).toBe('0 of 25 calls used')
    expect(await row.getByTestId('order-amount').getAttribute('data-units')).toBe(String((25n * T) / 1000n))
    expect((await new MarketClient(buyerHub).order(allowanceId)).allowance).toEqual({ calls: 25, used: 0 })

    // One call through the page: the seller's deployment answers, one call of the allowance is used.
    const call = buyerPage.getByTestId('paid-call')
    await call.waitFor({ timeout: 10_000 })
    expect(await buyerPage.getByTestId('paid-call-deployment').inputValue()).toBe(deployment.id)
    const x = [1, 2, 3, 4]
    await buyerPage.getByTestId('paid-call-inputs').fill(JSON.stringify({ x: { type: 'float32', dims: [1, 4], data: x } }))
    await buyerPage.getByTestId('paid-call-submit').click()
    const output = buyerPage.locator('[data-testid="paid-call-output"][data-name="y"]')
    await output.waitFor({ timeout: 30_000 })
    const y = ((await output.getAttribute('data-values')) as string).split(',').map(Number)
    const expected = layer.b.map((b, j) => b + x.reduce((sum, xi, i) => sum + xi * (layer.w[i]![j] as number), 0))
    y.forEach((v, j) => expect(Math.abs(v - (expected[j] as number))).toBeLessThan(1e-4))
    await expect.poll(() => row.getByTestId('order-allowance').getAttribute('data-used'), { timeout: 15_000 }).toBe('1')
    expect(await buyerPage.getByTestId('paid-call-allowance').textContent()).toBe('1 of 25 calls used')
    expect((await new MarketClient(buyerHub).order(allowanceId)).allowance).toEqual({ calls: 25, used: 1 })
    await buyerPage.screenshot({ path: join(shots, 'buyer-call.png'), fullPage: true })

    await nav(buyerPage, 'purchases')
    await expect.poll(() => orderRow(buyerPage, allowanceId).getByTestId('order-allowance').textContent(), { timeout: 10_000 }).toBe('1 of 25 calls used')
    await buyerPage.screenshot({ path: join(shots, 'buyer-allowance.png'), fullPage: true })
  }, 120_000)

  it('the buyer reviews the dataset and the seller answers', async () => {
    await orderRow(buyerPage, orderId).getByTestId('order-review').click()
    const form = buyerPage.getByTestId('review-form')
    await form.waitFor({ timeout: 10_000 })
    expect(await form.getAttribute('data-editing')).toBe('false')
    await buyerPage.getByTestId('review-rating').selectOption('4')
    await buyerPage.getByTestId('review-text-input').fill('Clean and complete, delivered within minutes.')
    await buyerPage.getByTestId('review-submit').click()
    const review = buyerPage.getByTestId('review')
    await expect.poll(() => review.count(), { timeout: 10_000 }).toBe(1)
    expect(await review.getAttribute('data-rating')).toBe('4')
    await expect.poll(() => buyerPage.getByTestId('listing-rating').getAttribute('data-count'), { timeout: 10_000 }).toBe('1')
    // One review per purchase: the form now edits it.
    await expect.poll(() => buyerPage.getByTestId('review-form').getAttribute('data-editing'), { timeout: 10_000 }).toBe('true')

    await orderRow(sellerPage, orderId).getByTestId('order-listing').click()
    const sellerReview = sellerPage.getByTestId('review')
    await sellerReview.waitFor({ timeout: 10_000 })
    expect(await sellerReview.getByTestId('review-text').textContent()).toBe('Clean and complete, delivered within minutes.')
    await sellerReview.getByTestId('answer-open').click()
    await sellerPage.getByTestId('answer-text').fill('Thank you! A 2026 edition follows.')
    await sellerPage.getByTestId('answer-submit').click()
    await expect.poll(() => sellerReview.getAttribute('data-answered'), { timeout: 10_000 }).toBe('true')
    expect(await sellerPage.getByTestId('review-form').count()).toBe(0)
    const reviews = await new MarketClient(buyerHub).reviews(listingId)
    expect([...reviews].map((r) => [r.rating, r.answer])).toEqual([[4, 'Thank you! A 2026 edition follows.']])

    await buyerPage.reload()
    await expect.poll(() => buyerPage.getByTestId('review-answer').textContent(), { timeout: 15_000 }).toContain('A 2026 edition follows.')
    await buyerPage.screenshot({ path: join(shots, 'reviews.png'), fullPage: true })
    await sellerPage.screenshot({ path: join(shots, 'seller-answered.png'), fullPage: true })
  }, 60_000)

  it("runs the recommender app from its page: trained in the buyer's page, a customer scored on a node", async () => {
    const base = runRecommenderApp(bindParams(RECOMMENDER_TEMPLATE, { users: '200', items: '40', categories: '4' }))
    const appCid = await store(seller, base.onnx, 'recommender.onnx')
    const app = await new MarketClient(sellerHub).publish({ kind: 'app', title: 'Shop recommender', description: 'Personalized recommendations for your shop', tags: ['recommendations'], licence: 'MIT', access: 'per-call', price: String(T / 1000n), cid: appCid, card: base.card as unknown as Record<string, unknown> })
    await buyerPage.evaluate((hash) => (window.location.hash = hash), `#market/${app.id}`)
    const run = buyerPage.getByTestId('app-run')
    await run.waitFor({ timeout: 10_000 })
    expect(await run.getAttribute('data-runnable')).toBe('builtin')
    // Not bought yet: locked.
    await buyerPage.getByTestId('app-run-locked').waitFor({ timeout: 5000 })
    await buyerPage.getByTestId('buy-calls').fill('5')
    await buyerPage.getByTestId('buy-submit').click()
    await buyerPage.getByTestId('buy-done').waitFor({ timeout: 10_000 })
    await buyerPage.getByTestId('app-run-submit').waitFor({ timeout: 15_000 })

    await buyerPage.getByTestId('app-param-users').fill('200')
    await buyerPage.getByTestId('app-param-items').fill('40')
    await buyerPage.getByTestId('app-param-categories').fill('4')
    // A param out of its bounds is refused in the page, by name.
    await buyerPage.getByTestId('app-param-k').fill('1000')
    await buyerPage.getByTestId('app-run-submit').click()
    await expect.poll(() => buyerPage.getByTestId('app-run-error').textContent(), { timeout: 5000 }).toContain('param k')
    await buyerPage.getByTestId('app-param-k').fill('5')
    await buyerPage.getByTestId('app-run-submit').click()

    const report = buyerPage.getByTestId('app-run-report')
    await report.waitFor({ timeout: 60_000 })
    expect(Number(await report.getAttribute('data-recall'))).toBeGreaterThan(Number(await report.getAttribute('data-baseline')))
    const job = buyerPage.locator('[data-testid="app-run-report"] [data-testid="app-run-job"]')
    const jobId = (await job.getAttribute('data-job-id')) as string
    const scored = await new JobsClient(buyerHub, buyer).wait(jobId, { timeoutMs: 90_000 })
    expect(scored.status).toBe('succeeded')
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 15_000 }).toBe('succeeded')
    const top = buyerPage.getByTestId('app-run-top')
    await top.waitFor({ timeout: 10_000 })
    expect(((await top.getAttribute('data-items')) as string).split(',')).toHaveLength(5)
    // The model the page trained is stored among the buyer's objects.
    const objects = await new StorageClient(buyerHub, buyer).list()
    expect([...objects].some((o) => o.name === `recommender-${app.id}.onnx`)).toBe(true)
    await buyerPage.screenshot({ path: join(shots, 'app-run.png'), fullPage: true })
  }, 180_000)
})
