import { W3aiError } from '@w3ai/protocol'
import { newTransferId } from '@w3ai/sdk'
import { seededRandom } from '@w3ai/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from './helpers.js'
import { startLedgerHub, type LedgerHub, type LedgerUser } from './ledger-kit.js'

const FUNDS = 1000n

/**
 * Wallets on a hub with the faucet on: concurrent transfers batch into signed blocks without a
 * negative balance or a double spend, a retried id moves nothing twice, and the journal anyone
 * downloads verifies, before and after a restart.
 */
describe.each(backends())('ledger on %s', (backend) => {
  let h: LedgerHub
  let users: LedgerUser[]

  beforeAll(async () => {
    h = await startLedgerHub(backend)
    users = await Promise.all(Array.from({ length: 50 }, (_, i) => h.user(`user-${i}`)))
    await Promise.all(users.map((u) => u.wallet.faucet(FUNDS)))
  }, 120_000)
  afterAll(() => h?.close())

  it('mints the genesis allocations once and funds wallets from the faucet', async () => {
    const journal = await h.ledger.journal({ limit: 10 })
    expect(journal.slice(0, 2).map((e) => [e.transferId, e.debit, e.credit])).toEqual([
      ['genesis:treasury', 'genesis', 'treasury'],
      ['genesis:faucet', 'genesis', 'faucet'],
    ])
    expect(await users[0]!.wallet.balance()).toEqual({ account: `user:${users[0]!.id}`, balance: '1000', available: '1000', pending: '0' })
    const summary = await h.ledger.summary()
    expect(BigInt(summary.minted)).toBe(BigInt(summary.supply))
    expect(summary.burned).toBe('0')
  })

  it('applies 1,000 concurrent transfers among 50 accounts: no negative balance, no double spend, retried ids applied once', async () => {
    const random = seededRandom(11)
    const before = new Map(await Promise.all(users.map(async (u) => [u.id, BigInt((await u.wallet.balance()).balance)] as const)))
    const sends = Array.from({ length: 1000 }, () => {
      const from = Math.floor(random() * users.length)
      const to = (from + 1 + Math.floor(random() * (users.length - 1))) % users.length
      // Up to 600 units from 1,000 each, about 20 sends per account: some accounts run dry on the way.
      return { from: users[from]!, to: users[to]!, amount: BigInt(1 + Math.floor(random() * 600)), id: newTransferId() }
    })
    // Every tenth transfer is sent twice at once, as a client retrying after a lost answer would.
    const attempts = [...sends, ...sends.filter((_, i) => i % 10 === 0)]
    const outcomes = await Promise.all(
      attempts.map(async (s) => {
        try {
          const t = await s.from.wallet.transfer({ to: s.to.id, amount: s.amount, id: s.id })
          return { s, ok: true as const, seq: t.seq, code: '' }
        } catch (err) {
          if (!(err instanceof W3aiError)) throw err
          return { s, ok: false as const, seq: 0, code: err.code }
        }
      }),
    )
    expect(new Set(outcomes.filter((o) => !o.ok).map((o) => o.code))).toEqual(new Set(outcomes.some((o) => !o.ok) ? ['LEDGER_INSUFFICIENT_FUNDS'] : []))
    const applied = new Map<string, { s: (typeof sends)[number]; seq: number }>()
    for (const o of outcomes) {
      if (!o.ok) continue
      const first = applied.get(o.s.id)
      // A retry answers the first outcome: the same journal entry.
      if (first !== undefined) expect(o.seq).toBe(first.seq)
      else applied.set(o.s.id, { s: o.s, seq: o.seq })
    }
    expect(applied.size).toBeGreaterThan(100)
    expect(applied.size).toBeLessThan(1000)

    const expected = new Map(before)
    for (const { s } of applied.values()) {
      expected.set(s.from.id, (expected.get(s.from.id) ?? 0n) - s.amount)
      expected.set(s.to.id, (expected.get(s.to.id) ?? 0n) + s.amount)
    }
    for (const u of users) {
      const w = await u.wallet.balance()
      expect(BigInt(w.balance)).toBe(expected.get(u.id))
      expect(BigInt(w.balance)).toBeGreaterThanOrEqual(0n)
    }
    const { entries } = await h.ledger.download()
    const ids = entries.map((e) => e.transferId)
    expect(ids.length).toBe(new Set(ids).size)
    for (const id of applied.keys()) expect(ids).toContain(id)
    // Concurrent requests shared blocks: far fewer blocks than transfers.
    const blocks = await h.ledger.blocks({ limit: 1000 })
    expect(blocks.length).toBeLessThan(entries.length / 2)

    const report = await h.ledger.verify()
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.minted).toBe(report.balances + report.escrow + report.staked + report.burned)
  }, 120_000)

  it('refuses the spends past a balance when they race: exactly as many as the funds cover', async () => {
    const [payer, payee] = [await h.user('payer'), await h.user('payee')]
    await payer.wallet.faucet(100n)
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => payer.wallet.transfer({ to: payee.id, amount: 30n })))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3)
    for (const r of results) if (r.status === 'rejected') expect((r.reason as W3aiError).code).toBe('LEDGER_INSUFFICIENT_FUNDS')
    expect((await payer.wallet.balance()).balance).toBe('10')
    expect((await payee.wallet.balance()).balance).toBe('90')
  })

  it('answers a retried id with the first outcome: the same status and body', async () => {
    const [a, b] = [users[0]!, users[1]!]
    const body = { id: 'retry-me-1', to: b.id, amount: '7', memo: 'lunch' }
    const first = await h.call(a, 'POST', '/v1/wallet/transfers', body)
    const again = await h.call(a, 'POST', '/v1/wallet/transfers', body)
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.body).toEqual(first.body)
    const entries = (await h.ledger.download()).entries.filter((e) => e.transferId === 'retry-me-1')
    expect(entries).toHaveLength(1)
  })

  it('pages a wallet history newest first and the public journal in order', async () => {
    const u = users[2]!
    const all: number[] = []
    for await (const e of u.wallet.allHistory({ limit: 3 })) {
      expect([e.debit, e.credit]).toContain(`user:${u.id}`)
      all.push(e.seq)
    }
    expect(all.length).toBeGreaterThan(3)
    expect(all).toEqual([...all].sort((x, y) => y - x))
    const first = await h.ledger.journal({ limit: 5 })
    const next = await h.ledger.journal({ after: Number(first.nextCursor), limit: 5 })
    expect(next[0]!.seq).toBe(6)
    expect(next[0]!.prev).toBe(first[4]!.hash)
  })

  it('pages the accounts of one kind alone (?kind=), in id order', async () => {
    const ids: string[] = []
    for (let cursor: string | undefined; ; ) {
      const page = await h.ledger.accounts({ kind: 'user', limit: 7, ...(cursor === undefined ? {} : { cursor }) })
      expect(page.every((a) => a.kind === 'user')).toBe(true)
      ids.push(...page.map((a) => a.id))
      if (page.nextCursor === null) break
      cursor = page.nextCursor
    }
    const all = await h.ledger.allAccounts()
    expect(ids).toEqual(all.filter((a) => a.kind === 'user').map((a) => a.id))
    expect(ids).toEqual(expect.arrayContaining(users.map((u) => `user:${u.id}`)))
    expect((await h.ledger.accounts({ kind: 'treasury' })).map((a) => a.id)).toEqual(['treasury'])
  })

  it('keeps the chain over a restart: genesis is not repeated and new entries link on', async () => {
    const before = await h.ledger.download()
    await h.t.restart()
    const after = await h.ledger.download()
    expect(after.entries).toEqual(before.entries)
    expect(after.blocks).toEqual(before.blocks)
    const t = await users[3]!.wallet.transfer({ to: users[4]!.id, amount: 1n })
    expect(t.seq).toBe(before.entries.length + 1)
    const report = await h.ledger.verify()
    expect(report.problems).toEqual([])
    expect((await h.ledger.download()).entries.filter((e) => e.kind === 'genesis')).toHaveLength(2)
  })
})
