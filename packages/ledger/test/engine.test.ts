import { describe, expect, it } from 'vitest'
import { availableOf, MAX_AMOUNT, openAccount, ZERO_HASH, type TransferInput } from '../src/index.js'
import { funded, MapLedger, tok } from './helpers.js'

const pay = (id: string, debit: string, credit: string, tokens: string, extra: Partial<TransferInput> = {}): TransferInput => ({ id, debit, credit, amount: tok(tokens), kind: 'transfer', ...extra })
const codes = (o: { results: { code: string }[] }): string[] => o.results.map((r) => r.code)

describe('applyBatch: plain transfers', () => {
  it('moves posted units from debit to credit and journals one entry per transfer, closed by one block', () => {
    const l = funded()
    const before = l.head
    const o = l.run([pay('t1', 'user:a', 'user:b', '1.5'), pay('t2', 'user:b', 'node:n1', '0.5')])
    expect(codes(o)).toEqual(['ok', 'ok'])
    expect(l.balance('user:a')).toBe(tok('98.5'))
    expect(l.balance('user:b')).toBe(tok('101'))
    expect(l.balance('node:n1')).toBe(tok('0.5'))
    expect(o.journal.map((e) => [e.seq, e.transferId, e.amount])).toEqual([
      [before.seq + 1, 't1', tok('1.5').toString()],
      [before.seq + 2, 't2', tok('0.5').toString()],
    ])
    expect(o.journal[0]?.prev).toBe(before.hash)
    expect(o.block).toMatchObject({ height: before.height + 1, firstSeq: before.seq + 1, lastSeq: before.seq + 2, prevBlockHash: before.blockHash })
    expect(o.results[1]?.transfer).toMatchObject({ id: 't2', status: 'posted', action: 'transfer', seq: before.seq + 2 })
    expect(o.accountDeltas.find((d) => d.id === 'node:n1')).toMatchObject({ created: true, delta: { creditsPosted: tok('0.5') } })
    expect(o.accountDeltas.find((d) => d.id === 'user:a')).toMatchObject({ created: false, delta: { debitsPosted: tok('1.5'), creditsPosted: 0n } })
  })

  it('genesis starts the chain at 64 zeros, and the genesis account goes negative by what it minted', () => {
    const l = funded({})
    expect(l.transfers.get('genesis:faucet')?.seq).toBe(1)
    expect(l.balance('genesis')).toBe(-tok('2000'))
    expect(l.head.height).toBe(1)
    const fresh = new MapLedger()
    const o = fresh.run([pay('g', 'genesis', 'treasury', '1', { kind: 'genesis' })])
    expect(o.journal[0]?.prev).toBe(ZERO_HASH)
    expect(o.block?.prevBlockHash).toBe(ZERO_HASH)
  })

  it('a retried id with the same fields answers exists with the first outcome, even after balances changed', () => {
    const l = funded()
    const first = l.run([pay('once', 'user:a', 'user:b', '60')])
    expect(codes(first)).toEqual(['ok'])
    l.run([pay('drain', 'user:a', 'user:b', '40')])
    expect(l.balance('user:a')).toBe(0n)
    const again = l.run([pay('once', 'user:a', 'user:b', '60')])
    expect(codes(again)).toEqual(['exists'])
    expect(again.results[0]?.transfer).toEqual(first.results[0]?.transfer)
    expect(again.journal).toEqual([])
    expect(again.block).toBeNull()
    expect(l.balance('user:b')).toBe(tok('200'))
  })

  it('the same id twice in one batch applies once', () => {
    const l = funded()
    expect(codes(l.run([pay('dup', 'user:a', 'user:b', '1'), pay('dup', 'user:a', 'user:b', '1')]))).toEqual(['ok', 'exists'])
    expect(l.balance('user:a')).toBe(tok('99'))
  })

  it('a retried id with other fields is LEDGER_ID_CONFLICT and changes nothing', () => {
    const l = funded()
    l.run([pay('x', 'user:a', 'user:b', '1')])
    for (const other of [pay('x', 'user:a', 'user:b', '2'), pay('x', 'user:a', 'node:n', '1'), pay('x', 'user:a', 'user:b', '1', { memo: 'hi' }), pay('x', 'user:a', 'user:b', '1', { kind: 'fee' }), pay('x', 'user:a', 'user:b', '1', { pending: { timeoutMs: 1000 } })]) {
      expect(codes(l.run([other]))).toEqual(['LEDGER_ID_CONFLICT'])
    }
    expect(l.balance('user:a')).toBe(tok('99'))
  })

  it('refuses an overdraft with LEDGER_INSUFFICIENT_FUNDS, writing nothing (the id may be used again)', () => {
    const l = funded()
    const o = l.run([pay('big', 'user:a', 'user:b', '100.000000000000000001')])
    expect(codes(o)).toEqual(['LEDGER_INSUFFICIENT_FUNDS'])
    expect([o.journal, o.accountDeltas, o.newTransfers, o.block]).toEqual([[], [], [], null])
    expect(codes(l.run([pay('big', 'user:a', 'user:b', '100')]))).toEqual(['ok'])
    expect(l.balance('user:a')).toBe(0n)
  })

  it('refuses unknown accounts, the same account, bad amounts and overflows with their codes', () => {
    const l = funded()
    const o = l.run([
      pay('u1', 'user:a', 'nobody', '1'),
      pay('u2', 'user:a', 'user:', '1'),
      pay('s1', 'user:a', 'user:a', '1'),
      { id: 'z', debit: 'user:a', credit: 'user:b', amount: 0n, kind: 'transfer' },
      { id: 'neg', debit: 'user:a', credit: 'user:b', amount: -1n, kind: 'transfer' },
      { id: 'none', debit: 'user:a', credit: 'user:b', kind: 'transfer' },
      { id: 'huge', debit: 'genesis', credit: 'user:b', amount: MAX_AMOUNT + 1n, kind: 'genesis' },
    ])
    expect(codes(o)).toEqual(['LEDGER_UNKNOWN_ACCOUNT', 'LEDGER_UNKNOWN_ACCOUNT', 'LEDGER_SAME_ACCOUNT', 'LEDGER_BAD_AMOUNT', 'LEDGER_BAD_AMOUNT', 'LEDGER_BAD_AMOUNT', 'LEDGER_AMOUNT_OVERFLOW'])
    expect(o.journal).toEqual([])
    // A sum that would pass 2^127 - 1 overflows too.
    expect(codes(l.run([{ id: 'max', debit: 'genesis', credit: 'user:rich', amount: MAX_AMOUNT - tok('2000'), kind: 'genesis' }]))).toEqual(['ok'])
    expect(codes(l.run([{ id: 'more', debit: 'genesis', credit: 'user:b', amount: 1n, kind: 'genesis' }]))).toEqual(['LEDGER_AMOUNT_OVERFLOW'])
  })

  it('opens missing accounts only where the open policy allows', () => {
    const l = funded()
    const known = new Set(['user:a', 'user:b', 'user:c'])
    const o = l.run([pay('p1', 'user:a', 'user:c', '1'), pay('p2', 'user:a', 'user:stranger', '1')], { open: (id) => known.has(id) })
    expect(codes(o)).toEqual(['ok', 'LEDGER_UNKNOWN_ACCOUNT'])
    expect(l.accounts.has('user:stranger')).toBe(false)
  })

  it('refuses malformed transfers with LEDGER_BAD_TRANSFER', () => {
    const l = funded()
    const o = l.run([
      pay('has space', 'user:a', 'user:b', '1'),
      pay('x'.repeat(65), 'user:a', 'user:b', '1'),
      pay('m', 'user:a', 'user:b', '1', { memo: 'x'.repeat(201) }),
      pay('k', 'user:a', 'user:b', '1', { kind: 'gift' as never }),
      pay('t0', 'user:a', 'user:b', '1', { pending: { timeoutMs: 0 } }),
      pay('t1', 'user:a', 'user:b', '1', { pending: { timeoutMs: 1.5 } }),
      { id: 'pv', post: 'a', void: 'b' },
      { id: 'nd', credit: 'user:b', amount: 1n, kind: 'transfer' },
    ])
    expect(codes(o)).toEqual(Array(8).fill('LEDGER_BAD_TRANSFER'))
    expect(codes(l.run([pay('m2', 'user:a', 'user:b', '1', { memo: 'x'.repeat(200) })]))).toEqual(['ok'])
  })
})

describe('applyBatch: pending transfers', () => {
  it('reserves: balance unchanged, available down; posting part moves that part and releases the rest', () => {
    const l = funded()
    expect(codes(l.run([pay('hold', 'user:a', 'escrow:job1', '30', { kind: 'escrow', pending: { timeoutMs: 60_000 } })]))).toEqual(['ok'])
    const a = l.accounts.get('user:a')!
    expect([l.balance('user:a'), availableOf(a), a.debitsPending]).toEqual([tok('100'), tok('70'), tok('30')])
    expect(l.transfers.get('hold')).toMatchObject({ status: 'pending', timeoutAt: new Date(l.clock + 60_000).toISOString() })
    // Reserved units cannot be spent twice.
    expect(codes(l.run([pay('over', 'user:a', 'user:b', '70.1')]))).toEqual(['LEDGER_INSUFFICIENT_FUNDS'])
    l.clock += 1000
    const post = l.run([{ id: 'settle', post: 'hold', amount: tok('12') }])
    expect(codes(post)).toEqual(['ok'])
    expect(post.results[0]?.transfer).toMatchObject({ action: 'post', status: 'posted', pendingId: 'hold', amount: tok('12'), debit: 'user:a', credit: 'escrow:job1' })
    expect(post.updatedTransfers.map((t) => [t.id, t.status])).toEqual([['hold', 'posted']])
    expect(l.balance('user:a')).toBe(tok('88'))
    expect(l.accounts.get('user:a')?.debitsPending).toBe(0n)
    expect(l.balance('escrow:job1')).toBe(tok('12'))
    expect(l.accounts.get('escrow:job1')?.creditsPending).toBe(0n)
    // Posting or voiding it again: closed. A retry of the post: exists.
    expect(codes(l.run([{ id: 'settle-2', post: 'hold' }, { id: 'v', void: 'hold' }, { id: 'settle', post: 'hold', amount: tok('12') }]))).toEqual(['LEDGER_PENDING_CLOSED', 'LEDGER_PENDING_CLOSED', 'exists'])
  })

  it('a post defaults to the whole amount and may not exceed it; a void releases everything', () => {
    const l = funded()
    l.run([pay('h1', 'user:a', 'user:b', '10', { pending: { timeoutMs: 60_000 } }), pay('h2', 'user:a', 'user:b', '10', { pending: { timeoutMs: 60_000 } })])
    expect(codes(l.run([{ id: 'p-over', post: 'h1', amount: tok('10') + 1n }]))).toEqual(['LEDGER_BAD_AMOUNT'])
    expect(codes(l.run([{ id: 'v-part', void: 'h2', amount: tok('1') }]))).toEqual(['LEDGER_BAD_AMOUNT'])
    expect(codes(l.run([{ id: 'p-other', post: 'h1', credit: 'user:c' }]))).toEqual(['LEDGER_BAD_TRANSFER'])
    expect(codes(l.run([{ id: 'p1', post: 'h1', debit: 'user:a', credit: 'user:b' }, { id: 'v2', void: 'h2' }]))).toEqual(['ok', 'ok'])
    expect(l.balance('user:b')).toBe(tok('110'))
    expect(l.balance('user:a')).toBe(tok('90'))
    expect(l.accounts.get('user:a')).toMatchObject({ debitsPending: 0n })
    expect(l.transfers.get('h2')?.status).toBe('voided')
    expect(l.transfers.get('v2')).toMatchObject({ action: 'void', status: 'voided', amount: tok('10') })
  })

  it('posting an unknown or a plain transfer is LEDGER_PENDING_NOT_FOUND', () => {
    const l = funded()
    l.run([pay('plain', 'user:a', 'user:b', '1')])
    expect(codes(l.run([{ id: 'p1', post: 'ghost' }, { id: 'p2', post: 'plain' }, { id: 'p3', void: 'ghost' }]))).toEqual(['LEDGER_PENDING_NOT_FOUND', 'LEDGER_PENDING_NOT_FOUND', 'LEDGER_PENDING_NOT_FOUND'])
  })

  it('past its timeout a pending transfer cannot be posted; expiry releases it and marks it expired', () => {
    const l = funded()
    l.run([pay('h', 'user:a', 'user:b', '25', { pending: { timeoutMs: 5_000 } }), pay('long', 'user:a', 'user:b', '5', { pending: { timeoutMs: 60_000 } })])
    l.clock += 4_999
    expect(l.expire(['h', 'long']).results).toEqual([])
    l.clock += 1
    expect(codes(l.run([{ id: 'late', post: 'h' }]))).toEqual(['LEDGER_PENDING_EXPIRED'])
    const o = l.expire(['h', 'long', 'nothing'])
    expect(o.results.map((r) => [r.id, r.code, r.transfer?.status])).toEqual([['h', 'ok', 'expired']])
    expect(o.journal.map((e) => [e.action, e.transferId, e.pendingId, e.amount])).toEqual([['expire', 'h', 'h', tok('25').toString()]])
    expect(o.block).not.toBeNull()
    expect(l.accounts.get('user:a')).toMatchObject({ debitsPending: tok('5'), debitsPosted: 0n })
    expect(codes(l.run([{ id: 'late', post: 'h' }]))).toEqual(['LEDGER_PENDING_CLOSED'])
    expect(l.expire(['h']).results).toEqual([])
  })

  it('a pending transfer may be created and posted in the same batch', () => {
    const l = funded()
    const o = l.run([pay('h', 'user:a', 'user:b', '3', { pending: { timeoutMs: 1000 } }), { id: 'p', post: 'h' }])
    expect(codes(o)).toEqual(['ok', 'ok'])
    expect(o.newTransfers.find((t) => t.id === 'h')?.status).toBe('posted')
    expect(o.updatedTransfers).toEqual([])
    expect(l.balance('user:b')).toBe(tok('103'))
  })
})

describe('applyBatch: linked chains', () => {
  it('a chain with a failing member applies none of it; the failing one says why, the others LEDGER_LINKED_FAILED', () => {
    const l = funded()
    const o = l.run([
      pay('c1', 'user:a', 'user:b', '10', { linked: true }),
      pay('c2', 'user:b', 'node:n', '5', { linked: true }),
      pay('c3', 'user:a', 'user:b', '95', { linked: true }),
      pay('c4', 'user:b', 'user:a', '1'),
      pay('after', 'user:a', 'user:b', '1'),
    ])
    expect(codes(o)).toEqual(['LEDGER_LINKED_FAILED', 'LEDGER_LINKED_FAILED', 'LEDGER_INSUFFICIENT_FUNDS', 'LEDGER_LINKED_FAILED', 'ok'])
    expect(o.journal.map((e) => e.transferId)).toEqual(['after'])
    expect(o.journal[0]?.seq).toBe(l.head.seq)
    expect(l.balance('user:a')).toBe(tok('99'))
    expect(l.accounts.has('node:n')).toBe(false)
    expect(o.newTransfers.map((t) => t.id)).toEqual(['after'])
  })

  it('a chain that holds applies whole, and a retry of it answers exists for each', () => {
    const l = funded()
    const chain = [pay('k1', 'user:a', 'escrow:j', '10', { kind: 'escrow', linked: true }), pay('k2', 'escrow:j', 'node:n', '8', { kind: 'settle', linked: true }), pay('k3', 'escrow:j', 'burn', '2', { kind: 'burn' })]
    expect(codes(l.run(chain))).toEqual(['ok', 'ok', 'ok'])
    expect([l.balance('escrow:j'), l.balance('node:n'), l.balance('burn')]).toEqual([0n, tok('8'), tok('2')])
    expect(codes(l.run(chain))).toEqual(['exists', 'exists', 'exists'])
  })

  it('a batch that ends inside a chain applies none of the chain: LEDGER_LINKED_OPEN', () => {
    const l = funded()
    const o = l.run([pay('ok1', 'user:a', 'user:b', '1'), pay('o1', 'user:a', 'user:b', '1', { linked: true }), pay('o2', 'user:a', 'user:b', '1', { linked: true })])
    expect(codes(o)).toEqual(['ok', 'LEDGER_LINKED_FAILED', 'LEDGER_LINKED_OPEN'])
    expect(l.balance('user:a')).toBe(tok('99'))
  })

  it('rolls back pending reservations and posts made earlier in the failed chain', () => {
    const l = funded()
    l.run([pay('h', 'user:a', 'user:b', '10', { pending: { timeoutMs: 60_000 } })])
    const o = l.run([{ id: 'ph', post: 'h', linked: true }, pay('h2', 'user:a', 'user:b', '20', { pending: { timeoutMs: 1000 }, linked: true }), pay('bad', 'user:a', 'user:a', '1')])
    expect(codes(o)).toEqual(['LEDGER_LINKED_FAILED', 'LEDGER_LINKED_FAILED', 'LEDGER_SAME_ACCOUNT'])
    expect(l.transfers.get('h')?.status).toBe('pending')
    expect(l.transfers.has('h2')).toBe(false)
    expect(l.accounts.get('user:a')).toMatchObject({ debitsPending: tok('10'), debitsPosted: 0n })
  })
})

describe('applyBatch: account flags', () => {
  it('debits must not exceed credits counts pending debits; the genesis account has no such flag', () => {
    const l = funded()
    l.run([pay('h', 'user:a', 'user:b', '99', { pending: { timeoutMs: 1000 } })])
    expect(codes(l.run([pay('x', 'user:a', 'user:b', '2')]))).toEqual(['LEDGER_INSUFFICIENT_FUNDS'])
    expect(codes(l.run([pay('y', 'user:a', 'user:b', '1')]))).toEqual(['ok'])
    expect(codes(l.run([{ id: 'g', debit: 'genesis', credit: 'treasury', amount: tok('5'), kind: 'genesis' }]))).toEqual(['ok'])
  })

  it('credits must not exceed debits refuses a credit past what the account paid out: LEDGER_EXCEEDS_DEBITS', () => {
    const l = funded()
    const capped = { ...openAccount('user:capped')!, flags: { debitsMustNotExceedCredits: false, creditsMustNotExceedDebits: true } }
    l.accounts.set(capped.id, capped)
    expect(codes(l.run([pay('in', 'user:a', 'user:capped', '1')]))).toEqual(['LEDGER_EXCEEDS_DEBITS'])
    expect(codes(l.run([pay('out', 'user:capped', 'user:b', '3'), pay('in2', 'user:a', 'user:capped', '3'), pay('in3', 'user:a', 'user:capped', '0.000000000000000001')]))).toEqual(['ok', 'ok', 'LEDGER_EXCEEDS_DEBITS'])
  })
})
