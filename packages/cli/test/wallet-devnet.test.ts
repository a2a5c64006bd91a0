/**
 * The wallet on a devnet, through the command line: faucet tokens, transfers to an account and a
 * node (a retried --id moves nothing twice), balances and history to the unit, and `ledger verify`
 * passing on the result (and failing, exit 1, when told to trust another hub key). Then a hub
 * without the faucet refuses it. On PGlite, and on PostgreSQL when W3AI_TEST_DATABASE_URL is set.
 */
import { generateIdentity } from '@w3ai/crypto'
import { storyBackends, dropSchema, freshDatabaseUrl } from '@w3ai/hub/testing'
import type { JournalEntryWire, TransferWire, Wallet } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import type { VerifyReportJson } from '../src/commands/ledger.js'
import { parseJson, tempHome, w3aiInProcess, type RunResult } from './helpers.js'

const TOKEN = 10n ** 18n
type Home = Awaited<ReturnType<typeof tempHome>>

describe.each(storyBackends())('w3ai wallet, faucet and ledger verify on a devnet (%s)', (backend) => {
  let devnet: Devnet
  let home: Home
  let otherHome: Home
  let databaseUrl: string | undefined
  let me: string
  let other: string
  const cli = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', home.path])
  const otherCli = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', otherHome.path, '--hub', devnet.hubUrl])

  async function ok<T>(run: Promise<RunResult>): Promise<T> {
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }

  async function failsWith(run: Promise<RunResult>, code: string): Promise<void> {
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe(code)
  }

  beforeAll(async () => {
    home = await tempHome('w3ai-wallet-')
    otherHome = await tempHome('w3ai-wallet-other-')
    databaseUrl = freshDatabaseUrl(backend)
    devnet = await startDevnet({ home: home.path, nodes: 1, hubPort: 0, logLevel: 'warn', ...(databaseUrl === undefined ? {} : { databaseUrl }) })
    me = (await ok<{ id: string }>(cli('account', 'create', '--json'))).id
    other = (await ok<{ id: string }>(otherCli('account', 'create', '--json'))).id
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
    await otherHome?.remove()
    if (databaseUrl !== undefined) await dropSchema(databaseUrl)
  })

  it('takes faucet tokens, sends some to an account and a node, and shows balances and history to the unit', async () => {
    expect(await ok<Wallet>(cli('wallet', 'balance', '--json'))).toEqual({ account: `user:${me}`, balance: '0', available: '0', pending: '0' })

    const faucet = await ok<TransferWire>(cli('faucet', '100', '--json'))
    expect(faucet).toMatchObject({ debit: 'faucet', credit: `user:${me}`, amount: String(100n * TOKEN), kind: 'faucet', status: 'posted' })

    const pay = await ok<TransferWire>(cli('wallet', 'transfer', other, '2.5', '--id', 'rent-1', '--json'))
    expect(pay).toMatchObject({ id: 'rent-1', debit: `user:${me}`, credit: `user:${other}`, amount: String(25n * TOKEN / 10n) })
    // The same id again answers the first transfer and moves nothing.
    expect(await ok<TransferWire>(cli('wallet', 'transfer', other, '2.5', '--id', 'rent-1', '--json'))).toEqual(pay)
    // Another amount under the same id is a conflict, not a second transfer.
    await failsWith(cli('wallet', 'transfer', other, '3', '--id', 'rent-1', '--json'), 'LEDGER_ID_CONFLICT')

    const node = devnet.nodes[0]?.id as string
    const toNode = await ok<TransferWire>(cli('wallet', 'transfer', node, '0.000000000000000001', '--json'))
    expect(toNode).toMatchObject({ credit: `node:${node}`, amount: '1' })

    const left = 100n * TOKEN - 25n * TOKEN / 10n - 1n
    expect(await ok<Wallet>(cli('wallet', 'balance', '--json'))).toEqual({ account: `user:${me}`, balance: String(left), available: String(left), pending: '0' })
    expect(await ok<Wallet>(otherCli('wallet', 'balance', '--json'))).toMatchObject({ balance: String(25n * TOKEN / 10n) })
    const human = await cli('wallet', 'balance')
    expect(human.stdout).toContain('balance    97.499999999999999999 tokens')

    const history = await ok<JournalEntryWire[]>(cli('wallet', 'history', '--json'))
    expect(history.map((e) => [e.transferId, e.debit, e.credit, e.amount])).toEqual([
      [toNode.id, `user:${me}`, `node:${node}`, '1'],
      ['rent-1', `user:${me}`, `user:${other}`, String(25n * TOKEN / 10n)],
      [faucet.id, 'faucet', `user:${me}`, String(100n * TOKEN)],
    ])
    const table = (await cli('wallet', 'history')).stdout
    expect(table).toMatch(/-0\.000000000000000001\s+to node:/)
    expect(table).toMatch(/-2\.5\s+to user:/)
    expect(table).toMatch(/\+100\s+from faucet/)

    const first = await cli('wallet', 'history', '--limit', '1', '--json')
    expect(parseJson<JournalEntryWire[]>(first.stdout).map((e) => e.transferId)).toEqual([toNode.id])
    expect(first.stderr).toMatch(/more exist/)
    expect((await ok<JournalEntryWire[]>(cli('wallet', 'history', '--all', '--limit', '1', '--json'))).length).toBe(3)
  })

  it('refuses a transfer beyond the balance and moves nothing', async () => {
    const before = await ok<Wallet>(otherCli('wallet', 'balance', '--json'))
    await failsWith(otherCli('wallet', 'transfer', me, '2.500000000000000001', '--json'), 'LEDGER_INSUFFICIENT_FUNDS')
    expect(await ok<Wallet>(otherCli('wallet', 'balance', '--json'))).toEqual(before)
  })

  it('verifies the ledger: the chain, the signatures and minted = held + escrow + staked + burned', async () => {
    const report = await ok<VerifyReportJson>(cli('ledger', 'verify', '--json'))
    expect(report).toMatchObject({ ok: true, problems: [], burned: '0', escrow: '0', staked: '0' })
    expect(report.entries).toBeGreaterThanOrEqual(4)
    expect(BigInt(report.minted)).toBe(BigInt(report.balances) + BigInt(report.burned) + BigInt(report.escrow) + BigInt(report.staked))
    const human = await cli('ledger', 'verify')
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^ledger ok: \d+ journal entries in \d+ blocks/)
  })

  it('fails verify (exit 1, every block named) when told to trust only another key', async () => {
    const stranger = generateIdentity('account').publicKey
    const r = await cli('ledger', 'verify', '--hub-key', stranger, '--json')
    expect(r.code, r.stderr).toBe(1)
    const report = parseJson<VerifyReportJson>(r.stdout)
    expect(report.ok).toBe(false)
    expect(report.problems.length).toBe(report.blocks)
    expect(new Set(report.problems.map((p) => p.code))).toEqual(new Set(['LEDGER_BLOCK_BAD_SIGNATURE']))
    expect((await cli('ledger', 'verify', '--hub-key', stranger)).stdout).toMatch(/^ledger NOT ok/)
  })
})

describe('w3ai faucet on a hub without the faucet', () => {
  let devnet: Devnet
  let home: Home

  beforeAll(async () => {
    home = await tempHome('w3ai-nofaucet-')
    devnet = await startDevnet({ home: home.path, nodes: 0, hubPort: 0, logLevel: 'warn', env: { W3AI_FAUCET: 'off' } })
  }, 120_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
  })

  it('says LEDGER_FAUCET_DISABLED and gives nothing', async () => {
    expect((await w3aiInProcess(['account', 'create', '--home', home.path])).code).toBe(0)
    const r = await w3aiInProcess(['faucet', '--json', '--home', home.path])
    expect(r.code).toBe(1)
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('LEDGER_FAUCET_DISABLED')
    const wallet = parseJson<Wallet>((await w3aiInProcess(['wallet', 'balance', '--json', '--home', home.path])).stdout)
    expect(wallet.balance).toBe('0')
  })
})
