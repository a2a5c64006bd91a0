import { readIdentity, type Identity } from '@w3ai/crypto'
import { parseTokens, UNITS_PER_TOKEN } from '@w3ai/ledger'
import { HubClient, LedgerClient, StakingClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends, codeOf, until } from './helpers.js'
import { startStorageNet, type StorageNet } from './storage-net.js'

const T = UNITS_PER_TOKEN
const MINUTE = 60_000

/**
 * Staking on a hub with the faucet on: a node stakes from its own earnings account (signing with
 * its node identity), retries apply once, refusals leave everything as it was, and unstaked
 * tokens come back only after the governed unbonding period (60 s by default; the test moves the
 * staking clock instead of waiting).
 */
describe.each(backends())('staking on %s', (backend) => {
  let net: StorageNet
  let offset = 0
  let nodes: Array<{ id: string; identity: Identity; staking: StakingClient }>
  let operator: Awaited<ReturnType<StorageNet['account']>>
  let ledger: LedgerClient
  let publicStaking: StakingClient

  const balance = async (account: string): Promise<bigint> => {
    const a = (await ledger.allAccounts()).find((x) => x.id === account)
    return a === undefined ? 0n : a.creditsPosted - a.debitsPosted
  }

  beforeAll(async () => {
    net = await startStorageNet(backend, 2, { ledger: { faucet: true }, staking: { releaseIntervalMs: 50, clock: () => Date.now() + offset } })
    const hub = new HubClient({ url: net.t.hub.url })
    ledger = new LedgerClient(hub)
    publicStaking = new StakingClient(hub)
    nodes = await Promise.all(
      net.homes.map(async (home) => {
        const identity = (await readIdentity(home)) as Identity
        return { id: identity.id, identity, staking: new StakingClient(new HubClient({ url: net.t.hub.url, identity })) }
      }),
    )
    operator = await net.account('operator')
    const wallet = new WalletClient(operator.hub)
    await wallet.faucet(parseTokens('1000'))
    // The operator funds the node's earnings account; the node stakes from it.
    await wallet.transfer({ to: `node:${nodes[0]!.id}`, amount: parseTokens('200') })
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('stakes from the node earnings account, signed by the node; anyone reads the stake', async () => {
    const a = nodes[0]!
    const receipt = await a.staking.stake(parseTokens('150'), { id: 'first' })
    expect(receipt).toMatchObject({ transferId: `stake:${a.id}:first`, amount: (150n * T).toString() })
    expect(receipt.stake).toEqual({ nodeId: a.id, staked: (150n * T).toString(), unbonding: [], minimumStake: (100n * T).toString(), eligible: true, slashed: '0' })
    expect(await publicStaking.get(a.id)).toEqual(receipt.stake)
    expect(await balance(`node:${a.id}`)).toBe(50n * T)
    expect(await balance(`stake:${a.id}`)).toBe(150n * T)
    // The other node staked nothing: below the minimum.
    expect(await publicStaking.get(nodes[1]!.id)).toMatchObject({ staked: '0', eligible: false })
  })

  it('applies a retried stake once; the same id with another amount is a conflict', async () => {
    const a = nodes[0]!
    const before = await balance(`stake:${a.id}`)
    const first = await a.staking.stake(parseTokens('10'), { id: 'retry-me' })
    const again = await a.staking.stake(parseTokens('10'), { id: 'retry-me' })
    expect(again.transferId).toBe(first.transferId)
    expect(await balance(`stake:${a.id}`)).toBe(before + 10n * T)
    expect(await codeOf(a.staking.stake(parseTokens('11'), { id: 'retry-me' }))).toBe('LEDGER_ID_CONFLICT')
    expect(await balance(`stake:${a.id}`)).toBe(before + 10n * T)
  })

  it('refuses bad amounts, foreign nodes, account keys and overdrafts with clear codes, moving nothing', async () => {
    const [a, b] = [nodes[0]!, nodes[1]!]
    const earnings = await balance(`node:${a.id}`)
    const staked = await balance(`stake:${a.id}`)
    expect(await codeOf(a.staking.stake('0'))).toBe('LEDGER_BAD_AMOUNT')
    expect(await codeOf(a.staking.stake('-5'))).toBe('LEDGER_BAD_AMOUNT')
    expect(await codeOf(a.staking.stake('1.5'))).toBe('LEDGER_BAD_AMOUNT')
    expect(await codeOf(a.staking.stake((2n ** 127n).toString()))).toBe('LEDGER_AMOUNT_OVERFLOW')
    expect(await codeOf(a.staking.stake(earnings + 1n))).toBe('LEDGER_INSUFFICIENT_FUNDS')
    expect(await codeOf(a.staking.stake(1n, { nodeId: b.id }))).toBe('STAKE_NOT_OPERATOR')
    expect(await codeOf(new StakingClient(operator.hub).stake(1n))).toBe('STAKE_NOT_OPERATOR')
    expect(await codeOf(a.staking.unstake(staked + 1n))).toBe('STAKE_INSUFFICIENT')
    expect(await codeOf(b.staking.unstake(1n))).toBe('STAKE_INSUFFICIENT')
    expect(await codeOf(publicStaking.get('n_00000000000000000000'))).toBe('NODE_NOT_FOUND')
    expect(await balance(`node:${a.id}`)).toBe(earnings)
    expect(await balance(`stake:${a.id}`)).toBe(staked)
  })

  it('returns unstaked tokens only after unbondingMs, slashable until then', async () => {
    const a = nodes[0]!
    const earnings = await balance(`node:${a.id}`)
    const staked = await balance(`stake:${a.id}`)
    const start = Date.now() + offset
    const receipt = await a.staking.unstake(parseTokens('60'), { id: 'out-1' })
    expect(receipt.transferId).toMatch(/^unstake:ub_[0-9a-f]{20}$/)
    const entry = receipt.unbonding!
    expect(entry).toMatchObject({ amount: (60n * T).toString(), balance: (60n * T).toString() })
    const releaseAt = Date.parse(entry.releaseAt)
    expect(releaseAt - start).toBeGreaterThanOrEqual(MINUTE)
    expect(receipt.stake).toMatchObject({ staked: (staked - 60n * T).toString(), unbonding: [entry] })
    // A retry answers the same entry and moves nothing twice.
    expect((await a.staking.unstake(parseTokens('60'), { id: 'out-1' })).unbonding!.id).toBe(entry.id)
    expect(await balance(`stake:${a.id}`)).toBe(staked - 60n * T)

    // Just before the end of the period: still unbonding after several release rounds.
    offset = releaseAt - Date.now() - 1000
    await new Promise((r) => setTimeout(r, 400))
    expect((await publicStaking.get(a.id)).unbonding).toHaveLength(1)
    expect(await balance(`node:${a.id}`)).toBe(earnings)

    offset += 2000
    await until(async () => (await publicStaking.get(a.id)).unbonding.length === 0, 10_000)
    expect(await balance(`node:${a.id}`)).toBe(earnings + 60n * T)
    expect(await balance(`stake:${a.id}:${entry.id}`)).toBe(0n)
    const released = (await ledger.journal({ limit: 1000 })).filter((e) => e.transferId === `unbond:${entry.id}`)
    expect(released.map((e) => [e.debit, e.credit, e.amount, e.kind])).toEqual([[`stake:${a.id}:${entry.id}`, `node:${a.id}`, (60n * T).toString(), 'unstake']])
    const report = await ledger.verify()
    expect(report.problems).toEqual([])
  })
})
