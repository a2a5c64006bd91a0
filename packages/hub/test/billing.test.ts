/**
 * Paid compute (issue 11) on a hub with billing on and real nodes: a job's escrow at submission,
 * its settlement to the node that ran it with the fee split to the treasury and the burn exactly
 * as the network parameters say, refunds of failed and cancelled jobs, a job refused for want of
 * funds leaving nothing behind, and a verification's minority left unpaid. Every expected amount
 * is computed here from the parameters the hub reads.
 */
import { parseTokens, type ParameterValues } from '@w3ai/ledger'
import { W3aiError, type JobCandidates } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { trapWat, uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { startBillingNet, type BillingAccount, type BillingNet } from './billing-kit.js'
import { backends, codeOf, until, type Backend } from './helpers.js'

const TASK_SECONDS = 30
const bps = (amount: bigint, share: number): bigint => (amount * BigInt(share)) / 10_000n

/** The split of a payment as the parameters define it: fee, then its treasury and burn shares; the nodes keep the rest. */
function expectedSplit(total: bigint, p: ParameterValues): { treasury: bigint; burn: bigint; nodes: bigint } {
  const fee = bps(total, p.feeRateBps)
  const treasury = bps(fee, p.treasuryShareBps)
  const burn = bps(fee, p.burnShareBps)
  return { treasury, burn, nodes: total - treasury - burn }
}

const amountOf = (entries: Array<{ transferId: string; amount: string }>, id: string): bigint | undefined => {
  const e = entries.find((x) => x.transferId === id)
  return e === undefined ? undefined : BigInt(e.amount)
}

describe.each(backends())('job billing on %s', (backend: Backend) => {
  let net: BillingNet
  let alice: BillingAccount
  let module: string
  let input: string
  let p: ParameterValues

  beforeAll(async () => {
    net = await startBillingNet(backend, 2, ['wasm'])
    alice = await net.account('alice')
    await alice.wallet.faucet(parseTokens('100'))
    module = await net.store(alice, wat(uppercaseWat()))
    input = await net.store(alice, Buffer.from('pay the node'))
    p = await net.parameters()
  }, 120_000)

  afterAll(async () => {
    await net?.close()
  }, 60_000)

  it('quotes a job at the governed price for its time limit, and upload and inference prices', async () => {
    const job = await net.public.request<{ amount: string; billing: boolean; breakdown: Record<string, unknown>; fee: Record<string, string> }>('POST', '/v1/quotes', { kind: 'job', executor: 'wasm' })
    expect(job.billing).toBe(true)
    expect(BigInt(job.amount)).toBe(p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS))
    expect(job.breakdown).toMatchObject({ resourceClass: 'cpu', limitSeconds: TASK_SECONDS, replicas: 1, tieBreakers: 0 })
    const split = expectedSplit(BigInt(job.amount), p)
    expect(job.fee).toMatchObject({ treasury: split.treasury.toString(), burn: split.burn.toString(), nodes: split.nodes.toString() })
    const verified = await net.public.request<{ amount: string }>('POST', '/v1/quotes', { kind: 'job', executor: 'wasm', verify: 3 })
    expect(BigInt(verified.amount)).toBe(p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS) * 5n)
    const calls = await net.public.request<{ amount: string }>('POST', '/v1/quotes', { kind: 'deployment', calls: 7 })
    // No node serves models here: the governed maximum, the most a call could cost.
    expect(BigInt(calls.amount)).toBe(p.servingPricePerCallMax * 7n)
    const upload = await net.public.request<{ amount: string; breakdown: { storedBytes: number; hours: number } }>('POST', '/v1/quotes', { kind: 'upload', size: 1024 ** 3, redundancy: { k: 2, n: 4, repairThreshold: 3 }, durationHours: 10 })
    expect(upload.breakdown).toMatchObject({ storedBytes: 2 * 1024 ** 3, hours: 10 })
    expect(BigInt(upload.amount)).toBe(p.storagePricePerGiBHourMin * 20n)
    expect(await codeOf(net.public.request('POST', '/v1/quotes', { kind: 'job', executor: 'nope' }))).toBe('VALIDATION_FAILED')
  })

  it('holds the escrow at submission, then pays the node its time less the fee, split to treasury and burn to the unit', async () => {
    const before = await alice.wallet.balance()
    const job = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input } })
    const escrow = await net.entries(`job:${job.id}:escrow`)
    expect(escrow).toHaveLength(1)
    expect(escrow[0]).toMatchObject({ pending: true, debit: `user:${alice.id}`, credit: `escrow:job:${job.id}` })
    expect(BigInt(escrow[0]!.amount)).toBe(p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS))

    const done = await alice.jobs.wait(job.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    await until(async () => (await net.entries(`job:${job.id}:post`)).length === 1, 15_000)
    const entries = await net.entries(`job:${job.id}:`)
    const ran = done.history.find((e) => e.kind === 'succeeded')!.nodeId!
    const total = amountOf(entries, `job:${job.id}:post`)!
    expect(total > 0n && total <= BigInt(escrow[0]!.amount)).toBe(true)
    const split = expectedSplit(total, p)
    expect(amountOf(entries, `job:${job.id}:pay:${ran}`)).toBe(split.nodes)
    expect(amountOf(entries, `job:${job.id}:treasury`)).toBe(split.treasury)
    expect(amountOf(entries, `job:${job.id}:burn`)).toBe(split.burn)
    expect(amountOf(entries, `job:${job.id}:reward:${ran}`)).toBe(bps(total, p.computeRewardShareBps))
    expect(entries.filter((e) => e.transferId.includes(':pay:'))).toHaveLength(1)

    // The owner paid what was consumed; the rest of the hold came back; the escrow account is empty.
    const after = await alice.wallet.balance()
    expect(BigInt(after.balance)).toBe(BigInt(before.balance) - total)
    expect(after.available).toBe(after.balance)
    expect(await net.balance(`escrow:job:${job.id}`)).toBe(0n)
    const report = await net.ledger.verify()
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
  }, 90_000)

  it('refunds a failed job in full and pays no node', async () => {
    const trap = await net.store(alice, wat(trapWat))
    const before = await alice.wallet.balance()
    const job = await alice.jobs.submit({ executor: 'wasm', inputs: { module: trap, input }, maxAttempts: 1 })
    const done = await alice.jobs.wait(job.id, { timeoutMs: 60_000 })
    expect(done.status).toBe('failed')
    await until(async () => (await net.entries(`job:${job.id}:refund`)).length === 1, 15_000)
    const entries = await net.entries(`job:${job.id}:`)
    expect(entries.map((e) => e.transferId).sort()).toEqual([`job:${job.id}:escrow`, `job:${job.id}:refund`])
    expect(await alice.wallet.balance()).toEqual(before)
  }, 90_000)

  it('refunds a cancelled job in full', async () => {
    const before = await alice.wallet.balance()
    // Submitted without its keys: it waits for them, escrow held, until cancelled.
    const answer = await alice.hub.request<JobCandidates>('POST', '/v1/jobs', { executor: 'wasm', inputs: { module, input } })
    expect(answer.status).toBe('awaiting-keys')
    const held = await alice.wallet.balance()
    expect(BigInt(held.available)).toBe(BigInt(before.available) - p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS))
    expect((await alice.jobs.cancel(answer.jobId)).status).toBe('cancelled')
    const entries = await net.entries(`job:${answer.jobId}:`)
    expect(entries.map((e) => e.transferId).sort()).toEqual([`job:${answer.jobId}:escrow`, `job:${answer.jobId}:refund`])
    expect(await alice.wallet.balance()).toEqual(before)
  }, 60_000)

  it('refuses a job its owner cannot pay for with 402, creating and moving nothing', async () => {
    const bob = await net.account('bob')
    // Enough to store the inputs, far from a job's escrow.
    await bob.wallet.faucet(10n ** 10n)
    const bobModule = await net.store(bob, wat(uppercaseWat()))
    const bobInput = await net.store(bob, Buffer.from('no money'))
    const wallet = await bob.wallet.balance()
    const journal = (await net.ledger.download()).entries.length
    let refusal: unknown
    await bob.jobs.submit({ executor: 'wasm', inputs: { module: bobModule, input: bobInput } }).catch((err: unknown) => (refusal = err))
    expect(refusal).toBeInstanceOf(W3aiError)
    expect((refusal as W3aiError).code).toBe('BILLING_INSUFFICIENT_FUNDS')
    expect((refusal as W3aiError).status).toBe(402)
    expect((refusal as W3aiError).details).toMatchObject({ needed: (p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS)).toString(), available: wallet.available })
    expect(await bob.jobs.list()).toHaveLength(0)
    expect(await bob.wallet.balance()).toEqual(wallet)
    expect((await net.ledger.download()).entries.length).toBe(journal)
  }, 60_000)

  it('pays the majority of a verification and not the node outvoted', async () => {
    const liar = await net.addNode({ liar: true })
    const job = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input }, verify: 3 })
    const escrow = await net.entries(`job:${job.id}:escrow`)
    expect(BigInt(escrow[0]!.amount)).toBe(p.computePricePerTaskSecondCpuMin * BigInt(TASK_SECONDS) * 5n)
    const done = await alice.jobs.wait(job.id, { timeoutMs: 90_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    expect(Buffer.from((done.result as { stdout: string }).stdout, 'base64').toString()).toBe('PAY THE NODE')
    await until(async () => (await net.entries(`job:${job.id}:post`)).length === 1, 15_000)
    const entries = await net.entries(`job:${job.id}:`)
    const ran = new Set(done.history.filter((e) => e.kind === 'succeeded').map((e) => e.nodeId!))
    expect(ran.has(liar.id)).toBe(true)
    const paid = entries.filter((e) => e.transferId.includes(':pay:'))
    expect(paid.map((e) => e.credit).sort()).toEqual([...ran].filter((n) => n !== liar.id).map((n) => `node:${n}`).sort())
    expect(entries.some((e) => e.credit === `node:${liar.id}`)).toBe(false)
    // The fee split of what the two honest nodes consumed, to the unit; their parts add up to the rest.
    const total = amountOf(entries, `job:${job.id}:post`)!
    const split = expectedSplit(total, p)
    expect(amountOf(entries, `job:${job.id}:treasury`)).toBe(split.treasury)
    expect(amountOf(entries, `job:${job.id}:burn`)).toBe(split.burn)
    expect(paid.reduce((sum, e) => sum + BigInt(e.amount), 0n)).toBe(split.nodes)
    expect((await net.ledger.verify()).ok).toBe(true)
  }, 120_000)
})
