/**
 * Governance reaches the money (issue 11): a proposal changing the burn share passes, takes effect
 * after its timelock, and the next job's settlement burns by the new share, to the unit.
 */
import { parseTokens, type ParameterValues } from '@w3ai/ledger'
import { GovernanceClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { startBillingNet, type BillingAccount, type BillingNet } from './billing-kit.js'
import { backends, until, type Backend } from './helpers.js'

const DELAY = 1_000
const PERIOD = 5_000
const TIMELOCK = 3_000
const bps = (amount: bigint, share: number): bigint => (amount * BigInt(share)) / 10_000n

describe.each(backends())('a governed burn share in settlement on %s', (backend: Backend) => {
  let net: BillingNet
  let alice: BillingAccount
  let clock = Date.now()

  beforeAll(async () => {
    net = await startBillingNet(backend, 2, ['wasm'], { governance: { clock: () => clock, upkeepIntervalMs: 20, votingDelayMs: DELAY, votingPeriodMs: PERIOD, timelockMs: TIMELOCK } })
    alice = await net.account('alice')
    await alice.wallet.faucet(parseTokens('100'))
  }, 120_000)

  afterAll(async () => {
    await net?.close()
  }, 60_000)

  it('settles the job after an executed proposal with the new burn share', async () => {
    const before: ParameterValues = await net.parameters()
    const burnShareBps = before.burnShareBps === 3000 ? 3500 : 3000
    const gov = new GovernanceClient(alice.hub)
    const proposal = await gov.propose({ burnShareBps }, { description: 'burn more of each fee' })
    clock += DELAY
    await gov.vote(proposal.id, 'for')
    clock += PERIOD + TIMELOCK
    await until(async () => (await gov.get(proposal.id)).status === 'executed', 15_000)
    const p = await net.parameters()
    expect(p.burnShareBps).toBe(burnShareBps)

    const module = await net.store(alice, wat(uppercaseWat()))
    const input = await net.store(alice, Buffer.from('burn by the vote'))
    const job = await alice.jobs.submit({ executor: 'wasm', inputs: { module, input } })
    const done = await alice.jobs.wait(job.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    await until(async () => (await net.entries(`job:${job.id}:post`)).length === 1, 15_000)
    const entries = await net.entries(`job:${job.id}:`)
    const amount = (id: string): bigint => BigInt(entries.find((e) => e.transferId === id)!.amount)
    const total = amount(`job:${job.id}:post`)
    const fee = bps(total, p.feeRateBps)
    expect(amount(`job:${job.id}:burn`)).toBe(bps(fee, burnShareBps))
    expect(amount(`job:${job.id}:burn`)).not.toBe(bps(fee, before.burnShareBps))
    expect(amount(`job:${job.id}:treasury`)).toBe(bps(fee, p.treasuryShareBps))
    expect((await net.ledger.verify()).ok).toBe(true)
  }, 120_000)
})
