import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { canonicalJson, generateIdentity, verifyObject } from '@w3ai/crypto'
import { commitBatch, commitExpiry, entryHash, genesisBatch, LedgerVerifier, sealBlock, SimLedgerStore, verifyLedger, type Block, type JournalEntry, type VerifyInput } from '../src/index.js'
import { T0, tok } from './helpers.js'

const hub = generateIdentity('node')
const stranger = generateIdentity('node')

/** A small ledger with every kind of entry: genesis, faucet, transfers, escrow, pending post/void/expire, stake, burn. */
async function build(): Promise<{ store: SimLedgerStore; input: VerifyInput }> {
  const store = new SimLedgerStore()
  let clock = T0
  const opts = { signer: hub, now: () => new Date(clock) }
  await commitBatch(store, genesisBatch({ faucet: tok('1000'), treasury: tok('500') }), opts)
  await commitBatch(store, [
    { id: 'f1', debit: 'faucet', credit: 'user:a', amount: tok('100'), kind: 'faucet' },
    { id: 'f2', debit: 'faucet', credit: 'user:b', amount: tok('50'), kind: 'faucet' },
  ], opts)
  await commitBatch(store, [
    { id: 'e1', debit: 'user:a', credit: 'escrow:job', amount: tok('20'), kind: 'escrow', linked: true },
    { id: 'e2', debit: 'escrow:job', credit: 'node:n', amount: tok('15'), kind: 'settle', linked: true },
    { id: 'e3', debit: 'escrow:job', credit: 'burn', amount: tok('1'), kind: 'burn' },
    { id: 'h1', debit: 'user:b', credit: 'escrow:j2', amount: tok('7'), kind: 'escrow', pending: { timeoutMs: 1000 } },
    { id: 'h2', debit: 'user:b', credit: 'escrow:j2', amount: tok('3'), kind: 'escrow', pending: { timeoutMs: 1000 } },
    { id: 'h3', debit: 'user:a', credit: 'stake:n', amount: tok('4'), kind: 'stake', pending: { timeoutMs: 1000 } },
  ], opts)
  await commitBatch(store, [{ id: 'p1', post: 'h1', amount: tok('5') }, { id: 'v2', void: 'h2' }, { id: 's1', debit: 'user:a', credit: 'stake:n', amount: tok('9'), kind: 'stake' }], opts)
  clock += 5000
  const expired = await commitExpiry(store, opts)
  expect(expired.results.map((r) => r.id)).toEqual(['h3'])
  const { entries, blocks, accounts } = store.snapshot()
  return { store, input: { entries, blocks, accounts, hubKeys: [hub.publicKey] } }
}

function problemCodes(input: VerifyInput): string[] {
  return [...new Set(verifyLedger(input).problems.map((p) => p.code))].sort()
}

describe('journal and blocks', () => {
  let input: VerifyInput
  beforeAll(async () => {
    input = (await build()).input
  })

  it('each entry hashes prev ‖ canonicalJson(entry without hash), linking to the one before', () => {
    input.entries.forEach((e, i) => {
      const { hash, ...rest } = e
      expect(hash).toBe(createHash('sha256').update(e.prev + canonicalJson(rest)).digest('hex'))
      expect(e.prev).toBe(i === 0 ? '0'.repeat(64) : input.entries[i - 1]?.hash)
      expect(e.seq).toBe(i + 1)
    })
  })

  it('each block is signed by the hub over canonicalJson(block without signature) and seals its run of entries', () => {
    expect(input.blocks.map((b) => [b.height, b.firstSeq, b.lastSeq])).toEqual([[1, 1, 2], [2, 3, 4], [3, 5, 10], [4, 11, 13], [5, 14, 14]])
    for (const b of input.blocks) {
      const { signature, ...unsigned } = b
      expect(verifyObject(hub.publicKey, unsigned, signature)).toBe(true)
      expect(b.hubKey).toBe(hub.publicKey)
      expect(b.lastHash).toBe(input.entries[b.lastSeq - 1]?.hash)
    }
  })
})

describe('verifyLedger', () => {
  let input: VerifyInput
  beforeAll(async () => {
    input = (await build()).input
  })

  it('passes an untouched ledger and reports minted = balances + escrow + staked + burned, to the unit', () => {
    const r = verifyLedger(input)
    expect(r.problems).toEqual([])
    expect(r.ok).toBe(true)
    expect([r.entries, r.blocks]).toEqual([14, 5])
    expect(r.minted).toBe(tok('1500'))
    expect(r.burned).toBe(tok('1'))
    expect(r.staked).toBe(tok('9'))
    expect(r.escrow).toBe(tok('4') + tok('5'))
    expect(r.balances).toBe(tok('1500') - tok('1') - tok('9') - tok('9'))
  })

  it('a changed entry is LEDGER_CHAIN_BROKEN at its seq (and a replayed balance mismatch)', () => {
    const entries = input.entries.map((e) => (e.seq === 4 ? { ...e, amount: tok('49').toString() } : e))
    const r = verifyLedger({ ...input, entries })
    expect(r.problems[0]).toMatchObject({ code: 'LEDGER_CHAIN_BROKEN', seq: 4 })
    expect(problemCodes({ ...input, entries })).toEqual(['LEDGER_BALANCE_MISMATCH', 'LEDGER_CHAIN_BROKEN'])
  })

  it('a changed entry with its hash recomputed breaks the link of the next entry and its block', () => {
    const entries = input.entries.map((e) => (e.seq === 6 ? (() => { const x = { ...e, credit: 'user:thief' }; return { ...x, hash: entryHash(x) } })() : e))
    const r = verifyLedger({ ...input, entries })
    expect(r.problems.filter((p) => p.code === 'LEDGER_CHAIN_BROKEN').map((p) => p.seq)).toContain(7)
    expect(r.ok).toBe(false)
  })

  it('a deleted entry, in the middle or the last, is LEDGER_CHAIN_BROKEN', () => {
    const middle = input.entries.filter((e) => e.seq !== 8)
    expect(verifyLedger({ ...input, entries: middle }).problems[0]).toMatchObject({ code: 'LEDGER_CHAIN_BROKEN', seq: 8 })
    const last = input.entries.slice(0, -1)
    expect(problemCodes({ ...input, entries: last })).toContain('LEDGER_CHAIN_BROKEN')
  })

  it('reordered entries are LEDGER_CHAIN_BROKEN', () => {
    const entries = [...input.entries]
    ;[entries[4], entries[5]] = [entries[5] as JournalEntry, entries[4] as JournalEntry]
    expect(verifyLedger({ ...input, entries }).problems[0]).toMatchObject({ code: 'LEDGER_CHAIN_BROKEN', seq: 5 })
  })

  it('a block with a bad signature, a changed field or an untrusted key is LEDGER_BLOCK_BAD_SIGNATURE', () => {
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1)
    const tamper = (f: (b: Block) => Block): string[] => problemCodes({ ...input, blocks: input.blocks.map((b) => (b.height === 3 ? f(b) : b)) })
    expect(tamper((b) => ({ ...b, signature: flip(b.signature) }))).toEqual(['LEDGER_BLOCK_BAD_SIGNATURE'])
    expect(tamper((b) => ({ ...b, at: new Date(0).toISOString() }))).toContain('LEDGER_BLOCK_BAD_SIGNATURE')
    expect(tamper((b) => sealBlock(b, stranger))).toEqual(['LEDGER_BLOCK_BAD_SIGNATURE'])
    expect(problemCodes({ ...input, hubKeys: [stranger.publicKey] })).toEqual(['LEDGER_BLOCK_BAD_SIGNATURE'])
  })

  it('a deleted or reordered block is LEDGER_CHAIN_BROKEN', () => {
    expect(problemCodes({ ...input, blocks: input.blocks.filter((b) => b.height !== 2) })).toEqual(['LEDGER_CHAIN_BROKEN'])
    const blocks = [...input.blocks]
    ;[blocks[1], blocks[2]] = [blocks[2] as Block, blocks[1] as Block]
    expect(problemCodes({ ...input, blocks })).toEqual(['LEDGER_CHAIN_BROKEN'])
  })

  it('a whole journal rewritten with fresh hashes and blocks signed by another key fails on the signatures', () => {
    let prev = '0'.repeat(64)
    const entries = input.entries.map((e) => {
      const x = { ...e, prev, ...(e.seq === 4 ? { amount: tok('500').toString() } : {}) }
      prev = entryHash(x)
      return { ...x, hash: prev }
    })
    const blocks = input.blocks.map((b) => sealBlock({ ...b, lastHash: entries[b.lastSeq - 1]?.hash as string }, stranger))
    expect(problemCodes({ ...input, entries, blocks })).toContain('LEDGER_BLOCK_BAD_SIGNATURE')
  })

  it('an edited balance is LEDGER_BALANCE_MISMATCH naming the account; minting from nothing also breaks the invariant', () => {
    const moved = input.accounts.map((a) => (a.id === 'user:a' ? { ...a, creditsPosted: a.creditsPosted + 1n } : a.id === 'user:b' ? { ...a, creditsPosted: a.creditsPosted - 1n } : a))
    const r = verifyLedger({ ...input, accounts: moved })
    expect(r.problems.map((p) => [p.code, p.account])).toEqual([
      ['LEDGER_BALANCE_MISMATCH', 'user:a'],
      ['LEDGER_BALANCE_MISMATCH', 'user:b'],
    ])
    const minted = input.accounts.map((a) => (a.id === 'user:a' ? { ...a, creditsPosted: a.creditsPosted + 1n } : a))
    expect(problemCodes({ ...input, accounts: minted })).toEqual(['LEDGER_BALANCE_MISMATCH', 'LEDGER_INVARIANT_BROKEN'])
    expect(problemCodes({ ...input, accounts: input.accounts.filter((a) => a.id !== 'burn') })).toEqual(['LEDGER_BALANCE_MISMATCH', 'LEDGER_INVARIANT_BROKEN'])
  })

  it('streaming pages (blocks ahead of entries or behind) gives the same report as verifying at once', () => {
    const v = new LedgerVerifier([hub.publicKey])
    v.addBlocks(input.blocks.slice(0, 3))
    v.addEntries(input.entries.slice(0, 4))
    expect(v.report(input.accounts).ok).toBe(false)
    v.addEntries(input.entries.slice(4, 12))
    v.addBlocks(input.blocks.slice(3))
    v.addEntries(input.entries.slice(12))
    expect(v.report(input.accounts)).toEqual(verifyLedger(input))
  })
})
