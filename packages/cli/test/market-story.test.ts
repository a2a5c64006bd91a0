/**
 * The marketplace's acceptance story (issue 12) on a devnet of real processes with billing on,
 * every step a `w3ai` command: a seller stores and lists a dataset to download, a dataset to
 * compute on only, and a model sold per call that it serves itself. A buyer finds each by search;
 * buys the first and decrypts it; trains on the second without its key ever reaching the buyer or
 * the hub (the buyer's storage download is refused, the seller's `market fulfil --watch` wraps the
 * key to the job's nodes, the result comes back sealed to the buyer); and calls the third on the
 * seller's deployment until its allowance is spent. Then, from the public journal and the network
 * parameters alone: the seller was paid each price less the governed fee, the treasury and burn
 * got their shares, the nodes that trained and served were paid, to the unit; `w3ai ledger verify`
 * passes; and the hub's database holds the data key only wrapped (to the seller and the job's
 * nodes), never in clear. On PGlite, and on PostgreSQL when W3AI_TEST_DATABASE_URL is set.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { isSealedResult, readIdentity, unwrapKey } from '@w3ai/crypto'
import { openDatabase } from '@w3ai/hub'
import { dropSchema, freshDatabaseUrl, storyBackends } from '@w3ai/hub/testing'
import { parseTokens, splitFee, type FeeParameters } from '@w3ai/ledger'
import { matMulModel } from '@w3ai/market'
import type { Account, Deployment, InferResponse, Job, JournalEntryWire, Listing, NetworkParameter, ObjectDetail, Order, SearchPage } from '@w3ai/protocol'
import { HubClient, LedgerClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import type { VerifyReportJson } from '../src/commands/ledger.js'
import { parseJson, tempHome, testEnv, w3ai, w3aiInProcess, type RunResult } from './helpers.js'

type Home = Awaited<ReturnType<typeof tempHome>>

const REDUNDANCY = ['--redundancy', '2/3']
const DOWNLOAD_PRICE = parseTokens('2')
const COMPUTE_PRICE = parseTokens('3')
const CALL_PRICE = parseTokens('0.01')
const CALLS = 2
const SPEC = {
  inputShape: [64],
  layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: { type: 'adam', learningRate: 0.02 },
  loss: 'sparseCategoricalCrossentropy',
  epochs: 1,
  batchSize: 32,
  seed: 11,
}
const ROW = { input: { type: 'float32', dims: [1, 3], data: [1, 2, 3] } }

describe.each(storyBackends())('the marketplace story on a devnet (%s)', (backend) => {
  let devnetHome: Home
  let sellerHome: Home
  let buyerHome: Home
  let files: string
  let devnet: Devnet
  let databaseUrl: string | undefined
  let ledger: LedgerClient
  let seller: Account
  let buyer: Account
  let fee: FeeParameters
  let servingPrice: bigint
  let purchases: Buffer
  let digits: Buffer
  let downloadListing: Listing
  let computeListing: Listing
  let modelListing: Listing
  let deployment: Deployment
  /** Orders settled by the story: what each paid its seller. */
  const settled: Array<{ order: Order; amount: bigint }> = []
  let trainJob: Job
  let servedCalls = 0

  /** `w3ai ...args` in this process (one at a time) as the party of `home`; exit 0 expected, stdout parsed as JSON. */
  async function as<T>(home: Home, ...args: string[]): Promise<T> {
    const r: RunResult = await w3aiInProcess([...args, '--home', home.path, '--hub', devnet.hubUrl])
    expect(r.code, `w3ai ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
    return parseJson<T>(r.stdout)
  }
  const sell = <T>(...args: string[]): Promise<T> => as<T>(sellerHome, ...args)
  const shop = <T>(...args: string[]): Promise<T> => as<T>(buyerHome, ...args)
  /** A refusal: exit 1 and the error code in the --json answer. */
  async function refused(home: Home, code: RegExp | string, ...args: string[]): Promise<void> {
    const r = await w3aiInProcess([...args, '--json', '--home', home.path, '--hub', devnet.hubUrl])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const error = parseJson<{ error: { code: string } }>(r.stdout).error
    expect(error.code).toMatch(typeof code === 'string' ? new RegExp(`^${code}$`) : code)
  }

  const journal = async (): Promise<JournalEntryWire[]> => (await ledger.download()).entries
  const amountOf = (entries: JournalEntryWire[], id: string): bigint | undefined => {
    const e = entries.find((x) => x.transferId === id)
    return e === undefined ? undefined : BigInt(e.amount)
  }
  const searchOne = async (...args: string[]): Promise<Listing> => {
    const page = await shop<SearchPage>('market', 'search', ...args, '--json')
    expect(page.listings).toHaveLength(1)
    return shop<Listing>('market', 'show', page.listings[0]!.id, '--json')
  }

  beforeAll(async () => {
    ;[devnetHome, sellerHome, buyerHome] = await Promise.all([tempHome('w3ai-market-story-'), tempHome('w3ai-market-seller-'), tempHome('w3ai-market-buyer-')])
    files = join(sellerHome.path, 'files')
    await mkdir(files)
    databaseUrl = freshDatabaseUrl(backend)
    devnet = await startDevnet({
      home: devnetHome.path,
      nodes: 3,
      hubPort: 0,
      logLevel: 'warn',
      ...(databaseUrl === undefined ? {} : { databaseUrl }),
      env: { W3AI_BILLING: 'on', W3AI_BILLING_TASK_SECONDS: '60', W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0' },
    })
    ledger = new LedgerClient(devnet.client)
    seller = await sell<Account>('account', 'create', '--name', 'seller', '--json')
    buyer = await shop<Account>('account', 'create', '--name', 'buyer', '--json')
    await sell('faucet', '20', '--json')
    await shop('faucet', '100', '--json')
    const p = Object.fromEntries((await sell<NetworkParameter[]>('params', '--json')).map((x) => [x.name, BigInt(x.value)]))
    fee = { feeRateBps: Number(p.feeRateBps), treasuryShareBps: Number(p.treasuryShareBps), burnShareBps: Number(p.burnShareBps) }
    servingPrice = p.servingPricePerCallMin!
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await Promise.all([devnetHome?.remove(), sellerHome?.remove(), buyerHome?.remove()])
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  }, 60_000)

  it('the seller stores and lists a dataset to download, a dataset to compute on only, and a model it serves per call', async () => {
    purchases = Buffer.from(['user,item', ...Array.from({ length: 200 }, (_, i) => `u${i % 17},item-${(i * 7) % 23}`)].join('\n'))
    await writeFile(join(files, 'purchases.csv'), purchases)
    downloadListing = await sell<Listing>('market', 'publish', '--kind', 'dataset', '--file', join(files, 'purchases.csv'), '--title', 'Corner shop purchases',
      '--description', 'Two years of a corner shop, one line per item bought', '--licence', 'CC-BY-4.0', '--access', 'download', '--price', '2', '--tags', 'retail,purchases', '--json')

    const rows = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8').trim().split('\n').slice(0, 120)
    digits = Buffer.from(rows.join('\n'))
    await writeFile(join(files, 'digits.csv'), digits)
    computeListing = await sell<Listing>('market', 'publish', '--kind', 'dataset', '--file', join(files, 'digits.csv'), '--title', 'Handwritten digits, compute only',
      '--description', 'Eight by eight scans of handwritten digits; train on them, never download them', '--licence', 'CC-BY-NC-4.0', '--access', 'compute-only', '--price', '3', '--tags', 'vision', '--json')

    await writeFile(join(files, 'scorer.onnx'), matMulModel({ weights: Float32Array.from({ length: 12 }, (_, i) => i / 4), rows: 3, cols: 4 }))
    const model = await sell<{ cid: string }>('model', 'add', join(files, 'scorer.onnx'), ...REDUNDANCY, '--json')
    deployment = await w3ai(['model', 'serve', model.cid, '--wait', '--json', '--home', sellerHome.path, '--hub', devnet.hubUrl], testEnv(), 120_000).then((r) => {
      expect(r.code, r.stdout + r.stderr).toBe(0)
      return parseJson<Deployment>(r.stdout)
    })
    expect(deployment.status).toBe('ready')
    modelListing = await sell<Listing>('market', 'publish', '--kind', 'model', '--cid', model.cid, '--model', join(files, 'scorer.onnx'), '--title', 'Basket scorer',
      '--description', `Scores a basket; call it on deployment ${deployment.id}`, '--intended-use', 'Scores baskets', '--licence', 'MIT', '--access', 'per-call', '--price', '0.01', '--json')
    expect([downloadListing.access, computeListing.access, modelListing.access]).toEqual(['download', 'compute-only', 'per-call'])
  }, 240_000)

  it('the buyer finds the first by search, buys it, and decrypts the very bytes once the seller fulfils', async () => {
    const found = await searchOne('corner shop', '--kind', 'dataset', '--access', 'download')
    expect(found.id).toBe(downloadListing.id)
    const { order } = await shop<{ order: Order }>('market', 'buy', found.id, '--yes', '--json')
    expect(order).toMatchObject({ mode: 'download', status: 'pending', amount: DOWNLOAD_PRICE.toString() })
    const outcomes = await sell<Array<{ orderId: string; fulfilled: boolean }>>('market', 'fulfil', '--json')
    expect(outcomes).toMatchObject([{ kind: 'download', orderId: order.id, fulfilled: true }])
    await shop('market', 'download', order.id, '-o', join(buyerHome.path, 'purchases.csv'), '--json')
    expect((await readFile(join(buyerHome.path, 'purchases.csv'))).equals(purchases)).toBe(true)
    settled.push({ order: await shop<Order>('market', 'order', order.id, '--json'), amount: DOWNLOAD_PRICE })
  }, 60_000)

  it('the buyer trains on the second without ever holding its key: download refused, the seller keys the job, the result sealed to the buyer', async () => {
    const found = await searchOne('handwritten digits', '--access', 'compute-only')
    expect(found.id).toBe(computeListing.id)
    const cid = found.versions[0]!.cid
    const { order } = await shop<{ order: Order }>('market', 'buy', found.id, '--yes', '--json')
    expect(order).toMatchObject({ mode: 'compute-only', status: 'active', cid })
    await refused(buyerHome, /^STORAGE_/, 'storage', 'get', cid, '-o', join(buyerHome.path, 'stolen.csv'))

    // The seller's side runs on its own machine, keying jobs as they come.
    const watching = w3ai(['market', 'fulfil', '--watch', '--count', '1', '--interval', '1', '--json', '--home', sellerHome.path, '--hub', devnet.hubUrl], testEnv(), 180_000)
    await writeFile(join(buyerHome.path, 'spec.json'), JSON.stringify(SPEC))
    trainJob = await shop<Job>('job', 'run', 'train', '--spec', join(buyerHome.path, 'spec.json'), '--dataset', cid, '--order', order.id, '--no-store', '--wait', '--json')
    expect(trainJob.status).toBe('succeeded')
    // Opened here with the buyer's key: the trained model.
    expect(typeof (trainJob.result as { onnx?: unknown }).onnx).toBe('string')
    const watched = await watching
    expect(watched.code, watched.stdout + watched.stderr).toBe(0)
    expect(parseJson<unknown[]>(watched.stdout)).toMatchObject([{ kind: 'compute', orderId: order.id, jobId: trainJob.id, cid, keyed: true }])
    // What the hub serves is sealed; the seller cannot see the buyer's job at all.
    const served = await shop<Job>('job', 'status', trainJob.id, '--json')
    expect(isSealedResult(served.result)).toBe(true)
    await refused(sellerHome, 'JOB_NOT_FOUND', 'job', 'status', trainJob.id)
    // Still no download, and the order is done: fulfilled, one job only.
    await refused(buyerHome, /^STORAGE_/, 'storage', 'get', cid, '-o', join(buyerHome.path, 'stolen.csv'))
    let done = order
    for (let i = 0; i < 100 && done.status !== 'fulfilled'; i++) {
      await new Promise((r) => setTimeout(r, 200))
      done = await shop<Order>('market', 'order', order.id, '--json')
    }
    expect(done.status).toBe('fulfilled')
    await refused(buyerHome, 'MARKET_INVALID_STATE', 'job', 'run', 'train', '--spec', join(buyerHome.path, 'spec.json'), '--dataset', cid, '--order', order.id)
    settled.push({ order: done, amount: COMPUTE_PRICE })
  }, 240_000)

  it("the buyer calls the third on the seller's deployment as often as it paid for", async () => {
    const found = await searchOne('basket', '--kind', 'model', '--access', 'per-call')
    expect(found.id).toBe(modelListing.id)
    const deploymentId = /deployment (d_[0-9a-z]+)/.exec(found.description ?? '')?.[1]
    expect(deploymentId).toBe(deployment.id)
    await writeFile(join(buyerHome.path, 'row.json'), JSON.stringify(ROW))
    await writeFile(join(files, 'row.json'), JSON.stringify(ROW))
    const own = await sell<InferResponse>('model', 'infer', deployment.id, '--input', join(files, 'row.json'), '--json')
    servedCalls++
    await refused(buyerHome, 'DEPLOYMENT_NOT_FOUND', 'model', 'infer', deployment.id, '--input', join(buyerHome.path, 'row.json'))
    const { order } = await shop<{ order: Order }>('market', 'buy', found.id, '--calls', String(CALLS), '--yes', '--json')
    for (let i = 0; i < CALLS; i++) {
      const answer = await shop<InferResponse>('model', 'infer', deployment.id, '--input', join(buyerHome.path, 'row.json'), '--order', order.id, '--idempotency-key', `call-${i}`, '--json')
      expect(answer.outputs).toEqual(own.outputs)
      servedCalls++
    }
    // A retry of a call counts nothing more.
    expect((await shop<InferResponse>('model', 'infer', deployment.id, '--input', join(buyerHome.path, 'row.json'), '--order', order.id, '--idempotency-key', 'call-0', '--json')).outputs).toEqual(own.outputs)
    servedCalls++
    const spent = await shop<Order>('market', 'order', order.id, '--json')
    expect(spent).toMatchObject({ status: 'exhausted', allowance: { calls: CALLS, used: CALLS } })
    await refused(buyerHome, /^MARKET_(ALLOWANCE_EXHAUSTED|INVALID_STATE)$/, 'model', 'infer', deployment.id, '--input', join(buyerHome.path, 'row.json'), '--order', order.id)
    settled.push({ order: spent, amount: BigInt(CALLS) * CALL_PRICE })
  }, 120_000)

  it('paid the seller, the treasury, the burn and the nodes exactly as the parameters say; `ledger verify` passes', async () => {
    const entries = await journal()
    for (const { order, amount } of settled) {
      const s = splitFee(amount, fee)
      expect(order.paid, order.id).toBe(s.nodes.toString())
      expect(amountOf(entries, `mk:${order.id}:post`), order.id).toBe(amount)
      expect(amountOf(entries, `mk:${order.id}:pay:user:${seller.id}`), order.id).toBe(s.nodes)
      expect(amountOf(entries, `mk:${order.id}:treasury`), order.id).toBe(s.treasury)
      expect(amountOf(entries, `mk:${order.id}:burn`), order.id).toBe(s.burn)
      expect(entries.find((e) => e.transferId === `mk:${order.id}:hold`)).toMatchObject({ debit: `user:${buyer.id}`, amount: amount.toString() })
    }
    // The nodes that trained: paid from the buyer's job escrow, its fee split as the parameters say.
    const ref = `job:${trainJob.id}`
    const job = entries.filter((e) => e.transferId.startsWith(`${ref}:`))
    expect(job.find((e) => e.transferId === `${ref}:escrow`)).toMatchObject({ debit: `user:${buyer.id}` })
    const total = amountOf(job, `${ref}:post`)!
    expect(total).toBeGreaterThan(0n)
    const js = splitFee(total, fee)
    expect(amountOf(job, `${ref}:treasury`)).toBe(js.treasury)
    expect(amountOf(job, `${ref}:burn`)).toBe(js.burn)
    const ran = trainJob.history.filter((e) => e.kind === 'succeeded').map((e) => `node:${e.nodeId as string}`)
    const pays = job.filter((e) => e.transferId.startsWith(`${ref}:pay:`))
    expect(pays.map((e) => e.credit)).toEqual(ran)
    expect(pays.reduce((sum, e) => sum + BigInt(e.amount), 0n)).toBe(js.nodes)
    // The nodes that served: every answered call, the buyer's too, paid by the deployment's owner, the seller.
    const calls = entries.filter((e) => e.transferId.startsWith('srv:') && e.transferId.endsWith(':hold'))
    expect(calls).toHaveLength(servedCalls)
    const cs = splitFee(servingPrice, fee)
    for (const hold of calls) {
      const call = hold.transferId.slice(0, -':hold'.length)
      expect(hold).toMatchObject({ debit: `user:${seller.id}`, amount: servingPrice.toString() })
      expect(amountOf(entries, `${call}:treasury`)).toBe(cs.treasury)
      expect(amountOf(entries, `${call}:burn`)).toBe(cs.burn)
      expect(entries.filter((e) => e.transferId.startsWith(`${call}:pay:`)).map((e) => BigInt(e.amount))).toEqual([cs.nodes])
    }

    const r = await w3ai(['ledger', 'verify', '--json', '--home', buyerHome.path, '--hub', devnet.hubUrl], testEnv(), 120_000)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const report = parseJson<VerifyReportJson>(r.stdout)
    expect(report).toMatchObject({ ok: true, problems: [] })
    expect(BigInt(report.minted)).toBe(BigInt(report.balances) + BigInt(report.escrow) + BigInt(report.staked) + BigInt(report.burned))
  }, 120_000)

  it("left the compute-only data's key at the hub only wrapped: to the seller and the job's nodes, never to the buyer, never in clear", async () => {
    const cid = computeListing.versions[0]!.cid
    const identity = (await readIdentity(sellerHome.path))!
    const detail = await new HubClient({ url: devnet.hubUrl, identity }).request<ObjectDetail>('GET', `/v1/storage/objects/${cid}`)
    const key = Buffer.from(unwrapKey(detail.wrappedKey, identity))
    await devnet.stop()
    // The hub is stopped: its database (PGlite under <home>/hub/db, or the PostgreSQL schema) is read directly.
    const db = await openDatabase({ home: devnetHome.path, ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    try {
      const shares = await db.query<{ account_id: string }>('SELECT account_id FROM object_keys WHERE object_cid = $1', [cid])
      expect(shares.rows.map((r) => r.account_id)).toEqual([seller.id])
      const jobKeys = await db.query<{ node_id: string; object_cid: string; wrapped_key: unknown }>('SELECT node_id, object_cid, wrapped_key FROM job_keys WHERE job_id = $1', [trainJob.id])
      const rows = [...(await db.query('SELECT * FROM object_keys')).rows, ...jobKeys.rows, ...(await db.query('SELECT * FROM market_orders')).rows, ...(await db.query('SELECT * FROM jobs WHERE id = $1', [trainJob.id])).rows]
      const dump = JSON.stringify(rows)
      for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(dump).not.toContain(key.toString(encoding))
    } finally {
      await db.close()
    }
  }, 120_000)
})
