/**
 * Node prices (issue 11): a node asks its price at registration; the hub shows it, quotes and
 * escrows a job at the highest price among the nodes it may go to (clamped to the governed
 * bounds), and charges the node that ran it its own price for the time measured, as the public
 * memo of its payment says.
 */
import { parseTokens, type ParameterValues } from '@w3ai/ledger'
import type { NodeInfo } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { startBillingNet, type BillingAccount, type BillingNet } from './billing-kit.js'
import { backends, until, type Backend } from './helpers.js'

describe.each(backends())('node prices on %s', (backend: Backend) => {
  let net: BillingNet
  let alice: BillingAccount
  let p: ParameterValues
  let dear: string

  beforeAll(async () => {
    net = await startBillingNet(backend, 1, ['wasm'])
    p = await net.parameters()
    dear = (await net.addNode({ prices: { computePerTaskSecond: (p.computePricePerTaskSecondCpuMin * 3n).toString() } })).id
    alice = await net.account('alice')
    await alice.wallet.faucet(parseTokens('10'))
  }, 120_000)

  afterAll(async () => {
    await net?.close()
  }, 60_000)

  it('shows the price a node asks and escrows a job at the highest price of its nodes', async () => {
    expect((await net.public.request<NodeInfo>('GET', `/v1/nodes/${dear}`)).prices).toEqual({ computePerTaskSecond: (p.computePricePerTaskSecondCpuMin * 3n).toString() })
    const quote = await net.public.request<{ amount: string; breakdown: { pricePerSecond: string } }>('POST', '/v1/quotes', { kind: 'job', executor: 'wasm' })
    expect(BigInt(quote.breakdown.pricePerSecond)).toBe(p.computePricePerTaskSecondCpuMin * 3n)
    expect(BigInt(quote.amount)).toBe(p.computePricePerTaskSecondCpuMin * 3n * 30n)

    const module = await net.store(alice, wat(uppercaseWat()))
    const input = await net.store(alice, Buffer.from('priced'))
    const job = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input } })
    expect(BigInt((await net.entries(`job:${job.id}:escrow`))[0]!.amount)).toBe(BigInt(quote.amount))
    const done = await alice.jobs.wait(job.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    await until(async () => (await net.entries(`job:${job.id}:post`)).length === 1, 15_000)
    const ran = done.history.find((e) => e.kind === 'succeeded')!.nodeId!
    const entries = await net.entries(`job:${job.id}:`)
    const pay = entries.find((e) => e.transferId === `job:${job.id}:pay:${ran}`)!
    // The memo says how the charge was reckoned: the node's own price, the time measured.
    const [, ms, price] = /^(\d+) ms × (\d+) units\/s$/.exec(pay.memo ?? '')!
    expect(BigInt(price!)).toBe(ran === dear ? p.computePricePerTaskSecondCpuMin * 3n : p.computePricePerTaskSecondCpuMin)
    expect(BigInt(entries.find((e) => e.transferId === `job:${job.id}:post`)!.amount)).toBe((BigInt(ms!) * BigInt(price!)) / 1000n)
  }, 90_000)

  it('clamps a price above the governed maximum to it', async () => {
    await net.addNode({ prices: { computePerTaskSecond: (p.computePricePerTaskSecondCpuMax * 1000n).toString() } })
    const quote = await net.public.request<{ breakdown: { pricePerSecond: string } }>('POST', '/v1/quotes', { kind: 'job', executor: 'wasm' })
    expect(BigInt(quote.breakdown.pricePerSecond)).toBe(p.computePricePerTaskSecondCpuMax)
  }, 60_000)
})
