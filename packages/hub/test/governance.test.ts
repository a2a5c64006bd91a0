import type { NetworkParameter, Proposal, VoteAnswer } from '@w3ai/protocol'
import { generateIdentity } from '@w3ai/crypto'
import { GovernanceClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ParametersChanged } from '../src/index.js'
import { backends, sampleRegistration, until } from './helpers.js'
import { startLedgerHub, type LedgerHub, type LedgerUser } from './ledger-kit.js'

const T = 10n ** 18n
const DELAY = 200
const PERIOD = 500
const TIMELOCK = 300

/**
 * Governance on a hub whose governance clock the test moves by hand (the upkeep runs every 20 ms
 * of real time and reads that clock), so "before the delay", "after the period" and "before the
 * timelock" are exact moments, not races. Accounts are funded by the devnet faucet.
 */
describe.each(backends())('governance on %s', (backend) => {
  let h: LedgerHub
  let clock = Date.now()
  let alice: LedgerUser
  let bob: LedgerUser
  let carol: LedgerUser
  let dave: LedgerUser
  const gov = (who: LedgerUser): GovernanceClient => new GovernanceClient(who.hub)

  const param = async (name: string): Promise<NetworkParameter> => {
    const r = await h.call<{ parameters: NetworkParameter[] }>(undefined, 'GET', '/v1/parameters')
    expect(r.status).toBe(200)
    return r.body.parameters.find((p) => p.name === name) as NetworkParameter
  }
  const status = async (id: string): Promise<string> => (await gov(alice).get(id)).status
  /** Waits until the upkeep has recorded `wanted` for the proposal. */
  const recorded = async (id: string, wanted: string): Promise<Proposal> => {
    // The live status shows a closed vote's outcome at once; the upkeep records it (closedAt, queuedAt).
    await until(async () => {
      const p = await gov(alice).get(id)
      return p.status === wanted && (wanted === 'queued' ? p.queuedAt !== null : wanted === 'defeated' ? p.closedAt !== null : true)
    }, 15_000)
    return gov(alice).get(id)
  }

  beforeAll(async () => {
    h = await startLedgerHub(backend, { governance: { clock: () => clock, upkeepIntervalMs: 20, votingDelayMs: DELAY, votingPeriodMs: PERIOD, timelockMs: TIMELOCK } })
    ;[alice, bob, carol, dave] = (await Promise.all(['alice', 'bob', 'carol', 'dave'].map((n) => h.user(n)))) as [LedgerUser, LedgerUser, LedgerUser, LedgerUser]
    await alice.wallet.faucet(1000n * T)
    await bob.wallet.faucet(300n * T)
    await carol.wallet.faucet(100n * T)
    await dave.wallet.faucet(10n * T)
  }, 60_000)
  afterAll(async () => h?.close(), 60_000)

  it('serves every parameter with its value, bounds and origin; the governance periods are the configured genesis values', async () => {
    const burn = await param('burnShareBps')
    expect(burn).toMatchObject({ kind: 'share', value: '2000', default: '2000', min: '0', max: '10000', updatedAt: null, proposalId: null })
    expect((await param('votingPeriodMs')).value).toBe(String(PERIOD))
    expect((await param('minimumStake')).value).toBe((100n * T).toString())
    expect(await h.t.hub.parameters.get('burnShareBps')).toBe(2000)
    expect(await h.t.hub.parameters.get('minimumStake')).toBe(100n * T)
  })

  it('a proposal changing burnShareBps passes with quorum and takes effect only after the timelock', async () => {
    const changes: ParametersChanged[] = []
    const unsubscribe = h.t.hub.parameters.subscribe((c) => changes.push(c))
    const p = await gov(alice).propose({ burnShareBps: 2500 }, { description: 'burn a quarter of the fee' })
    expect(p).toMatchObject({ status: 'pending', proposer: alice.id, changes: [{ name: 'burnShareBps', value: '2500' }], rules: { votingDelayMs: DELAY, votingPeriodMs: PERIOD, timelockMs: TIMELOCK } })
    expect(Date.parse(p.eta) - Date.parse(p.votingEndsAt)).toBe(TIMELOCK)

    clock += DELAY
    const vote = await gov(alice).vote(p.id, 'for')
    expect(vote.vote.weight).toBe((1000n * T).toString())
    expect(vote.proposal).toMatchObject({ status: 'active', quorumReached: true, thresholdReached: true, tally: { for: (1000n * T).toString(), voters: 1 } })
    expect((await gov(bob).vote(p.id, 'against')).proposal.tally.against).toBe((300n * T).toString())

    clock += PERIOD
    const queued = await recorded(p.id, 'queued')
    expect(queued.queuedAt).not.toBeNull()
    // The vote passed, but the timelock has not run out: nothing changed yet.
    clock += TIMELOCK - 1
    expect(await status(p.id)).toBe('queued')
    expect((await param('burnShareBps')).value).toBe('2000')
    expect(await h.t.hub.parameters.get('burnShareBps')).toBe(2000)

    clock += 1
    const executed = await recorded(p.id, 'executed')
    expect(Date.parse(executed.executedAt as string)).toBeGreaterThanOrEqual(Date.parse(executed.eta))
    expect(await param('burnShareBps')).toMatchObject({ value: '2500', proposalId: p.id })
    expect(await h.t.hub.parameters.get('burnShareBps')).toBe(2500)
    await until(async () => changes.some((c) => c.proposalId === p.id))
    expect(changes.find((c) => c.proposalId === p.id)).toMatchObject({ names: ['burnShareBps'], values: { burnShareBps: 2500 } })
    unsubscribe()

    // Every step is in the signed governance log, and replaying it gives the table.
    const report = await gov(alice).verifyLog()
    expect(report.ok).toBe(true)
    expect(report.parameters.burnShareBps).toBe('2500')
    const kinds = (await gov(alice).log()).events.filter((e) => e.proposalId === p.id).map((e) => e.kind)
    expect(kinds).toEqual(['proposed', 'voted', 'voted', 'queued', 'executed'])
  })

  it('a proposal without quorum is defeated and changes nothing', async () => {
    const p = await gov(dave).propose({ feeRateBps: 100 })
    clock += DELAY
    const answer = await gov(dave).vote(p.id, 'for')
    expect(answer.proposal).toMatchObject({ quorumReached: false, thresholdReached: true })
    expect(BigInt(answer.proposal.quorum)).toBe((BigInt(p.supply) * 400n + 9999n) / 10_000n)
    clock += PERIOD + TIMELOCK
    const defeated = await recorded(p.id, 'defeated')
    expect(defeated.reason).toMatch(/no quorum/)
    expect(defeated.executedAt).toBeNull()
    expect((await param('feeRateBps')).value).toBe('500')
    expect(await h.t.hub.parameters.get('feeRateBps')).toBe(500)
  })

  it('a proposal with quorum but more against than for is defeated', async () => {
    const p = await gov(bob).propose({ feeRateBps: 100 })
    clock += DELAY
    await gov(bob).vote(p.id, 'for')
    await gov(alice).vote(p.id, 'against')
    clock += PERIOD
    expect((await recorded(p.id, 'defeated')).reason).toMatch(/threshold/)
    expect((await param('feeRateBps')).value).toBe('500')
  })

  it('votes after the snapshot with moved tokens do not count twice', async () => {
    const eve = await h.user('eve')
    const p = await gov(carol).propose({ slashAuditBps: 600 })
    // After the snapshot: alice moves 500 tokens to bob and 50 to eve, who had none.
    await alice.wallet.transfer({ to: bob.id, amount: 500n * T })
    await alice.wallet.transfer({ to: eve.id, amount: 50n * T })
    clock += DELAY
    const a = await gov(alice).vote(p.id, 'for')
    const b = await gov(bob).vote(p.id, 'for')
    expect(BigInt(a.vote.weight)).toBe(1000n * T)
    expect(BigInt(b.vote.weight)).toBe(300n * T)
    expect(BigInt(b.proposal.tally.for)).toBe(1300n * T)
    expect((await h.call(eve, 'POST', `/v1/governance/proposals/${p.id}/votes`, { support: 'for' })).code).toBe('GOV_NO_WEIGHT')
    // Their wallets hold the moved tokens now; the vote does not see them.
    expect(BigInt((await bob.wallet.balance()).balance)).toBe(800n * T)
    clock += PERIOD
    await recorded(p.id, 'queued')
    clock += TIMELOCK
    await recorded(p.id, 'executed')
    expect((await param('slashAuditBps')).value).toBe('600')
  })

  it("a node operator votes with the node's key: the node's balance at the snapshot", async () => {
    const node = { identity: generateIdentity('node') } as LedgerUser
    expect((await h.call(node, 'POST', '/v1/nodes', sampleRegistration())).status).toBeLessThan(300)
    const nodeId = node.identity.id
    await alice.wallet.transfer({ to: `node:${nodeId}`, amount: 40n * T })
    const p = await gov(bob).propose({ slashWrongResultBps: 6000 })
    await alice.wallet.transfer({ to: `node:${nodeId}`, amount: 5n * T })
    clock += DELAY
    const vote = await h.call<VoteAnswer>(node, 'POST', `/v1/governance/proposals/${p.id}/votes`, { support: 'against' })
    expect(vote.status).toBe(201)
    expect(vote.body.vote).toMatchObject({ voter: nodeId, support: 'against', weight: (40n * T).toString() })
    // A key that is neither an account nor a registered node has no say.
    const stranger = { identity: generateIdentity('account') } as LedgerUser
    expect((await h.call(stranger, 'POST', `/v1/governance/proposals/${p.id}/votes`, { support: 'for' })).code).toBe('ACCOUNT_NOT_FOUND')
    clock += PERIOD
    await recorded(p.id, 'defeated')
  })

  describe('refusals change nothing', () => {
    let open: Proposal
    let before: { params: NetworkParameter[]; proposals: number; log: number; tally: Proposal['tally'] }
    const snapshot = async () => ({
      params: (await h.call<{ parameters: NetworkParameter[] }>(undefined, 'GET', '/v1/parameters')).body.parameters,
      proposals: (await gov(alice).list({ limit: 500 })).length,
      log: (await gov(alice).log({ limit: 1000 })).events.length,
      tally: (await gov(alice).get(open.id)).tally,
    })
    const refused = async (code: string, act: () => Promise<{ code: string }>): Promise<void> => {
      before = await snapshot()
      expect((await act()).code).toBe(code)
      expect(await snapshot()).toEqual(before)
    }
    const propose = (who: LedgerUser, changes: Array<{ name: string; value: string }>) => h.call(who, 'POST', '/v1/governance/proposals', { changes })
    const voteOn = (who: LedgerUser, id: string, support = 'for') => h.call<VoteAnswer>(who, 'POST', `/v1/governance/proposals/${id}/votes`, { support })

    beforeAll(async () => {
      open = await gov(alice).propose({ verificationShareBps: 1500 })
    })

    it('voting before the delay is GOV_VOTE_CLOSED', async () => {
      await refused('GOV_VOTE_CLOSED', () => voteOn(alice, open.id))
    })

    it('unknown parameters, malformed or out-of-bounds values and broken rules are GOV_BAD_PARAMETER naming the parameter', async () => {
      for (const changes of [
        [{ name: 'noSuchParameter', value: '1' }],
        [{ name: 'burnShareBps', value: '10001' }],
        [{ name: 'burnShareBps', value: '-5' }],
        [{ name: 'burnShareBps', value: '12.5' }],
        [{ name: 'thresholdBps', value: '100' }],
        [{ name: 'treasuryShareBps', value: '8000' }],
        [{ name: 'feeRateBps', value: '1' }, { name: 'feeRateBps', value: '2' }],
      ]) {
        await refused('GOV_BAD_PARAMETER', () => propose(alice, changes))
        const r = await propose(alice, changes)
        expect((r.body as { error: { message: string } }).error.message).toContain((changes[0] as { name: string }).name)
      }
    })

    it('a proposer without tokens is GOV_NO_WEIGHT; unsigned is AUTH_MISSING_SIGNATURE', async () => {
      const empty = await h.user('empty')
      await refused('GOV_NO_WEIGHT', () => propose(empty, [{ name: 'feeRateBps', value: '600' }]))
      await refused('AUTH_MISSING_SIGNATURE', () => h.call(undefined, 'POST', '/v1/governance/proposals', { changes: [{ name: 'feeRateBps', value: '600' }] }))
    })

    it('an unknown proposal is GOV_PROPOSAL_NOT_FOUND, a malformed id VALIDATION_FAILED', async () => {
      const missing = 'gp_' + '0'.repeat(24)
      await refused('GOV_PROPOSAL_NOT_FOUND', () => h.call(undefined, 'GET', `/v1/governance/proposals/${missing}`))
      await refused('GOV_PROPOSAL_NOT_FOUND', () => voteOn(alice, missing))
      await refused('VALIDATION_FAILED', () => voteOn(alice, 'p_1'))
      await refused('VALIDATION_FAILED', () => voteOn(alice, open.id, 'maybe'))
    })

    it('a second vote is GOV_ALREADY_VOTED, even the other way', async () => {
      clock += DELAY
      expect((await voteOn(carol, open.id)).status).toBe(201)
      await refused('GOV_ALREADY_VOTED', () => voteOn(carol, open.id))
      await refused('GOV_ALREADY_VOTED', () => voteOn(carol, open.id, 'against'))
    })

    it('voting after the period is GOV_VOTE_CLOSED', async () => {
      clock += PERIOD
      // Closed by the clock at once, before the upkeep records the outcome (which it may do meanwhile).
      expect((await voteOn(bob, open.id)).code).toBe('GOV_VOTE_CLOSED')
      await recorded(open.id, 'queued')
      await refused('GOV_VOTE_CLOSED', () => voteOn(bob, open.id))
    })

    it('only the proposer cancels, and only before voting opens', async () => {
      const p = await gov(bob).propose({ verificationShareBps: 1200 })
      await refused('GOV_NOT_CANCELLABLE', () => h.call(alice, 'POST', `/v1/governance/proposals/${p.id}/cancel`))
      expect((await gov(bob).cancel(p.id)).status).toBe('cancelled')
      clock += DELAY
      await refused('GOV_VOTE_CLOSED', () => voteOn(bob, p.id))
      await refused('GOV_NOT_CANCELLABLE', () => h.call(alice, 'POST', `/v1/governance/proposals/${open.id}/cancel`))
    })
  })

  it('lists proposals newest first, a page at a time, filtered by status', async () => {
    const all: Proposal[] = []
    for await (const p of gov(alice).all({ limit: 2 })) all.push(p)
    expect(all.length).toBeGreaterThanOrEqual(6)
    expect(all.map((p) => p.createdAt)).toEqual([...all.map((p) => p.createdAt)].sort().reverse())
    const defeated = await gov(alice).list({ status: 'defeated' })
    expect(defeated.length).toBe(3)
    expect(defeated.every((p) => p.status === 'defeated')).toBe(true)
  })
})
