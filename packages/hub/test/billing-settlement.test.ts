/**
 * Settlement rules without a network: the settlement chain's split to the unit, the billing
 * settings, and a job's settlement retried after a crash, after a parameter change and after its
 * escrow expired, over the real ledger engine (its in-memory store) and an in-memory billing
 * record: every transfer applies once.
 */
import { generateIdentity } from '@w3ai/crypto'
import { availableOf, balanceOf, commitBatch, commitExpiry, defaultParameters, genesisBatch, SimLedgerStore, type ParameterValues, type TransferInput } from '@w3ai/ledger'
import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { settlementChain } from '../src/domains/billing/chain.js'
import { billingSettings } from '../src/domains/billing/config.js'
import { PriceBook } from '../src/domains/billing/prices.js'
import { JobBilling } from '../src/domains/compute/billing.js'
import type { BillingPlan, JobBillingRecords, JobBillingRow } from '../src/domains/compute/billing-store.js'

const fees = { feeRateBps: 500, treasuryShareBps: 3000, burnShareBps: 2000 }

describe('settlementChain', () => {
  it('posts the total, pays the nodes pro rata with the rounding units, then treasury and burn, all linked', () => {
    const s = settlementChain({ ref: 'job:j_1', hold: 'job:j_1:escrow', escrow: 'escrow:job:j_1', payees: [{ account: 'node:n_b', charge: 2n }, { account: 'node:n_a', charge: 1n }, { account: 'node:n_c', charge: 997n }], fees })
    expect(s.total).toBe(1000n)
    expect(s.split).toEqual({ fee: 50n, treasury: 15n, burn: 10n, nodes: 975n })
    // 975 × 1/1000 = 0.975 → 0, × 2/1000 → 1, × 997/1000 → 972: three units left, one each in account order.
    expect([...s.payments]).toEqual([['node:n_a', 1n], ['node:n_b', 2n], ['node:n_c', 972n]])
    expect([...s.payments.values()].reduce((a, b) => a + b, 0n) + s.split.treasury + s.split.burn).toBe(1000n)
    expect(s.transfers.map((t) => [t.id, t.amount, t.linked ?? false])).toEqual([
      ['job:j_1:post', 1000n, true],
      ['job:j_1:pay:n_a', 1n, true],
      ['job:j_1:pay:n_b', 2n, true],
      ['job:j_1:pay:n_c', 972n, true],
      ['job:j_1:treasury', 15n, true],
      ['job:j_1:burn', 10n, false],
    ])
    expect(s.transfers[0]).toMatchObject({ post: 'job:j_1:escrow' })
  })

  it('merges a node paid twice and builds nothing for a zero total', () => {
    const s = settlementChain({ ref: 'r', hold: 'r:hold', escrow: 'escrow:x', payees: [{ account: 'node:n_a', charge: 10n }, { account: 'node:n_a', charge: 5n }], fees: { feeRateBps: 0, treasuryShareBps: 0, burnShareBps: 0 } })
    expect([...s.payments]).toEqual([['node:n_a', 15n]])
    expect(s.transfers.map((t) => t.id)).toEqual(['r:post', 'r:pay:n_a'])
    expect(settlementChain({ ref: 'r', hold: 'r:hold', escrow: 'escrow:x', payees: [{ account: 'node:n_a', charge: 0n }], fees }).transfers).toEqual([])
  })
})

describe('billing settings', () => {
  const fail = (m: string): Error => new Error(m)

  it('is off unless W3AI_BILLING=on or the option says so', () => {
    expect(billingSettings({}, {}, fail).enabled).toBe(false)
    expect(billingSettings({}, { W3AI_BILLING: 'on' }, fail).enabled).toBe(true)
    expect(billingSettings({}, { W3AI_BILLING: 'off' }, fail).enabled).toBe(false)
    expect(billingSettings({ enabled: false }, { W3AI_BILLING: 'on' }, fail).enabled).toBe(false)
    expect(() => billingSettings({}, { W3AI_BILLING: 'yes' }, fail)).toThrow('W3AI_BILLING')
  })

  it('charges up to the nodes\' task time limit unless told otherwise', () => {
    expect(billingSettings({}, {}, fail).taskSeconds).toBe(600)
    expect(billingSettings({}, { W3AI_TASK_TIME_MS: '15001' }, fail).taskSeconds).toBe(16)
    expect(billingSettings({}, { W3AI_TASK_TIME_MS: '15000', W3AI_BILLING_TASK_SECONDS: '7' }, fail).taskSeconds).toBe(7)
    expect(billingSettings({ taskSeconds: 3 }, { W3AI_BILLING_TASK_SECONDS: '7' }, fail).taskSeconds).toBe(3)
    expect(() => billingSettings({}, { W3AI_BILLING_TASK_SECONDS: 'long' }, fail)).toThrow('W3AI_BILLING_TASK_SECONDS')
    expect(() => billingSettings({ taskSeconds: 0 }, {}, fail)).toThrow('billing.taskSeconds')
  })
})

/** The real ledger engine over its in-memory store, as the billing service sees a ledger. */
function memoryLedger(now: () => Date) {
  const store = new SimLedgerStore()
  const signer = generateIdentity('node')
  const options = { signer, now }
  const account = (id: string) => store.snapshot().accounts.find((a) => a.id === id)
  return {
    store,
    transfer: async (batch: TransferInput[]) => (await commitBatch(store, batch, options)).results,
    wallet: async (id: string) => {
      const a = account(id)
      return { account: id, balance: String(a === undefined ? 0n : balanceOf(a)), available: String(a === undefined ? 0n : availableOf(a)), pending: String(a?.debitsPending ?? 0n) }
    },
    balance: (id: string): bigint => {
      const a = account(id)
      return a === undefined ? 0n : balanceOf(a)
    },
    expire: () => commitExpiry(store, options),
    entries: () => store.snapshot().entries,
  }
}

/** Billing records in memory; `failClose` makes the next close fail, as a hub killed between applying and recording. */
function memoryRecords(times: Array<{ nodeId: string; ms: number }>): JobBillingRecords & { rows: Map<string, JobBillingRow>; failClose: boolean } {
  const rows = new Map<string, JobBillingRow>()
  const records = {
    rows,
    failClose: false,
    async insert(r: Pick<JobBillingRow, 'jobId' | 'owner' | 'resourceClass' | 'pricePerSecond' | 'limitSeconds' | 'escrow'>) {
      if (!rows.has(r.jobId)) rows.set(r.jobId, { ...r, status: 'escrowed', plan: null, charged: null, createdAt: new Date().toISOString() })
    },
    async get(jobId: string) {
      return rows.get(jobId)
    },
    async plan(jobId: string, plan: BillingPlan) {
      const row = rows.get(jobId)!
      row.plan ??= plan
      return row.plan
    },
    async close(jobId: string, status: 'settled' | 'refunded', charged: bigint) {
      if (records.failClose) {
        records.failClose = false
        throw new Error('killed before recording the settlement')
      }
      const row = rows.get(jobId)!
      if (row.status === 'escrowed') Object.assign(row, { status, charged })
    },
    async unsettled() {
      return [...rows.values()].filter((r) => r.status === 'escrowed').map((r) => r.jobId)
    },
    async taskTimes() {
      return times
    },
  }
  return records
}

describe('job settlement retried', () => {
  const owner = 'a_00000000000000000001'
  const setup = async (times: Array<{ nodeId: string; ms: number }>, funds = 10n ** 18n) => {
    let clock = Date.parse('2026-01-01T00:00:00Z')
    const ledger = memoryLedger(() => new Date(clock))
    await ledger.transfer(genesisBatch({ [`user:${owner}`]: funds, treasury: 10n ** 18n }))
    let params: ParameterValues = defaultParameters()
    const records = memoryRecords(times)
    const billing = new JobBilling({ ledger, prices: new PriceBook({ parameters: { all: async () => params } }), store: records, settings: { taskSeconds: 30, escrowTimeoutMs: 60_000 }, maxTieBreakers: 2 })
    return {
      ledger,
      records,
      billing,
      setParams: (p: ParameterValues) => (params = p),
      advance: (ms: number) => (clock += ms),
    }
  }

  it('applies a settlement once across a crash and a parameter change, to the unit', async () => {
    const s = await setup([{ nodeId: 'n_1', ms: 1500 }, { nodeId: 'n_2', ms: 2500 }, { nodeId: 'n_3', ms: 9000 }])
    const quote = await s.billing.quote('cpu', [], 3)
    await s.billing.escrow(owner, 'j_1', quote)
    const p = defaultParameters()
    expect(quote.amount).toBe(p.computePricePerTaskSecondCpuMax * 30n * 5n)

    // n_3 was outvoted: only n_1 and n_2 are paid. The hub dies after applying, before recording.
    s.records.failClose = true
    await expect(s.billing.settle('j_1', { status: 'succeeded', accepted: ['n_1', 'n_2'] })).rejects.toThrow('killed')
    const applied = s.ledger.entries().length
    // The fee changes before the retry: the settlement decided first is the one applied.
    s.setParams({ ...p, feeRateBps: 9000 })
    await s.billing.settle('j_1', { status: 'succeeded', accepted: ['n_1', 'n_2'] })
    await s.billing.settle('j_1', { status: 'succeeded', accepted: ['n_1', 'n_2'] })
    expect(s.ledger.entries().length).toBe(applied)
    expect(s.records.rows.get('j_1')?.status).toBe('settled')

    // Escrowed at the maximum (no node was named), charged at each node's own price: no price asked, the minimum.
    const rate = p.computePricePerTaskSecondCpuMin
    const c1 = (1500n * rate) / 1000n
    const c2 = (2500n * rate) / 1000n
    const total = c1 + c2
    const fee = (total * BigInt(p.feeRateBps)) / 10_000n
    const treasury = (fee * BigInt(p.treasuryShareBps)) / 10_000n
    const burn = (fee * BigInt(p.burnShareBps)) / 10_000n
    const reward = (c: bigint): bigint => (c * BigInt(p.computeRewardShareBps)) / 10_000n
    expect(s.ledger.balance(`user:${owner}`)).toBe(10n ** 18n - total)
    expect(s.ledger.balance('burn')).toBe(burn)
    expect(s.ledger.balance('treasury')).toBe(10n ** 18n + treasury - reward(c1) - reward(c2))
    expect(s.ledger.balance('node:n_1') + s.ledger.balance('node:n_2')).toBe(total - treasury - burn + reward(c1) + reward(c2))
    expect(s.ledger.balance('node:n_3')).toBe(0n)
    expect(s.ledger.balance('escrow:job:j_1')).toBe(0n)
    expect((await s.ledger.wallet(`user:${owner}`)).pending).toBe('0')
  })

  it('refunds a failed job once, and records a hold that expired first as refunded', async () => {
    const s = await setup([])
    await s.billing.escrow(owner, 'j_2', await s.billing.quote('cpu', [], 1))
    await s.billing.escrow(owner, 'j_3', await s.billing.quote('cpu', [], 1))
    await s.billing.settle('j_2', { status: 'failed' })
    await s.billing.settle('j_2', { status: 'cancelled' })
    expect(s.records.rows.get('j_2')).toMatchObject({ status: 'refunded', charged: 0n })
    s.advance(61_000)
    await s.ledger.expire()
    await s.billing.settle('j_3', { status: 'succeeded', accepted: ['n_1'] })
    expect(s.records.rows.get('j_3')).toMatchObject({ status: 'refunded', charged: 0n })
    expect(s.ledger.balance(`user:${owner}`)).toBe(10n ** 18n)
    expect((await s.ledger.wallet(`user:${owner}`)).available).toBe(String(10n ** 18n))
  })

  it('refuses an escrow the owner cannot pay, recording nothing', async () => {
    const s = await setup([], 10n)
    const before = s.ledger.entries().length
    let refusal: unknown
    await s.billing.escrow(owner, 'j_4', await s.billing.quote('cpu', [], 1)).catch((err: unknown) => (refusal = err))
    expect((refusal as W3aiError).code).toBe('BILLING_INSUFFICIENT_FUNDS')
    expect((refusal as W3aiError).details).toMatchObject({ available: '10' })
    expect(s.records.rows.size).toBe(0)
    expect(s.ledger.entries().length).toBe(before)
  })
})
