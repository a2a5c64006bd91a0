/** The wallet and governance tabs' pure parts: token amounts, the supply replay, node earnings paging, tallies. */
import { describe, expect, it } from 'vitest'
import type { JournalEntryWire, LedgerAccountWire } from '@w3ai/protocol'
import { nodeEarningPages } from '../src/economy/earnings.js'
import { EMPTY_SUPPLY, extendSupply } from '../src/economy/supply.js'
import { layoutSupply, MAX_POINTS, thin } from '../src/economy/supply-curve.js'
import { formatTokens, formatTokensShort, parseTokens, tokensNumber } from '../src/economy/tokens.js'
import { tallyBars } from '../src/economy/governance.js'
import { recipientOf } from '../src/components/economy/TransferForm.js'
import { proposal } from './economy-fixtures.js'

const T = 10n ** 18n

let seq = 0
function entry(debit: string, credit: string, amount: bigint, patch: Partial<JournalEntryWire> = {}): JournalEntryWire {
  seq++
  return { seq, transferId: `t${seq}`, kind: 'transfer', action: 'transfer', debit, credit, amount: amount.toString(), pending: false, pendingId: null, memo: null, at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), prev: '0'.repeat(64), hash: '0'.repeat(64), ...patch }
}

function account(id: string, credits = 0n, debits = 0n): LedgerAccountWire {
  return { id, kind: id.split(':')[0] as LedgerAccountWire['kind'], owner: null, flags: { debitsMustNotExceedCredits: true, creditsMustNotExceedDebits: false }, debitsPosted: debits.toString(), creditsPosted: credits.toString(), debitsPending: '0', creditsPending: '0' }
}

describe('token amounts', () => {
  it('shows units as exact tokens, grouped in thousands, keeping the sign', () => {
    expect(formatTokens('1500000000000000000')).toBe('1.5')
    expect(formatTokens(1n)).toBe('0.000000000000000001')
    expect(formatTokens(1_234_567n * T)).toBe('1,234,567')
    expect(formatTokens(-25n * T / 10n)).toBe('-2.5')
  })

  it('rounds for tables, never showing a non-zero amount as zero', () => {
    expect(formatTokensShort(123_456_789n * 10n ** 12n)).toBe('123.4568')
    expect(formatTokensShort(1n)).toBe('<0.0001')
    expect(formatTokensShort(0n)).toBe('0')
  })

  it('parses what people type the way the ledger does, refusing zero, signs and a 19th decimal', () => {
    expect(parseTokens(' 2.5 ')).toEqual({ units: 25n * T / 10n })
    expect(parseTokens('0.000000000000000001')).toEqual({ units: 1n })
    for (const bad of ['0', '-1', '1e3', '1.0000000000000000001', '', 'abc', `1${'0'.repeat(40)}`]) expect('error' in parseTokens(bad), bad).toBe(true)
  })

  it('takes recipients as the hub does: account ids, user:/node: ids, bare node ids as their node account', () => {
    expect(recipientOf('a_0123456789abcdef0123')).toBe('a_0123456789abcdef0123')
    expect(recipientOf('n_0123456789abcdef0123')).toBe('node:n_0123456789abcdef0123')
    expect(recipientOf('treasury')).toBeNull()
  })

  it('turns units into chart numbers', () => expect(tokensNumber(15n * T / 10n)).toBe(1.5))
})

describe('treasury and burned supply from the journal', () => {
  it('replays posted balances: transfers and posts move them, reservations and voids do not', () => {
    const s = extendSupply(EMPTY_SUPPLY, [
      entry('genesis', 'treasury', 1000n * T, { kind: 'genesis' }),
      entry('genesis', 'faucet', 500n * T, { kind: 'genesis' }),
      entry('user:a', 'escrow:j1', 10n * T, { action: 'pending', pending: true }),
      entry('escrow:j1', 'burn', 2n * T, { kind: 'burn', action: 'post', pendingId: 'x' }),
      entry('user:a', 'treasury', 1n * T, { kind: 'fee' }),
      entry('user:a', 'escrow:j2', 5n * T, { action: 'void', pendingId: 'y' }),
      entry('treasury', 'user:b', 100n * T),
    ])
    expect(s.points.map((p) => [p.treasury / T, p.burned / T])).toEqual([
      [1000n, 0n],
      [1000n, 2n],
      [1001n, 2n],
      [901n, 2n],
    ])
    expect(s.faucetFunded).toBe(true)
    expect(s.lastSeq).toBe(seq)
  })

  it('extends page by page and skips entries it has seen', () => {
    const first = [entry('genesis', 'treasury', 5n * T)]
    const s1 = extendSupply(EMPTY_SUPPLY, first)
    const s2 = extendSupply(s1, [...first, entry('user:a', 'burn', 1n * T)])
    expect(s2.points.map((p) => p.burned)).toEqual([0n, T])
    expect(s2.treasury).toBe(5n * T)
    expect(s1.faucetFunded).toBe(false)
  })

  it('thins a long series to the last point per time slot and lays out two step curves', () => {
    let s = EMPTY_SUPPLY
    for (let i = 0; i < 1000; i++) s = extendSupply(s, [entry('user:a', i % 2 === 0 ? 'treasury' : 'burn', T)])
    const shown = thin(s.points)
    expect(shown.length).toBeLessThanOrEqual(MAX_POINTS)
    expect(shown[shown.length - 1]).toEqual(s.points[s.points.length - 1])
    const chart = layoutSupply(s.points, 760, 220, Date.parse(s.points[s.points.length - 1]!.at))
    expect(chart.layout.panels.map((p) => p.title)).toEqual(['Treasury (tokens)', 'Burned (tokens)'])
    expect(chart.layout.panels[0]!.series[0]!.path).toMatch(/^M[\d.]+ [\d.]+ H/)
    expect(chart.points.length).toBe(shown.length)
    expect(chart.points[chart.points.length - 1]).toMatchObject({ loss: 500, acc: 500 })
  })
})

describe('node earnings over the account pages', () => {
  const ids = ['burn', ...Array.from({ length: 5 }, (_, i) => `escrow:j${i}`), 'faucet', 'genesis', 'node:n_1', 'node:n_2', 'node:n_3', 'stake:n_1', 'treasury', 'user:a_1']
  const all = ids.map((id) => account(id, id.startsWith('node:') ? 7n * T : 0n, id === 'node:n_2' ? 2n * T : 0n))
  const pages = (cursor: string | null, limit: number) => {
    const start = cursor === null ? 0 : ids.indexOf(cursor) + 1
    const accounts = all.slice(start, start + limit)
    return Promise.resolve({ accounts, nextCursor: start + limit < all.length ? (accounts[accounts.length - 1]?.id ?? null) : null })
  }

  it('skips to the node accounts, pages through them, and ends past them', async () => {
    const load = nodeEarningPages(pages)
    const p1 = await load(null, 3)
    expect(p1.items.map((e) => e.nodeId)).toEqual(['n_1'])
    const p2 = await load(p1.nextCursor, 3)
    expect(p2.items.map((e) => [e.nodeId, e.earned / T, e.balance / T])).toEqual([
      ['n_2', 7n, 5n],
      ['n_3', 7n, 7n],
    ])
    expect(p2.nextCursor).toBeNull()
  })
})

describe('governance tallies', () => {
  it('draws for, against and abstain over the voting supply with the quorum line on it', () => {
    const bars = tallyBars(proposal({ supply: String(1000n * T), quorum: String(100n * T), tally: { for: String(300n * T), against: String(100n * T), abstain: String(50n * T), voters: 3 } }))
    expect(bars).toEqual({ forPct: 30, againstPct: 10, abstainPct: 5, quorumPct: 10, approvalPct: 75, thresholdPct: 50 })
  })

  it('has no approval before a for or against vote, and survives an empty supply', () => {
    expect(tallyBars(proposal({ supply: '0', quorum: '0' })).approvalPct).toBeNull()
    expect(tallyBars(proposal({ supply: '0', quorum: '0' })).forPct).toBe(0)
  })
})
