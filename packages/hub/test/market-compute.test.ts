/**
 * Compute-to-data on the hub (issue 12): a job on a compute-only purchase reads the seller's data
 * with the data key wrapped by the seller to the job's nodes only: the buyer cannot wrap it nor read
 * the data, strangers see nothing, and every refusal creates no job and moves no token. And paid
 * calls: another account's inference on a deployment needs a per-call order for that model.
 */
import { unwrapKey, wrapKey } from '@w3ai/crypto'
import type { Job, JobCandidates, KeyRequestList, ObjectDetail, Order } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, type Backend } from './helpers.js'
import { startMarketNet, type MarketNet, type Trader } from './market-kit.js'

describe.each(backends())('compute-to-data and paid calls on %s', (backend: Backend) => {
  let m: MarketNet
  let seller: Trader
  let buyer: Trader
  let stranger: Trader
  let data: string
  let own: string
  let order: Order
  let download: Order

  const jobBody = (who: Trader, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ executor: 'wasm', inputs: { module: data }, sealTo: who.identity.encryptionKey, ...extra })
  const jobsOf = async (who: Trader): Promise<number> => (await m.call<{ jobs: Job[] }>(who, 'GET', '/v1/jobs')).body.jobs.length
  /** The seller's own key of its data, wrapped to `nodes`. */
  const sellerKeys = async (nodes: Array<{ nodeId: string; encryptionKey: string }>) => {
    const detail = await seller.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${data}`)
    const key = unwrapKey(detail.wrappedKey, seller.identity)
    return nodes.map((n) => ({ nodeId: n.nodeId, cid: data, wrappedKey: wrapKey(key, n.encryptionKey) }))
  }

  beforeAll(async () => {
    m = await startMarketNet(backend)
    seller = await m.trader('seller')
    buyer = await m.trader('buyer')
    stranger = await m.trader('stranger')
    data = await m.store(seller)
    own = await m.store(buyer)
    const computeOnly = await m.publish(seller, data, { access: 'compute-only', title: 'Clinic visits, compute only' })
    order = (await m.buy(buyer, computeOnly.id)).body
    const sold = await m.publish(seller, await m.store(seller), { title: 'A plain download' })
    download = (await m.buy(buyer, sold.id)).body
  }, 120_000)

  afterAll(async () => {
    await m?.close()
  }, 60_000)

  it('refuses a job on the data without an order of the submitter that grants compute on it, creating nothing', async () => {
    const wallets = await Promise.all([buyer, stranger].map((t) => m.balance(t)))
    const refusals: Array<[Trader, Record<string, unknown>, string]> = [
      [buyer, jobBody(buyer), 'STORAGE_ACCESS_DENIED'],
      [stranger, jobBody(stranger, { order: order.id }), 'MARKET_ORDER_NOT_FOUND'],
      [buyer, jobBody(buyer, { order: order.id, sealTo: undefined }), 'VALIDATION_FAILED'],
      [buyer, jobBody(buyer, { order: order.id, inputs: { module: own } }), 'VALIDATION_FAILED'],
      [buyer, jobBody(buyer, { order: download.id }), 'MARKET_INVALID_STATE'],
      [buyer, jobBody(buyer, { order: 'o_0000000000000000' }), 'MARKET_ORDER_NOT_FOUND'],
      [buyer, jobBody(buyer, { order: 'not-an-order' }), 'VALIDATION_FAILED'],
    ]
    for (const [who, body, code] of refusals) {
      const r = await m.call(who, 'POST', '/v1/jobs', JSON.parse(JSON.stringify(body)))
      expect(r.code, JSON.stringify(body)).toBe(code)
    }
    expect(await jobsOf(buyer)).toBe(0)
    expect(await jobsOf(stranger)).toBe(0)
    expect(await Promise.all([buyer, stranger].map((t) => m.balance(t)))).toEqual(wallets)
    // The order is untouched: still active, nothing paid.
    expect((await m.call<Order>(buyer, 'GET', `/v1/market/orders/${order.id}`)).body).toMatchObject({ status: 'active', paid: null })
  })

  it("has the seller, not the buyer, wrap the data key to the job's nodes; the job starts once they hold it", async () => {
    const submitted = await m.call<JobCandidates>(buyer, 'POST', '/v1/jobs', jobBody(buyer, { order: order.id }))
    expect(submitted.status).toBe(201)
    const { jobId, candidates } = submitted.body
    expect(submitted.body.status).toBe('awaiting-keys')

    // The buyer holds no key of the data: anything it wraps for it is refused.
    const forged = candidates.map((n) => ({ nodeId: n.nodeId, cid: data, wrappedKey: wrapKey(Buffer.alloc(32, 7), n.encryptionKey) }))
    expect((await m.call(buyer, 'POST', `/v1/jobs/${jobId}/keys`, { keys: forged })).code).toBe('STORAGE_ACCESS_DENIED')
    // Strangers neither see the request nor may answer it.
    expect((await m.call<KeyRequestList>(stranger, 'GET', '/v1/jobs/key-requests')).body.requests).toEqual([])
    expect((await m.call(stranger, 'POST', `/v1/jobs/${jobId}/keys`, { keys: await sellerKeys(candidates) })).code).toBe('JOB_NOT_FOUND')
    expect((await m.call(undefined, 'GET', '/v1/jobs/key-requests')).code).toBe('AUTH_MISSING_SIGNATURE')

    const requests = (await m.call<KeyRequestList>(seller, 'GET', '/v1/jobs/key-requests')).body.requests
    expect(requests).toEqual([{ jobId, orderId: order.id, executor: 'wasm', cid: data, replicas: 1, candidates }])
    // The seller may wrap only its data's key, and sees the job only as far as wrapping needs.
    const started = await m.call<Job>(seller, 'POST', `/v1/jobs/${jobId}/keys`, { keys: await sellerKeys(candidates) })
    expect(started.status).toBe(200)
    expect(started.body.status).toBe('queued')
    expect((await m.call<KeyRequestList>(seller, 'GET', '/v1/jobs/key-requests')).body.requests).toEqual([])
    expect((await m.call(seller, 'POST', `/v1/jobs/${jobId}/keys`, { keys: await sellerKeys(candidates) })).code).toBe('JOB_INVALID_STATE')

    // The buyer still cannot read the data.
    expect((await m.call(buyer, 'GET', `/v1/storage/objects/${data}`)).code).toBe('STORAGE_ACCESS_DENIED')
  })

  it("refuses another account's inference on a deployment unless a per-call order of theirs pays for it", async () => {
    const path = '/v1/deployments/d_000000000000000000000000/infer'
    const body = { inputs: { x: { type: 'float32', dims: [1, 1], data: [1] } } }
    expect((await m.call(buyer, 'POST', path, body, { 'x-w3ai-order': 'nope' })).code).toBe('VALIDATION_FAILED')
    expect((await m.call(buyer, 'POST', path, body, { 'x-w3ai-order': order.id, 'idempotency-key': 'bad key!' })).code).toBe('VALIDATION_FAILED')
    expect((await m.call(buyer, 'POST', path, body, { 'x-w3ai-order': order.id })).code).toBe('DEPLOYMENT_NOT_FOUND')
  })
})
