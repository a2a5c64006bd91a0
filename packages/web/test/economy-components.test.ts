/** The wallet and governance tabs' components: what each shows for given wire objects. */
import { createElement, type FunctionComponent } from 'react'
import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { JournalEntryWire, NodeInfo } from '@w3ai/protocol'
import { NodeEarnings } from '../src/components/economy/NodeEarnings.js'
import { ProposalCard } from '../src/components/economy/ProposalCard.js'
import { SupplyChart } from '../src/components/economy/SupplyChart.js'
import { WalletCard } from '../src/components/economy/WalletCard.js'
import { WalletHistory } from '../src/components/economy/WalletHistory.js'
import { EMPTY_SUPPLY, extendSupply } from '../src/economy/supply.js'
import { proposal } from './economy-fixtures.js'

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props))
const count = (html: string, pattern: RegExp): number => html.match(new RegExp(pattern, 'g'))?.length ?? 0
const T = 10n ** 18n
const ME = 'user:a_0123456789abcdef0123'
const never = (): Promise<never> => new Promise(() => undefined)

function entry(seq: number, debit: string, credit: string, amount: bigint, patch: Partial<JournalEntryWire> = {}): JournalEntryWire {
  return { seq, transferId: `t${seq}`, kind: 'transfer', action: 'transfer', debit, credit, amount: amount.toString(), pending: false, pendingId: null, memo: null, at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(), prev: '0'.repeat(64), hash: '0'.repeat(64), ...patch }
}

describe('wallet card', () => {
  const wallet = { account: ME, balance: String(975n * T / 10n), available: String(95n * T), pending: String(25n * T / 10n) }

  it('shows balance, available and reserved tokens exactly, and the transfer form', () => {
    const html = render(WalletCard, { wallet, error: null, faucet: false, onFaucet: never, onTransfer: never })
    expect(html).toContain('97.5')
    expect(html).toMatch(/data-testid="wallet-available" data-units="95000000000000000000"/)
    expect(html).toContain('2.5')
    expect(html).toContain('data-testid="transfer-form"')
    expect(html).not.toContain('wallet-faucet')
  })

  it('offers the faucet where the journal funded one', () => {
    expect(render(WalletCard, { wallet, error: null, faucet: true, onFaucet: never, onTransfer: never })).toContain('data-testid="wallet-faucet"')
  })
})

describe('wallet history', () => {
  it('shows what came in and went out, the other side, and the step of a two-phase transfer', () => {
    const entries = [entry(3, ME, 'escrow:j1', 2n * T, { action: 'pending', kind: 'escrow' }), entry(2, ME, 'node:n_1', 5n * T / 10n), entry(1, 'faucet', ME, 100n * T, { kind: 'faucet' })]
    const html = render(WalletHistory, { account: ME, entries, error: null, hasMore: true, loadingMore: false, onMore: () => undefined })
    expect(count(html, /data-testid="wallet-entry"/)).toBe(3)
    expect(html).toMatch(/data-seq="1" data-direction="in"/)
    expect(html).toMatch(/data-seq="2" data-direction="out"/)
    expect(html).toContain('>+100<')
    expect(html).toContain('>−0.5<')
    expect(html).toContain('reserved')
    expect(html).toContain('data-testid="wallet-history-more"')
  })

  it('says so when there is nothing', () => {
    expect(render(WalletHistory, { account: ME, entries: [], error: null, hasMore: false, loadingMore: false, onMore: () => undefined })).toContain('wallet-history-empty')
  })
})

describe('supply chart', () => {
  it('draws one point per change of the treasury or burn, with the latest balances', () => {
    const series = extendSupply(EMPTY_SUPPLY, [entry(1, 'genesis', 'treasury', 1000n * T, { kind: 'genesis' }), entry(2, 'user:a', 'user:b', T), entry(3, 'user:a', 'burn', 3n * T), entry(4, 'user:a', 'treasury', 2n * T)])
    const html = render(SupplyChart, { series, behind: false, error: null, now: Date.UTC(2026, 0, 1, 0, 1) })
    expect(count(html, /data-testid="supply-point"/)).toBe(3)
    expect(html).toMatch(/data-testid="supply-treasury" data-units="1002000000000000000000"/)
    expect(html).toMatch(/data-testid="supply-burned" data-units="3000000000000000000"/)
    expect(count(html, /class="curve-line/)).toBe(2)
  })

  it('says what it waits for without points', () => {
    expect(render(SupplyChart, { series: EMPTY_SUPPLY, behind: true, error: null, now: 0 })).toContain('Reading the journal')
  })
})

describe('node earnings', () => {
  it("names known nodes and shows each one's earned, held and reserved tokens", () => {
    const nodes = new Map([['n_1', { id: 'n_1', name: 'berlin-1', region: 'eu-central' } as NodeInfo]])
    const earnings = [
      { nodeId: 'n_1', earned: 7n * T, balance: 5n * T, pending: T },
      { nodeId: 'n_0123456789abcdef0123', earned: 1n, balance: 1n, pending: 0n },
    ]
    const html = render(NodeEarnings, { earnings, nodes, error: null, hasMore: false, loadingMore: false, onMore: () => undefined })
    expect(count(html, /data-testid="earning-row"/)).toBe(2)
    expect(html).toContain('berlin-1')
    expect(html).toContain('0.000000000000000001')
    expect(html).not.toContain('earnings-more')
  })
})

describe('proposal card', () => {
  const live = proposal({ tally: { for: String(300n * T), against: String(100n * T), abstain: '0', voters: 2 }, quorumReached: true, thresholdReached: true })

  it('shows the tally as bars over the supply with the quorum line, and its changes', () => {
    const html = render(ProposalCard, { proposal: live, onVote: null })
    expect(html).toMatch(/data-testid="tally-for" data-pct="30"/)
    expect(html).toMatch(/data-testid="tally-against" data-pct="10"/)
    expect(html).toMatch(/data-testid="tally-quorum" data-pct="10"/)
    expect(html).toContain('burnShareBps')
    expect(html).toContain('quorum 100 reached')
    expect(html).toContain('approval 75% of 50% needed')
  })

  it('offers votes only while voting is open and an identity can sign', () => {
    expect(count(render(ProposalCard, { proposal: live, onVote: never }), /data-testid="vote-/g)).toBe(3)
    expect(render(ProposalCard, { proposal: live, onVote: null })).not.toContain('data-testid="vote-')
    expect(render(ProposalCard, { proposal: { ...live, status: 'succeeded' }, onVote: never })).not.toContain('data-testid="vote-')
  })
})
