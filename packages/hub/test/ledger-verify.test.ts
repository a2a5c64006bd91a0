import { entryHash, type JournalEntry } from '@w3ai/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queryable } from '../src/db/types.js'
import { backends } from './helpers.js'
import { startLedgerHub, type LedgerHub } from './ledger-kit.js'

interface Tamper {
  name: string
  /** What someone with write access to the database does. */
  tamper: (db: Queryable) => Promise<void>
  /** Puts it back exactly. */
  undo: (db: Queryable) => Promise<void>
  /** Codes the SDK's verify must report (among others the damage causes). */
  codes: string[]
}

/**
 * Anyone can download the journal, the signed blocks and the accounts and check them: any row
 * changed, deleted or reordered directly in the hub's database is caught by LedgerClient.verify(),
 * and once it is put back the ledger verifies again.
 */
describe.each(backends())('ledger verify on %s', (backend) => {
  let h: LedgerHub
  let entries: JournalEntry[]

  beforeAll(async () => {
    h = await startLedgerHub(backend)
    const users = await Promise.all(Array.from({ length: 4 }, (_, i) => h.user(`u${i}`)))
    for (const u of users) await u.wallet.faucet(1000n)
    // Several blocks: a few rounds of concurrent transfers.
    for (let round = 0; round < 3; round++) {
      await Promise.all(users.map((u, i) => u.wallet.transfer({ to: users[(i + 1 + round) % users.length]!.id, amount: BigInt(10 + round), memo: `round ${round}` })))
    }
    entries = (await h.ledger.download()).entries
  }, 60_000)
  afterAll(() => h?.close())

  it('verifies the untouched ledger', async () => {
    const report = await h.ledger.verify()
    expect(report.problems).toEqual([])
    expect(report.ok).toBe(true)
    expect(report.entries).toBe(entries.length)
    expect(report.blocks).toBeGreaterThan(2)
  })

  it('verifies a ledger that moves while it is read (accounts, blocks and journal as of one moment)', async () => {
    const users = await Promise.all(Array.from({ length: 2 }, (_, i) => h.user(`mover${i}`)))
    for (const u of users) await u.wallet.faucet(100n)
    let moving = true
    const mover = (async () => {
      for (let i = 0; moving; i++) await users[i % 2]!.wallet.transfer({ to: users[(i + 1) % 2]!.id, amount: 1n })
    })()
    try {
      for (let i = 0; i < 3; i++) {
        const report = await h.ledger.verify()
        expect(report.problems).toEqual([])
      }
    } finally {
      moving = false
      await mover
    }
    entries = (await h.ledger.download()).entries
  })

  it('catches a changed, deleted or reordered journal row, a re-hashed tail, an edited block or account', async () => {
    const at = (seq: number): JournalEntry => entries[seq - 1] as JournalEntry
    const last = entries.length
    let deleted: Record<string, unknown> | undefined
    const cases: Tamper[] = [
      {
        name: 'an amount changed',
        tamper: (db) => db.query('UPDATE ledger_journal SET amount = amount + 1 WHERE seq = 5').then(() => undefined),
        undo: (db) => db.query('UPDATE ledger_journal SET amount = amount - 1 WHERE seq = 5').then(() => undefined),
        codes: ['LEDGER_CHAIN_BROKEN'],
      },
      {
        name: 'a credit redirected',
        tamper: (db) => db.query('UPDATE ledger_journal SET credit = $1 WHERE seq = 7', [at(8).credit]).then(() => undefined),
        undo: (db) => db.query('UPDATE ledger_journal SET credit = $1 WHERE seq = 7', [at(7).credit]).then(() => undefined),
        codes: ['LEDGER_CHAIN_BROKEN'],
      },
      {
        name: 'a row deleted',
        tamper: async (db) => {
          deleted = (await db.query<Record<string, unknown>>('SELECT * FROM ledger_journal WHERE seq = 6')).rows[0]
          await db.query('DELETE FROM ledger_journal WHERE seq = 6')
        },
        undo: async (db) => {
          const cols = Object.keys(deleted as object)
          await db.query(`INSERT INTO ledger_journal (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => (deleted as Record<string, unknown>)[c]))
        },
        codes: ['LEDGER_CHAIN_BROKEN'],
      },
      {
        name: 'two rows swapped',
        tamper: (db) => swap(db, 8, 9),
        undo: (db) => swap(db, 8, 9),
        codes: ['LEDGER_CHAIN_BROKEN'],
      },
      {
        name: 'the last entry changed and re-hashed',
        tamper: async (db) => {
          const forged = { ...at(last), amount: (BigInt(at(last).amount) + 1n).toString() }
          await db.query('UPDATE ledger_journal SET amount = $1, hash = $2 WHERE seq = $3', [forged.amount, entryHash(forged), last])
        },
        undo: (db) => db.query('UPDATE ledger_journal SET amount = $1, hash = $2 WHERE seq = $3', [at(last).amount, at(last).hash, last]).then(() => undefined),
        codes: ['LEDGER_CHAIN_BROKEN'],
      },
      {
        name: "a block's sealed hash replaced",
        tamper: (db) => db.query("UPDATE ledger_blocks SET last_hash = repeat('a', 64) WHERE height = 2").then(() => undefined),
        undo: (db) => db.query('UPDATE ledger_blocks SET last_hash = $1 WHERE height = 2', [blockLastHash]).then(() => undefined),
        codes: ['LEDGER_BLOCK_BAD_SIGNATURE'],
      },
      {
        name: 'an account credited',
        tamper: (db) => db.query('UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE id = $1', [at(last).credit]).then(() => undefined),
        undo: (db) => db.query('UPDATE ledger_accounts SET credits_posted = credits_posted - 1 WHERE id = $1', [at(last).credit]).then(() => undefined),
        codes: ['LEDGER_BALANCE_MISMATCH', 'LEDGER_INVARIANT_BROKEN'],
      },
    ]
    const blockLastHash = (await h.ledger.blocks({ limit: 2 }))[1]!.lastHash
    let previous: Tamper | undefined
    for (const c of cases) {
      await h.withDatabase(async (db) => {
        await previous?.undo(db)
        await c.tamper(db)
      })
      const report = await h.ledger.verify()
      expect(report.ok, c.name).toBe(false)
      expect(report.problems.map((p) => p.code), c.name).toEqual(expect.arrayContaining(c.codes))
      previous = c
    }
    await h.withDatabase(async (db) => previous?.undo(db))
    const report = await h.ledger.verify()
    expect(report.problems).toEqual([])
    expect((await h.ledger.download()).entries).toEqual(entries)
  }, 120_000)
})

/** Swaps two journal rows' positions (their seq) through a free seq. */
async function swap(db: Queryable, a: number, b: number): Promise<void> {
  await db.query('UPDATE ledger_journal SET seq = -1 WHERE seq = $1', [a])
  await db.query('UPDATE ledger_journal SET seq = $1 WHERE seq = $2', [a, b])
  await db.query('UPDATE ledger_journal SET seq = $1 WHERE seq = -1', [b])
}
