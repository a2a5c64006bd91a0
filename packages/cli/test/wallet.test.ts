import { describe, expect, it, afterAll, beforeAll } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { parseRecipient, parseTokenAmount, parseTransferId } from '../src/commands/wallet-args.js'
import { historyRow } from '../src/commands/wallet-views.js'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const A = 'a_0123456789abcdef0123'
const N = 'n_0123456789abcdef0123'

describe('wallet arguments', () => {
  it('parses tokens to units, to the last of 18 decimals', () => {
    const amount = parseTokenAmount('AMOUNT')
    expect(amount('1.5')).toBe(1_500_000_000_000_000_000n)
    expect(amount('0.000000000000000001')).toBe(1n)
    expect(amount('42')).toBe(42n * 10n ** 18n)
  })

  it('refuses zero, signs, exponents, 19 decimals and overflow as CLI_BAD_ARGUMENT', () => {
    const amount = parseTokenAmount('AMOUNT')
    for (const bad of ['0', '0.0', '-1', '+1', '1e3', '1.0000000000000000001', 'abc', '', '1.', '.5', `1${'0'.repeat(40)}`]) {
      expect(() => amount(bad), bad).toThrow(W3aiError)
      try {
        amount(bad)
      } catch (err) {
        expect((err as W3aiError).code).toBe('CLI_BAD_ARGUMENT')
      }
    }
  })

  it('takes account and node ids as the hub does, a bare node id meaning its node account', () => {
    expect(parseRecipient(A)).toBe(A)
    expect(parseRecipient(`user:${A}`)).toBe(`user:${A}`)
    expect(parseRecipient(N)).toBe(`node:${N}`)
    expect(parseRecipient(`node:${N}`)).toBe(`node:${N}`)
    for (const bad of ['treasury', 'burn', `stake:${N}`, `user:${N}`, `node:${A}`, 'a_123', 'bob']) expect(() => parseRecipient(bad), bad).toThrow(/ACCOUNT/)
  })

  it('takes transfer ids without the network\'s ":"', () => {
    expect(parseTransferId('pay-1.rent_2')).toBe('pay-1.rent_2')
    for (const bad of ['faucet:x', '', 'a'.repeat(65), 'with space']) expect(() => parseTransferId(bad), bad).toThrow(/--id/)
  })

  it('shows history from the account: + for what came in, - for what went out', () => {
    const entry = { seq: 3, transferId: 't1', kind: 'transfer', action: 'transfer', amount: '2500000000000000000', pending: false, pendingId: null, memo: null, at: '2026-01-01T00:00:00.000Z', prev: '0'.repeat(64), hash: '1'.repeat(64) } as const
    expect(historyRow({ ...entry, debit: `user:${A}`, credit: `node:${N}` }, `user:${A}`)).toEqual(['3', entry.at, 'transfer', 'transfer', '-2.5', `to node:${N}`, 't1'])
    expect(historyRow({ ...entry, debit: 'faucet', credit: `user:${A}` }, `user:${A}`)).toEqual(['3', entry.at, 'transfer', 'transfer', '+2.5', 'from faucet', 't1'])
  })
})

/**
 * Every refusal comes before any request and before the identity is read: the home has no
 * identity and the hub URL has no hub, so anything that got that far would say
 * IDENTITY_NOT_FOUND or HUB_UNREACHABLE instead.
 */
describe('argument checking of w3ai wallet, faucet and ledger', () => {
  let home: Awaited<ReturnType<typeof tempHome>>
  beforeAll(async () => {
    home = await tempHome('w3ai-wallet-args-')
  })
  afterAll(async () => {
    await home.remove()
  })

  const refused = async (...args: string[]): Promise<string> => {
    const r = await w3aiInProcess([...args, '--home', home.path, '--hub', 'http://127.0.0.1:9', '--json'])
    expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2)
    const { error } = parseJson<{ error: { code: string; message: string } }>(r.stdout)
    expect(error.code).toBe('CLI_BAD_ARGUMENT')
    return error.message
  }

  it('refuses bad amounts of wallet transfer', async () => {
    expect(await refused('wallet', 'transfer', A, '0')).toMatch(/AMOUNT "0"/)
    expect(await refused('wallet', 'transfer', A, '1.0000000000000000001')).toMatch(/AMOUNT/)
    expect(await refused('wallet', 'transfer', A, '1e18')).toMatch(/AMOUNT/)
    expect(await refused('wallet', 'transfer', A, `1${'0'.repeat(40)}`)).toMatch(/2\^127/)
    expect(await refused('wallet', 'transfer', A, '-1')).toMatch(/-1/)
  })

  it('refuses a bad recipient, a bad --id and missing arguments of wallet transfer', async () => {
    expect(await refused('wallet', 'transfer', 'treasury', '1')).toMatch(/ACCOUNT "treasury"/)
    expect(await refused('wallet', 'transfer', A, '1', '--id', 'faucet:mine')).toMatch(/--id/)
    await refused('wallet', 'transfer', A)
    await refused('wallet', 'transfer', A, '1', 'extra')
  })

  it('refuses bad --limit of wallet history, an unknown wallet command and unknown flags', async () => {
    expect(await refused('wallet', 'history', '--limit', '0')).toMatch(/--limit/)
    expect(await refused('wallet', 'history', '--limit', 'ten')).toMatch(/--limit/)
    await refused('wallet', 'balance', '--all')
    await refused('wallet', 'send', A, '1')
  })

  it('refuses a bad faucet amount and a bad --hub-key of ledger verify', async () => {
    expect(await refused('faucet', '0')).toMatch(/AMOUNT/)
    expect(await refused('faucet', '1.5.2')).toMatch(/AMOUNT/)
    expect(await refused('ledger', 'verify', '--hub-key', 'short')).toMatch(/--hub-key/)
    await refused('ledger', 'check')
  })

  it('says IDENTITY_NOT_FOUND for good arguments in a home without an account, before any request', async () => {
    for (const args of [['wallet', 'balance'], ['wallet', 'history'], ['wallet', 'transfer', A, '1'], ['faucet']]) {
      const r = await w3aiInProcess([...args, '--home', home.path, '--hub', 'http://127.0.0.1:9', '--json'])
      expect(r.code, args.join(' ')).toBe(1)
      expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe('IDENTITY_NOT_FOUND')
    }
  })
})
