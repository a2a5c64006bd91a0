import { generateIdentity } from '@w3ai/crypto'
import { balanceOf, defaultParameters, splitFee, verifyLedger } from '@w3ai/ledger'
import type { HubEvent } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/open.js'
import type { Database } from '../src/db/types.js'
import { LedgerService } from '../src/domains/ledger/service.js'
import { SqlLedgerStore } from '../src/domains/ledger/store.js'
import { buildMarket } from '../src/domains/market/build.js'
import { seedPgliteHome } from '../src/testing.js'
import { backends, codeOf, dropSchema, freshDatabaseUrl, tempHome, until } from './helpers.js'

const signer = generateIdentity('node')
const PRICE = 10n ** 15n
const fees = defaultParameters()
const seller = 'a_5e11e700000000000000'

/**
 * The order service's seams for the other domains, over a real database and ledger: per-call use
 * counted once per request id and never past the allowance (also when calls race), the allowance
 * settled for the calls used; compute-only rights granted while active and paid once completed;
 * orders past their deadline closed by the sweeper; a decided settlement applied exactly once.
 */
describe.each(backends())('market orders on %s', (backend) => {
  let db: Database
  let ledger: LedgerService
  let market: ReturnType<typeof buildMarket>
  let cleanup: () => Promise<void>
  const errors: unknown[] = []
  const events: HubEvent[] = []
  let n = 0

  const account = async (id: string): Promise<bigint> => {
    const a = await ledger.balanceOf(id)
    return a === undefined ? 0n : balanceOf(a)
  }
  /** A funded buyer and a listing of the given access mode. */
  const setup = async (access: 'download' | 'compute-only' | 'per-call', tokens = 10n ** 18n) => {
    const i = ++n
    const buyer = `a_b0000000000000000${i.toString().padStart(3, '0')}`
    await ledger.transfer([{ id: `fund-${i}`, debit: 'treasury', credit: `user:${buyer}`, amount: tokens, kind: 'reward' }])
    const kind = access === 'compute-only' ? 'dataset' : 'model'
    const { listing } = await market.market.publish(seller, { kind, title: `listing ${i}`, licence: 'MIT', access, price: PRICE.toString(), cid: `bafk${'a'.repeat(52)}` })
    return { buyer, listing }
  }

  beforeAll(async () => {
    const home = await tempHome()
    const url = freshDatabaseUrl(backend)
    if (url === undefined) await seedPgliteHome(home.dir)
    db = await openDatabase({ home: home.dir, databaseUrl: url })
    ledger = new LedgerService({
      store: new SqlLedgerStore(db),
      signer,
      settings: { faucet: false, faucetAmount: 0n, faucetCap: 0n, genesisTreasury: 10n ** 24n, genesisFaucet: 0n },
      accountExists: async () => true,
      nodeExists: async () => true,
      expiryIntervalMs: 3_600_000,
      onError: (err) => errors.push(err),
    })
    await ledger.start()
    market = buildMarket({
      db,
      ledger,
      fees: async () => fees,
      readable: async () => undefined,
      grantRead: async () => undefined,
      publish: (e) => events.push(e),
      sweepIntervalMs: 50,
      onError: (err) => errors.push(err),
    })
    await market.marketUpkeep.start()
    cleanup = async () => {
      await market.marketUpkeep.stop()
      await ledger.stop()
      await db.close()
      if (url !== undefined) await dropSchema(url)
      await home.cleanup()
    }
  })
  afterAll(async () => {
    await cleanup?.()
    expect(errors).toEqual([])
  })

  it('counts each call once by its request id and settles the allowance when the last call is used', async () => {
    const { buyer, listing } = await setup('per-call')
    const { order } = await market.marketOrders.buy(buyer, listing.id, { calls: 3 })
    const sellerBefore = await account(`user:${seller}`)
    const first = await market.marketOrders.consumeCall(order.id, 'req-1')
    expect(first).toMatchObject({ replay: false, order: { status: 'active', allowance: { calls: 3, used: 1 } } })
    expect(await market.marketOrders.consumeCall(order.id, 'req-1')).toMatchObject({ replay: true, order: { allowance: { used: 1 } } })
    await market.marketOrders.consumeCall(order.id, 'req-2')
    expect(await account(`user:${seller}`)).toBe(sellerBefore)
    const last = await market.marketOrders.consumeCall(order.id, 'req-3')
    const split = splitFee(3n * PRICE, fees)
    expect(last.order).toMatchObject({ status: 'exhausted', allowance: { calls: 3, used: 3 }, paid: split.nodes.toString() })
    expect(await account(`user:${seller}`)).toBe(sellerBefore + split.nodes)
    expect(await account(`user:${buyer}`)).toBe(10n ** 18n - 3n * PRICE)
    expect(await codeOf(market.marketOrders.consumeCall(order.id, 'req-4'))).toBe('MARKET_ALLOWANCE_EXHAUSTED')
    expect((await market.marketOrders.consumeCall(order.id, 'req-2')).replay).toBe(true)
    expect(events.filter((e) => e.type === 'market.order.updated' && e.orderId === order.id).map((e) => (e as { status: string }).status)).toEqual(['active', 'active', 'active', 'exhausted'])
  })

  it('never counts past the allowance when calls race', async () => {
    const { buyer, listing } = await setup('per-call')
    const { order } = await market.marketOrders.buy(buyer, listing.id, { calls: 5 })
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => codeOf(market.marketOrders.consumeCall(order.id, `race-${i}`))))
    expect(outcomes.filter((c) => c === 'resolved')).toHaveLength(5)
    expect(outcomes.filter((c) => c !== 'resolved').every((c) => c === 'MARKET_ALLOWANCE_EXHAUSTED' || c === 'MARKET_INVALID_STATE')).toBe(true)
    const after = await market.marketOrders.view(buyer, order.id)
    expect(after).toMatchObject({ status: 'exhausted', allowance: { calls: 5, used: 5 }, paid: splitFee(5n * PRICE, fees).nodes.toString() })
    expect(await account(`escrow:mk:${order.id}`)).toBe(0n)
  })

  it('settles an allowance past its deadline for the calls used and gives the rest back', async () => {
    const { buyer, listing } = await setup('per-call')
    const { order } = await market.marketOrders.buy(buyer, listing.id, { calls: 4, deadlineMs: 1500 })
    await market.marketOrders.consumeCall(order.id, 'only-call')
    await until(async () => (await market.marketOrders.view(buyer, order.id)).paid !== null, 10_000)
    expect(await market.marketOrders.view(buyer, order.id)).toMatchObject({ status: 'exhausted', allowance: { calls: 4, used: 1 }, paid: splitFee(PRICE, fees).nodes.toString() })
    expect(await account(`user:${buyer}`)).toBe(10n ** 18n - PRICE)
    expect((await ledger.balanceOf(`user:${buyer}`))?.debitsPending).toBe(0n)
    expect(await codeOf(market.marketOrders.consumeCall(order.id, 'too-late'))).toBe('MARKET_INVALID_STATE')
  })

  it('grants compute on a compute-only order while it is active, and pays the seller once when the job is done', async () => {
    const { buyer, listing } = await setup('compute-only')
    const { order } = await market.marketOrders.buy(buyer, listing.id, {})
    expect(order.status).toBe('active')
    expect(await market.marketOrders.computeGrant(order.id)).toMatchObject({ orderId: order.id, buyer, seller, cid: listing.versions[0]!.cid })
    const sellerBefore = await account(`user:${seller}`)
    const done = await market.marketOrders.completeCompute(order.id)
    expect(done).toMatchObject({ status: 'fulfilled', paid: splitFee(PRICE, fees).nodes.toString() })
    expect(await market.marketOrders.completeCompute(order.id)).toEqual(done)
    expect(await account(`user:${seller}`)).toBe(sellerBefore + splitFee(PRICE, fees).nodes)
    expect(await codeOf(market.marketOrders.computeGrant(order.id))).toBe('MARKET_INVALID_STATE')
    expect(await codeOf(market.marketOrders.computeGrant('o_0000000000000000'))).toBe('MARKET_ORDER_NOT_FOUND')
    expect(await codeOf(market.marketOrders.consumeCall(order.id, 'not-per-call'))).toBe('MARKET_INVALID_STATE')
  })

  it('refunds a compute-only order unused by its deadline', async () => {
    const { buyer, listing } = await setup('compute-only')
    const { order } = await market.marketOrders.buy(buyer, listing.id, { deadlineMs: 1000 })
    await until(async () => (await market.marketOrders.view(buyer, order.id)).paid !== null, 10_000)
    expect((await market.marketOrders.view(buyer, order.id)).status).toBe('refunded')
    expect(await account(`user:${buyer}`)).toBe(10n ** 18n)
    expect((await ledger.balanceOf(`user:${buyer}`))?.debitsPending).toBe(0n)
    expect(await codeOf(market.marketOrders.completeCompute(order.id))).toBe('MARKET_INVALID_STATE')
  })

  it('applies a settlement decided but not applied (a crash between the two) exactly once', async () => {
    const { buyer, listing } = await setup('compute-only')
    const { order } = await market.marketOrders.buy(buyer, listing.id, {})
    // Decided as a pay, then the hub "crashed" before applying it: the plan is in the row, the hold still pending.
    const plan = { outcome: 'pay', total: PRICE.toString(), seller: splitFee(PRICE, fees).nodes.toString(), chain: [] as unknown[] }
    const { settlementChain } = await import('../src/domains/billing/chain.js')
    const s = settlementChain({ ref: `mk:${order.id}`, hold: `mk:${order.id}:hold`, escrow: `escrow:mk:${order.id}`, payees: [{ account: `user:${seller}`, charge: PRICE, memo: `market order ${order.id}` }], fees })
    plan.chain = s.transfers.map((t) => ({ ...t, amount: t.amount?.toString() }))
    await db.query(`UPDATE market_orders SET status = 'fulfilled', plan = $2::jsonb, updated_at = now() - interval '1 hour' WHERE id = $1`, [order.id, JSON.stringify(plan)])
    const sellerBefore = await account(`user:${seller}`)
    await until(async () => (await market.marketOrders.view(buyer, order.id)).paid !== null, 10_000)
    expect(await account(`user:${seller}`)).toBe(sellerBefore + splitFee(PRICE, fees).nodes)
    await market.marketOrders.sweep()
    expect(await account(`user:${seller}`)).toBe(sellerBefore + splitFee(PRICE, fees).nodes)
    const store = new SqlLedgerStore(db)
    const report = verifyLedger({ entries: await store.journal(0, 1e6), blocks: await store.blocks(0, 1e6), accounts: await store.accountsPage('', 1e6), hubKeys: [signer.publicKey] })
    expect(report.problems).toEqual([])
  })
})
