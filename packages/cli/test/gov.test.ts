/**
 * `w3ai gov propose|vote|show|ls|cancel` and `w3ai params` against a hub in this process whose
 * governance clock the test moves, funded by the devnet faucet; and every bad argument refused
 * before any request.
 */
import { join } from 'node:path'
import { generateIdentity, writeIdentity } from '@w3ai/crypto'
import { createHub, type Hub } from '@w3ai/hub'
import type { NetworkParameter, Proposal, VoteAnswer } from '@w3ai/protocol'
import { HubClient, WalletClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSet } from '../src/commands/gov-args.js'
import { humanValue } from '../src/commands/gov-views.js'
import { parseJson, tempHome, until, w3aiInProcess } from './helpers.js'

const T = 10n ** 18n
const DELAY = 1000
const PERIOD = 1000
const TIMELOCK = 1000

describe('gov arguments', () => {
  it('collects --set name=value changes: whole numbers, or tokens with a suffix', () => {
    expect(parseSet('burnShareBps=2500')).toEqual([{ name: 'burnShareBps', value: '2500' }])
    expect(parseSet('minimumStake=1.5tokens', [{ name: 'feeRateBps', value: '1' }])).toEqual([
      { name: 'feeRateBps', value: '1' },
      { name: 'minimumStake', value: (15n * T / 10n).toString() },
    ])
    for (const bad of ['burnShareBps', '=5', 'burnShareBps=', 'burnShareBps=-1', 'burnShareBps=1.5', 'burnShareBps=1e3', 'burn share=1', 'minimumStake=1.0000000000000000001tokens']) {
      expect(() => parseSet(bad), bad).toThrow(/--set/)
    }
    expect(() => parseSet('feeRateBps=2', [{ name: 'feeRateBps', value: '1' }])).toThrow(/twice/)
  })

  it('shows values in their units', () => {
    expect(humanValue('share', '2500')).toBe('2500 bps (25%)')
    expect(humanValue('units', (100n * T).toString())).toBe('100 tokens')
    expect(humanValue('ms', '30000')).toBe('30 s')
    expect(humanValue('count', '4')).toBe('4')
  })
})

describe('argument checking of w3ai gov and params', () => {
  let home: Awaited<ReturnType<typeof tempHome>>
  beforeAll(async () => {
    home = await tempHome('w3ai-gov-args-')
  })
  afterAll(async () => home?.remove())

  it('refuses every bad argument with CLI_BAD_ARGUMENT before reading the identity or asking the hub', async () => {
    const id = 'gp_' + '0'.repeat(24)
    for (const args of [
      ['gov', 'propose'],
      ['gov', 'propose', '--set', 'burnShareBps'],
      ['gov', 'propose', '--set', 'burnShareBps=-5'],
      ['gov', 'propose', '--set', 'a=1', '--set', 'a=2'],
      ['gov', 'propose', '--set', 'feeRateBps=1', '--description', 'x'.repeat(2001)],
      ['gov', 'vote', 'p_123', 'for'],
      ['gov', 'vote', id, 'maybe'],
      ['gov', 'vote', id],
      ['gov', 'show', 'gp_XYZ'],
      ['gov', 'ls', '--status', 'winning'],
      ['gov', 'ls', '--limit', '0'],
      ['gov', 'cancel', 'nope'],
      ['params', 'extra'],
    ]) {
      const r = await w3aiInProcess([...args, '--json', '--home', home.path, '--hub', 'http://127.0.0.1:9'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(parseJson<{ error: { code: string } }>(r.stdout).error.code, args.join(' ')).toBe('CLI_BAD_ARGUMENT')
    }
  })
})

describe('w3ai gov and params on a hub', () => {
  let home: Awaited<ReturnType<typeof tempHome>>
  let hub: Hub
  let clock = Date.now()
  const me = generateIdentity('account')
  const args = (...rest: string[]): string[] => [...rest, '--home', home.path, '--hub', hub.url]
  const json = async <T>(...rest: string[]): Promise<T> => {
    const r = await w3aiInProcess(args(...rest, '--json'))
    expect(r.code, `${rest.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0)
    return parseJson<T>(r.stdout)
  }
  const failure = async (...rest: string[]): Promise<string> => {
    const r = await w3aiInProcess(args(...rest, '--json'))
    expect(r.code).toBe(1)
    return parseJson<{ error: { code: string } }>(r.stdout).error.code
  }
  const recorded = (id: string, status: string): Promise<Proposal> =>
    until(async () => {
      const p = await json<Proposal>('gov', 'show', id)
      return p.status === status && p.closedAt !== null ? p : undefined
    }, 15_000, `proposal ${status}`)

  beforeAll(async () => {
    home = await tempHome('w3ai-gov-')
    await writeIdentity(home.path, me)
    hub = createHub({
      home: join(home.path, 'hub-home'),
      port: 0,
      host: '127.0.0.1',
      logLevel: false,
      ledger: { faucet: true },
      governance: { clock: () => clock, upkeepIntervalMs: 20, votingDelayMs: DELAY, votingPeriodMs: PERIOD, timelockMs: TIMELOCK },
    })
    await hub.start()
    const client = new HubClient({ url: hub.url, identity: me })
    await client.createAccount()
    await new WalletClient(client).faucet(500n * T)
  })
  afterAll(async () => {
    await hub?.stop()
    await home?.remove()
  })

  it('params lists every parameter with value and bounds', async () => {
    const params = await json<NetworkParameter[]>('params')
    expect(params.find((p) => p.name === 'burnShareBps')).toMatchObject({ value: '2000', min: '0', max: '10000', proposalId: null })
    const human = await w3aiInProcess(args('params'))
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/burnShareBps\s+2000 bps \(20%\)/)
    expect(human.stdout).toMatch(/minimumStake\s+100 tokens/)
  })

  it('propose, vote, show and ls follow a change to its execution after the timelock', async () => {
    const p = await json<Proposal>('gov', 'propose', '--set', 'burnShareBps=2500', '--set', 'treasuryShareBps=3500', '--description', 'more burn, more treasury')
    expect(p).toMatchObject({ status: 'pending', changes: [{ name: 'burnShareBps', value: '2500' }, { name: 'treasuryShareBps', value: '3500' }] })
    expect(await failure('gov', 'vote', p.id, 'for')).toBe('GOV_VOTE_CLOSED')

    clock += DELAY
    const vote = await json<VoteAnswer>('gov', 'vote', p.id, 'for')
    expect(vote.vote.weight).toBe((500n * T).toString())
    expect(await failure('gov', 'vote', p.id, 'against')).toBe('GOV_ALREADY_VOTED')
    const human = await w3aiInProcess(args('gov', 'show', p.id))
    expect(human.stdout).toMatch(/status\s+active/)
    expect(human.stdout).toMatch(/tally\s+for 500, against 0/)

    clock += PERIOD
    await until(async () => ((await json<Proposal>('gov', 'show', p.id)).queuedAt !== null ? true : undefined), 15_000, 'queued')
    expect((await json<NetworkParameter[]>('params')).find((x) => x.name === 'burnShareBps')?.value).toBe('2000')
    clock += TIMELOCK
    await recorded(p.id, 'executed')
    const after = await json<NetworkParameter[]>('params')
    expect(after.find((x) => x.name === 'burnShareBps')).toMatchObject({ value: '2500', proposalId: p.id })
    expect(after.find((x) => x.name === 'treasuryShareBps')?.value).toBe('3500')

    const listed = await json<Proposal[]>('gov', 'ls', '--status', 'executed')
    expect(listed.map((x) => x.id)).toEqual([p.id])
    const table = await w3aiInProcess(args('gov', 'ls'))
    expect(table.stdout).toContain(p.id)
    expect(table.stdout).toContain('burnShareBps=2500')
  })

  it("the hub's refusals come back with their codes", async () => {
    expect(await failure('gov', 'propose', '--set', 'noSuchParameter=1')).toBe('GOV_BAD_PARAMETER')
    expect(await failure('gov', 'propose', '--set', 'burnShareBps=7000')).toBe('GOV_BAD_PARAMETER')
    expect(await failure('gov', 'show', 'gp_' + 'f'.repeat(24))).toBe('GOV_PROPOSAL_NOT_FOUND')
    const p = await json<Proposal>('gov', 'propose', '--set', 'feeRateBps=600')
    expect((await json<Proposal>('gov', 'cancel', p.id)).status).toBe('cancelled')
    expect(await failure('gov', 'cancel', p.id)).toBe('GOV_NOT_CANCELLABLE')
  })
})
