/**
 * Paid inference (issue 11) on a hub with billing on and real serving nodes: every answered call
 * holds its price from the owner's wallet, pays the node that answered its price less the fee
 * (treasury and burn shares as the parameters say), and a call no node answered, or an owner who
 * cannot pay, moves nothing.
 */
import { parseTokens, type ParameterValues } from '@w3ai/ledger'
import type { JournalEntryWire } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { startBillingNet, type BillingAccount, type BillingNet } from './billing-kit.js'
import { backends, codeOf, type Backend } from './helpers.js'

const bps = (amount: bigint, share: number): bigint => (amount * BigInt(share)) / 10_000n
const x = { x: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } }

/** The journal entries of each call, by its srv:<request> reference. */
function calls(entries: JournalEntryWire[]): Map<string, JournalEntryWire[]> {
  const byRef = new Map<string, JournalEntryWire[]>()
  for (const e of entries) {
    const ref = e.transferId.split(':').slice(0, 2).join(':')
    byRef.set(ref, [...(byRef.get(ref) ?? []), e])
  }
  return byRef
}

describe.each(backends())('inference billing on %s', (backend: Backend) => {
  let net: BillingNet
  let alice: BillingAccount
  let deploymentId: string
  let p: ParameterValues
  const model = linearModel(randomDense(4, 3, 5))

  beforeAll(async () => {
    net = await startBillingNet(backend, 2, ['onnx'])
    alice = await net.account('alice')
    await alice.wallet.faucet(parseTokens('10'))
    const cid = await net.store(alice, model)
    deploymentId = (await alice.deployments.create({ model: cid, replicas: 1 })).id
    await alice.deployments.waitReady(deploymentId, { timeoutMs: 60_000 })
    p = await net.parameters()
  }, 120_000)

  afterAll(async () => {
    await net?.close()
  }, 60_000)

  it('pays the node that answered its price less the fee, split to treasury and burn to the unit', async () => {
    const before = await alice.wallet.balance()
    const seen = new Set((await net.entries('srv:')).map((e) => e.transferId))
    const answer = await alice.deployments.infer(deploymentId, x)
    expect(answer.outputs.y?.dims).toEqual([1, 3])
    const fresh = calls((await net.entries('srv:')).filter((e) => !seen.has(e.transferId)))
    expect(fresh.size).toBe(1)
    const [ref, entries] = [...fresh][0]!
    const amount = (suffix: string): bigint | undefined => {
      const e = entries.find((x) => x.transferId === `${ref}:${suffix}`)
      return e === undefined ? undefined : BigInt(e.amount)
    }
    // No node advertises a price: the governed minimum per call.
    const price = p.servingPricePerCallMin
    expect(amount('hold')).toBe(price)
    expect(amount('post')).toBe(price)
    const fee = bps(price, p.feeRateBps)
    const treasury = bps(fee, p.treasuryShareBps)
    const burn = bps(fee, p.burnShareBps)
    expect(amount('treasury')).toBe(treasury)
    expect(amount('burn')).toBe(burn)
    expect(amount(`pay:${answer.nodeId}`)).toBe(price - treasury - burn)
    expect(entries.find((e) => e.transferId === `${ref}:pay:${answer.nodeId}`)?.credit).toBe(`node:${answer.nodeId}`)
    const after = await alice.wallet.balance()
    expect(BigInt(after.balance)).toBe(BigInt(before.balance) - price)
    expect(after.available).toBe(after.balance)
    expect(await net.balance(`escrow:serve:${deploymentId}`)).toBe(0n)
  }, 60_000)

  it('charges nothing for a request the node refuses', async () => {
    const before = await alice.wallet.balance()
    expect(await codeOf(alice.deployments.infer(deploymentId, { x: { type: 'float32', dims: [1, 5], data: [1, 2, 3, 4, 5] } }))).toBe('COMPUTE_SHAPE_MISMATCH')
    expect(await alice.wallet.balance()).toEqual(before)
  }, 60_000)

  it('refuses an owner who cannot pay for a call with 402 before any node sees it', async () => {
    const bob = await net.account('bob')
    // Enough to store the model, less than one call.
    await bob.wallet.faucet(p.servingPricePerCallMin / 2n)
    const cid = await net.store(bob, model)
    const deployment = (await bob.deployments.create({ model: cid, replicas: 1 })).id
    await bob.deployments.waitReady(deployment, { timeoutMs: 60_000 })
    const wallet = await bob.wallet.balance()
    const requests = (await bob.deployments.get(deployment)).stats.requests
    expect(await codeOf(bob.deployments.infer(deployment, x))).toBe('BILLING_INSUFFICIENT_FUNDS')
    expect(await bob.wallet.balance()).toEqual(wallet)
    expect((await bob.deployments.get(deployment)).stats.requests).toBe(requests)
    expect((await net.ledger.verify()).ok).toBe(true)
  }, 90_000)
})
