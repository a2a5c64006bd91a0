/**
 * Compute-to-data and paid calls from the SDK, against a hub in this process with real nodes that
 * train, run WebAssembly and serve (issue 12). A buyer of a compute-only dataset trains on it
 * without ever holding its key: the storage download is refused, the seller's side wraps the key to
 * the job's nodes (`answerKeyRequests`), the job succeeds, its result opens only for the buyer, and
 * the order is fulfilled with the seller paid the price less the fee. A job with an input of the
 * buyer's own too is keyed by both sides, in either order. A per-call buyer calls the seller's
 * deployment as often as it paid for (the answers equal the seller's own), a retry under the same
 * Idempotency-Key counts once, and the call past the allowance is MARKET_ALLOWANCE_EXHAUSTED.
 */
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { generateIdentity, isSealedResult, wrapKey, type Identity } from '@w3ai/crypto'
import { storyBackends } from '@w3ai/hub/testing'
import { parseTokens, splitFee } from '@w3ai/ledger'
import { matMulModel } from '@w3ai/market'
import { createNodeAgent, type NodeAgent } from '@w3ai/node'
import { W3aiError, type Listing, type ListingDraft, type Order } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { startTestHub, tempHome, until, type TestHub } from '../../hub/test/helpers.js'
import { DeploymentsClient, GovernanceClient, HubClient, JobsClient, MarketClient, openJobResult, putBytes, StorageClient, WalletClient } from '../src/index.js'

interface Party {
  identity: Identity
  hub: HubClient
  storage: StorageClient
  jobs: JobsClient
  market: MarketClient
  wallet: WalletClient
  deployments: DeploymentsClient
}

const NODES = 3
const REDUNDANCY = { k: 2, n: 3, repairThreshold: 3 }
const PRICE = parseTokens('2')
const CALL_PRICE = parseTokens('0.01')
const SPEC = {
  inputShape: [64],
  layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: { type: 'adam', learningRate: 0.02 },
  loss: 'sparseCategoricalCrossentropy',
  epochs: 1,
  batchSize: 32,
  seed: 7,
}
const ROW = { input: { type: 'float32', dims: [1, 3], data: [1, 2, 3] } }

async function refusal(p: Promise<unknown> | (() => unknown)): Promise<W3aiError> {
  const err = await Promise.resolve()
    .then(() => (typeof p === 'function' ? p() : p))
    .then(
      () => undefined,
      (e: unknown) => e,
    )
  expect(err).toBeInstanceOf(W3aiError)
  return err as W3aiError
}

describe.each(storyBackends())('compute-to-data and paid calls with the SDK on %s', (backend) => {
  let t: TestHub
  let root: Awaited<ReturnType<typeof tempHome>>
  const agents: NodeAgent[] = []
  let seller: Party
  let buyer: Party
  let csv: Buffer
  let data: string
  let computeOnly: Listing
  let perCall: Listing
  let deploymentId: string
  let fee: { feeRateBps: number; treasuryShareBps: number; burnShareBps: number }

  const party = async (name: string): Promise<Party> => {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: t.hub.url, identity })
    await hub.createAccount({ name, encryptionKey: identity.encryptionKey })
    return { identity, hub, storage: new StorageClient(hub, identity), jobs: new JobsClient(hub, identity), market: new MarketClient(hub, identity), wallet: new WalletClient(hub), deployments: new DeploymentsClient(hub, identity) }
  }
  const draft = (over: Partial<ListingDraft>): ListingDraft => ({ kind: 'dataset', title: 'Handwritten digits', licence: 'CC-BY-4.0', access: 'compute-only', price: PRICE.toString(), cid: data, ...over })
  const balance = async (p: Party): Promise<bigint> => BigInt((await p.wallet.balance()).balance)

  beforeAll(async () => {
    t = await startTestHub(backend, { heartbeatIntervalMs: 250, ledger: { faucet: true }, compute: { spotCheckRate: 0 } })
    root = await tempHome('w3ai-sdk-market-compute-')
    for (let i = 0; i < NODES; i++) {
      const agent = createNodeAgent({
        home: join(root.dir, `node-${i}`),
        hubUrl: t.hub.url,
        logLevel: false,
        cpu: 2,
        memoryGb: 4,
        diskGb: 20,
        executors: ['train', 'wasm', 'onnx'],
        reconnect: { initialMs: 50, maxMs: 500 },
        tasks: { slots: 1, pollMs: 50 },
      })
      const connected = once(agent, 'connected')
      await agent.start()
      await connected
      agents.push(agent)
    }
    const probe = new HubClient({ url: t.hub.url })
    await until(async () => (await probe.listNodes({ status: 'online' })).total === NODES, 15_000)
    ;[seller, buyer] = await Promise.all([party('seller'), party('buyer')])
    await buyer.wallet.faucet(parseTokens('100'))
    await seller.wallet.faucet(parseTokens('10'))
    const rows = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8').trim().split('\n').slice(0, 120)
    csv = Buffer.from(rows.join('\n'))
    data = await putBytes(seller.storage, csv, { redundancy: REDUNDANCY, name: 'digits.csv' })
    computeOnly = await seller.market.publish(draft({}))
    const model = await putBytes(seller.storage, matMulModel({ weights: Float32Array.from({ length: 12 }, (_, i) => i / 4), rows: 3, cols: 4 }), { redundancy: REDUNDANCY, name: 'scorer.onnx' })
    const deployment = await seller.deployments.create({ model })
    deploymentId = (await seller.deployments.waitReady(deployment.id, { timeoutMs: 60_000 })).id
    perCall = await seller.market.publish(draft({ kind: 'model', title: 'Basket scorer', access: 'per-call', price: CALL_PRICE.toString(), cid: model, description: `Served at deployment ${deploymentId}` }))
    const p = Object.fromEntries((await new GovernanceClient(buyer.hub).parameters()).map((x) => [x.name, Number(x.value)]))
    fee = { feeRateBps: p.feeRateBps as number, treasuryShareBps: p.treasuryShareBps as number, burnShareBps: p.burnShareBps as number }
  }, 180_000)

  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => undefined)
    await t?.close()
    await root?.cleanup()
  }, 60_000)

  it('trains on a compute-only dataset the buyer cannot download: the seller keys the job, the result opens for the buyer only, the seller is paid', async () => {
    const order = await buyer.market.buy(computeOnly.id)
    expect(order).toMatchObject({ mode: 'compute-only', status: 'active', cid: data, amount: PRICE.toString() })
    expect((await refusal(buyer.storage.get(data, () => undefined))).code).toMatch(/^STORAGE_/)
    // Not the buyer's order to use, and no job without one.
    expect((await refusal(seller.jobs.submit({ executor: 'train', inputs: { dataset: data }, params: { spec: SPEC }, order: order.id }))).code).toBe('MARKET_ORDER_NOT_FOUND')
    expect((await refusal(buyer.jobs.submit({ executor: 'train', inputs: { dataset: data }, params: { spec: SPEC } }))).code).toBe('STORAGE_ACCESS_DENIED')

    const submitted = await buyer.jobs.submit({ executor: 'train', inputs: { dataset: data }, params: { spec: SPEC }, order: order.id })
    expect(submitted.status).toBe('awaiting-keys')
    const [request, ...others] = await seller.market.keyRequests()
    expect(others).toEqual([])
    expect(request).toMatchObject({ jobId: submitted.id, orderId: order.id, executor: 'train', cid: data, replicas: 1 })
    expect(request!.candidates.length).toBeGreaterThanOrEqual(1)
    expect(await buyer.market.keyRequests()).toEqual([])
    // The data key is the seller's to wrap: a key from the buyer for it is refused.
    const forged = request!.candidates.map((c) => ({ nodeId: c.nodeId, cid: data, wrappedKey: wrapKey(Buffer.alloc(32, 7), c.encryptionKey) }))
    expect((await refusal(buyer.hub.request('POST', `/v1/jobs/${submitted.id}/keys`, { keys: forged }))).code).toBe('STORAGE_ACCESS_DENIED')

    const before = await balance(seller)
    const seen: string[] = []
    const outcomes = await seller.market.answerKeyRequests({ onRequest: (o) => seen.push(o.jobId) })
    expect(seen).toEqual([submitted.id])
    expect(outcomes[0]).toMatchObject({ jobId: submitted.id, orderId: order.id, cid: data, nodes: request!.candidates.map((c) => c.nodeId) })
    expect(outcomes[0]?.error).toBeUndefined()
    expect(await seller.market.keyRequests()).toEqual([])

    const done = await buyer.jobs.wait(submitted.id, { timeoutMs: 120_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    expect(isSealedResult(done.result)).toBe(true)
    const result = openJobResult(done, buyer.identity) as { onnx?: string; metrics?: unknown }
    expect(typeof result.onnx).toBe('string')
    expect((await refusal(() => openJobResult(done, seller.identity))).code).toBe('COMPUTE_SEAL_DENIED')
    expect((await refusal(seller.jobs.get(submitted.id))).code).toBe('JOB_NOT_FOUND')

    const split = splitFee(PRICE, fee)
    await until(async () => (await buyer.market.order(order.id)).status === 'fulfilled', 30_000)
    const fulfilled = await buyer.market.order(order.id)
    expect(fulfilled.paid).toBe(split.nodes.toString())
    expect((await balance(seller)) - before).toBe(split.nodes)
    // Still no download for the buyer, and the order granted one job only.
    expect((await refusal(buyer.storage.get(data, () => undefined))).code).toMatch(/^STORAGE_/)
    expect((await refusal(buyer.jobs.submit({ executor: 'train', inputs: { dataset: data }, params: { spec: SPEC }, order: order.id }))).code).toBe('MARKET_INVALID_STATE')
  }, 180_000)

  it('keys a job with an input of the buyer too: each side wraps its own, and it runs once both have', async () => {
    const order = await buyer.market.buy(computeOnly.id)
    const module = await putBytes(buyer.storage, wat(uppercaseWat()), { redundancy: REDUNDANCY })
    const submitted = await buyer.jobs.submit({ executor: 'wasm', inputs: { module, input: data }, order: order.id })
    // The buyer's module is keyed already; the job waits for the seller's side.
    expect(submitted.status).toBe('awaiting-keys')
    const [outcome] = await seller.market.fulfilAll().then((r) => r.keyRequests)
    expect(outcome).toMatchObject({ jobId: submitted.id, orderId: order.id })
    expect(outcome?.error).toBeUndefined()
    const done = await buyer.jobs.wait(submitted.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    const plain = openJobResult(done, buyer.identity) as { stdout: string }
    expect(Buffer.from(plain.stdout, 'base64').toString()).toBe(csv.toString().toUpperCase())
    await until(async () => (await buyer.market.order(order.id)).status === 'fulfilled', 30_000)
  }, 120_000)

  it("calls the seller's deployment as often as bought: the seller's answers, a retry counted once, then MARKET_ALLOWANCE_EXHAUSTED", async () => {
    const own = await seller.deployments.infer(deploymentId, ROW)
    // Nobody else calls it without an order.
    expect((await refusal(buyer.deployments.infer(deploymentId, ROW))).code).toBe('DEPLOYMENT_NOT_FOUND')
    const order: Order = await buyer.market.buy(perCall.id, { calls: 3 })
    expect(order).toMatchObject({ mode: 'per-call', status: 'active', allowance: { calls: 3, used: 0 } })
    const before = await balance(seller)

    const first = await buyer.deployments.infer(deploymentId, ROW, { order: order.id, idempotencyKey: 'call-1' })
    expect(first.outputs).toEqual(own.outputs)
    const retried = await buyer.deployments.infer(deploymentId, ROW, { order: order.id, idempotencyKey: 'call-1' })
    expect(retried.outputs).toEqual(own.outputs)
    expect((await buyer.market.order(order.id)).allowance).toEqual({ calls: 3, used: 1 })
    for (let i = 0; i < 2; i++) expect((await buyer.deployments.infer(deploymentId, ROW, { order: order.id })).outputs).toEqual(own.outputs)
    expect((await refusal(buyer.deployments.infer(deploymentId, ROW, { order: order.id }))).code).toBe('MARKET_ALLOWANCE_EXHAUSTED')

    const spent = await buyer.market.order(order.id)
    expect(spent).toMatchObject({ status: 'exhausted', allowance: { calls: 3, used: 3 } })
    const split = splitFee(3n * CALL_PRICE, fee)
    expect(spent.paid).toBe(split.nodes.toString())
    // The seller got the calls less the fee (its own call to its deployment costs it nothing while billing is off).
    expect((await balance(seller)) - before).toBe(split.nodes)
    // An order for something else pays for no call here.
    const other = await buyer.market.buy(computeOnly.id)
    expect((await refusal(buyer.deployments.infer(deploymentId, ROW, { order: other.id }))).code).toBe('MARKET_INVALID_STATE')
  }, 120_000)
})
