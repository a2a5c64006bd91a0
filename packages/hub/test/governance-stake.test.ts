import { generateIdentity } from '@w3ai/crypto'
import type { VoteAnswer } from '@w3ai/protocol'
import { GovernanceClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, sampleRegistration, until } from './helpers.js'
import { startLedgerHub, type LedgerHub, type LedgerUser } from './ledger-kit.js'

const T = 10n ** 18n

/** A node operator's vote weighs the node's balance plus its bonded stake at the snapshot; unstaking later changes nothing. */
describe.each(backends())('stake in governance on %s', (backend) => {
  let h: LedgerHub
  let clock = Date.now()
  let alice: LedgerUser

  beforeAll(async () => {
    h = await startLedgerHub(backend, { governance: { clock: () => clock, upkeepIntervalMs: 20, votingDelayMs: 100, votingPeriodMs: 300, timelockMs: 100 } })
    alice = await h.user('alice')
    await alice.wallet.faucet(1000n * T)
  }, 60_000)
  afterAll(async () => h?.close(), 60_000)

  it("weighs a node's vote as its balance plus bonded stake at the snapshot", async () => {
    const node = { identity: generateIdentity('node') } as LedgerUser
    expect((await h.call(node, 'POST', '/v1/nodes', sampleRegistration())).status).toBeLessThan(300)
    await alice.wallet.transfer({ to: `node:${node.identity.id}`, amount: 40n * T })
    const staked = await h.call(node, 'POST', '/v1/staking/stake', { amount: (30n * T).toString() })
    expect(staked.status).toBe(201)

    const p = await new GovernanceClient(alice.hub).propose({ slashAuditBps: 700 })
    // After the snapshot the node unstakes: the stake unbonds, the vote still sees it bonded.
    expect((await h.call(node, 'POST', '/v1/staking/unstake', { amount: (30n * T).toString() })).status).toBe(201)
    clock += 100
    const vote = await h.call<VoteAnswer>(node, 'POST', `/v1/governance/proposals/${p.id}/votes`, { support: 'for' })
    expect(vote.status).toBe(201)
    expect(vote.body.vote).toMatchObject({ voter: node.identity.id, weight: (40n * T).toString() })
    // The voting supply at the snapshot counted the stake too: alice's 960 tokens and the node's 10 + 30.
    expect(BigInt(p.supply)).toBe(1000n * T)
    clock += 300
    await until(async () => (await new GovernanceClient(alice.hub).get(p.id)).queuedAt !== null)
  })
})
