import { join } from 'node:path'
import { generateIdentity } from '@w3ai/crypto'
import { GovernanceClient, HubClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHub, HubConfigError, loadConfig, type Hub } from '../src/index.js'
import { backends, freshDatabaseUrl, INJECT_URL, injectFetch, startTestHub, tempHome, until, type TestHub } from './helpers.js'

const T = 10n ** 18n

describe('governance settings', () => {
  it('take the genesis periods from options or W3AI_GOV_*, within the parameter bounds', () => {
    const env = { W3AI_GOV_VOTING_PERIOD_MS: '2500', W3AI_GOV_TIMELOCK_MS: '0' }
    const c = loadConfig({ home: '/tmp/x', env, governance: { votingDelayMs: 0 } })
    expect(c.governance).toMatchObject({ votingDelayMs: 0, votingPeriodMs: 2500, timelockMs: 0, upkeepIntervalMs: 250 })
    expect(() => loadConfig({ home: '/tmp/x', env: { W3AI_GOV_VOTING_PERIOD_MS: '99' } })).toThrow(HubConfigError)
    expect(() => loadConfig({ home: '/tmp/x', env: { W3AI_GOV_TIMELOCK_MS: 'soon' } })).toThrow(/W3AI_GOV_TIMELOCK_MS/)
    expect(() => loadConfig({ home: '/tmp/x', env: {}, governance: { votingDelayMs: -1 } })).toThrow(/governance.votingDelayMs/)
  })
})

describe.each(backends())('genesis parameters on %s', (backend) => {
  it('are seeded once: a later start with other settings changes nothing, only governance does', async () => {
    const t = await startTestHub(backend, { listen: false, governance: { votingPeriodMs: 4000 } })
    const gov = (hub: Hub) => new GovernanceClient(new HubClient({ url: INJECT_URL, fetch: injectFetch(hub.app), retry: false }))
    try {
      expect((await gov(t.hub).parameters()).find((p) => p.name === 'votingPeriodMs')?.value).toBe('4000')
      await t.hub.stop()
      const again = createHub({ home: t.home, listen: false, logLevel: false, governance: { votingPeriodMs: 9000 }, ...(t.databaseUrl === undefined ? {} : { databaseUrl: t.databaseUrl }) })
      await again.start()
      try {
        expect(await again.parameters.get('votingPeriodMs')).toBe(4000)
        const genesis = (await gov(again).log()).events.filter((e) => e.kind === 'genesis')
        expect(genesis).toHaveLength(1)
      } finally {
        await again.stop()
      }
    } finally {
      await t.close()
    }
  })
})

/**
 * Two hubs over one PostgreSQL govern one network: both run the upkeep (one chain of events under
 * the advisory lock), a vote through either counts, and the hub that did not execute hears
 * params.updated and reads the new value.
 */
describe.skipIf(!process.env.W3AI_TEST_DATABASE_URL)('governance across two hubs on one PostgreSQL', () => {
  let a: TestHub
  let b: Hub
  let cleanups: Array<() => Promise<void>> = []
  let clock = Date.now()
  const governance = { clock: () => clock, upkeepIntervalMs: 10, votingDelayMs: 100, votingPeriodMs: 300, timelockMs: 200 }

  beforeAll(async () => {
    const keyHome = await tempHome()
    const networkKeyFile = join(keyHome.dir, 'network-key.json')
    a = await startTestHub('postgres', { databaseUrl: freshDatabaseUrl('postgres'), networkKeyFile, ledger: { faucet: true }, governance })
    const home = await tempHome()
    b = createHub({ home: home.dir, port: 0, logLevel: false, databaseUrl: a.databaseUrl!, networkKeyFile, ledger: { faucet: true }, governance })
    await b.start()
    cleanups = [keyHome.cleanup, home.cleanup]
  })
  afterAll(async () => {
    await b?.stop()
    await a?.close()
    for (const c of cleanups) await c()
  })

  it('executes once, and both hubs read the new value', async () => {
    const alice = generateIdentity('account')
    const bob = generateIdentity('account')
    const onA = new HubClient({ url: a.hub.url, identity: alice })
    const onB = new HubClient({ url: b.url, identity: bob })
    await onA.createAccount()
    await onB.createAccount()
    await new WalletClient(onA).faucet(100n * T)
    await new WalletClient(onB).faucet(100n * T)
    const heardOnB: string[] = []
    b.parameters.subscribe((c) => heardOnB.push(...c.names))

    const p = await new GovernanceClient(onA).propose({ feeRateBps: 700 })
    clock += 100
    await new GovernanceClient(onA).vote(p.id, 'for')
    expect((await new GovernanceClient(onB).vote(p.id, 'for')).proposal.tally.voters).toBe(2)
    clock += 300 + 200
    const done = await new GovernanceClient(onB).wait(p.id, { intervalMs: 50, timeoutMs: 15_000 })
    expect(done.status).toBe('executed')
    await until(async () => heardOnB.includes('feeRateBps'))
    expect(await a.hub.parameters.get('feeRateBps')).toBe(700)
    expect(await b.parameters.get('feeRateBps')).toBe(700)

    const report = await new GovernanceClient(onB).verifyLog()
    expect(report.ok).toBe(true)
    expect(report.parameters.feeRateBps).toBe('700')
    const log = await new GovernanceClient(onA).log()
    expect(log.events.filter((e) => e.proposalId === p.id).map((e) => e.kind)).toEqual(['proposed', 'voted', 'voted', 'queued', 'executed'])
  })
})
