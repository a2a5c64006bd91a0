import { generateIdentity } from '@w3ai/crypto'
import { availableOf, balanceOf, verifyLedger, type TransferInput } from '@w3ai/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/open.js'
import type { Database } from '../src/db/types.js'
import { LedgerService } from '../src/domains/ledger/service.js'
import { SqlLedgerStore } from '../src/domains/ledger/store.js'
import { seedPgliteHome } from '../src/testing.js'
import { backends, dropSchema, freshDatabaseUrl, tempHome, until } from './helpers.js'

const signer = generateIdentity('node')
const errors: unknown[] = []
const settings = { faucet: true, faucetAmount: 100n, faucetCap: 1000n, genesisTreasury: 1_000_000n, genesisFaucet: 1_000_000n }

function service(db: Database, expiryIntervalMs = 3_600_000): LedgerService {
  return new LedgerService({
    store: new SqlLedgerStore(db),
    signer,
    settings,
    accountExists: async () => true,
    nodeExists: async () => true,
    expiryIntervalMs,
    onError: (err) => errors.push(err),
  })
}

async function verify(db: Database) {
  const store = new SqlLedgerStore(db)
  return verifyLedger({ entries: await store.journal(0, 1e6), blocks: await store.blocks(0, 1e6), accounts: await store.accountsPage('', 1e6), hubKeys: [signer.publicKey] })
}

/**
 * The service other domains call (settlement, staking): pending transfers posted, voided or
 * expired, linked chains all-or-nothing, and two hubs writing to one database in turn.
 */
describe.each(backends())('ledger service on %s', (backend) => {
  let db: Database
  let ledger: LedgerService
  let cleanup: () => Promise<void>
  let url: string | undefined

  beforeAll(async () => {
    const home = await tempHome()
    url = freshDatabaseUrl(backend)
    if (url === undefined) await seedPgliteHome(home.dir)
    db = await openDatabase({ home: home.dir, databaseUrl: url })
    ledger = service(db, 25)
    await ledger.start()
    cleanup = async () => {
      await ledger.stop()
      await db.close()
      if (url !== undefined) await dropSchema(url)
      await home.cleanup()
    }
  })
  afterAll(async () => {
    await cleanup?.()
    expect(errors).toEqual([])
  })

  it('reserves with a pending transfer, posts part of it and releases the rest', async () => {
    await ledger.transfer([{ id: 'fund-escrow-user', debit: 'treasury', credit: 'user:a_escrow', amount: 1000n, kind: 'reward' }])
    const p = await ledger.pending({ id: 'job-1-escrow', debit: 'user:a_escrow', credit: 'escrow:job-1', amount: 600n, kind: 'escrow', timeoutMs: 60_000 })
    expect(p.code).toBe('ok')
    const user = (await ledger.balanceOf('user:a_escrow'))!
    expect([balanceOf(user), availableOf(user), user.debitsPending]).toEqual([1000n, 400n, 600n])
    expect((await ledger.transfer([{ id: 'too-much', debit: 'user:a_escrow', credit: 'user:a_other', amount: 401n, kind: 'transfer' }]))[0]!.code).toBe('LEDGER_INSUFFICIENT_FUNDS')

    expect((await ledger.post('job-1-settle', 'job-1-escrow', 250n)).code).toBe('ok')
    const after = (await ledger.balanceOf('user:a_escrow'))!
    expect([balanceOf(after), availableOf(after), after.debitsPending]).toEqual([750n, 750n, 0n])
    expect(balanceOf((await ledger.balanceOf('escrow:job-1'))!)).toBe(250n)
    expect((await ledger.post('job-1-settle-again', 'job-1-escrow')).code).toBe('LEDGER_PENDING_CLOSED')

    await ledger.pending({ id: 'job-2-escrow', debit: 'user:a_escrow', credit: 'escrow:job-2', amount: 100n, kind: 'escrow', timeoutMs: 60_000 })
    expect((await ledger.void('job-2-cancel', 'job-2-escrow')).code).toBe('ok')
    expect(availableOf((await ledger.balanceOf('user:a_escrow'))!)).toBe(750n)
  })

  it('expires a pending transfer past its timeout on its own', async () => {
    await ledger.pending({ id: 'short-hold', debit: 'user:a_escrow', credit: 'escrow:short', amount: 50n, kind: 'escrow', timeoutMs: 30 })
    await until(async () => (await ledger.balanceOf('user:a_escrow'))!.debitsPending === 0n, 5000)
    expect((await ledger.post('late-post', 'short-hold')).code).toBe('LEDGER_PENDING_CLOSED')
    expect((await verify(db)).problems).toEqual([])
  })

  it('applies a linked chain all or nothing', async () => {
    const chain = (second: bigint): TransferInput[] => [
      { id: `fee-${second}`, debit: 'user:a_escrow', credit: 'treasury', amount: 10n, kind: 'fee', linked: true },
      { id: `burn-${second}`, debit: 'user:a_escrow', credit: 'burn', amount: second, kind: 'burn' },
    ]
    const failed = await ledger.transfer(chain(10_000n))
    expect(failed.map((r) => r.code)).toEqual(['LEDGER_LINKED_FAILED', 'LEDGER_INSUFFICIENT_FUNDS'])
    expect(balanceOf((await ledger.balanceOf('user:a_escrow'))!)).toBe(750n)
    expect((await ledger.transfer(chain(5n))).map((r) => r.code)).toEqual(['ok', 'ok'])
    expect(balanceOf((await ledger.balanceOf('burn'))!)).toBe(5n)
    expect((await ledger.transfer([{ ...chain(1n)[0]!, id: 'open-chain' }])).map((r) => r.code)).toEqual(['LEDGER_LINKED_OPEN'])
  })

  it('serializes two hubs on one database: one chain, every transfer applied once', async () => {
    // A second hub: its own connection (PostgreSQL) or the same embedded database (PGlite).
    const home = await tempHome()
    const second = url === undefined ? db : await openDatabase({ home: home.dir, databaseUrl: url })
    const other = service(second)
    try {
      await other.start() // genesis is not repeated: the ledger is not empty
      const users = Array.from({ length: 10 }, (_, i) => `user:a_hub${i}`)
      await ledger.transfer(users.map((u, i) => ({ id: `seed-${i}`, debit: 'treasury', credit: u, amount: 1000n, kind: 'reward' as const })))
      const sends = Array.from({ length: 400 }, (_, i) => ({ id: `two-hubs-${i}`, debit: users[i % 10]!, credit: users[(i * 7 + 3) % 10]!, amount: BigInt(1 + (i % 37)), kind: 'transfer' as const }))
      const results = await Promise.all(sends.map((t, i) => (i % 2 === 0 ? ledger : other).transfer([t])))
      expect(results.flat().filter((r) => r.code !== 'ok' && r.code !== 'LEDGER_SAME_ACCOUNT' && r.code !== 'LEDGER_INSUFFICIENT_FUNDS')).toEqual([])
      const report = await verify(db)
      expect(report.problems).toEqual([])
      expect(report.minted).toBe(2_000_000n)
    } finally {
      await other.stop()
      if (second !== db) await second.close()
      await home.cleanup()
    }
  })

  it('never answers from sums another hub has changed since: no double spend, refusals and retried ids rest on the rows', async () => {
    const home = await tempHome()
    const second = url === undefined ? db : await openDatabase({ home: home.dir, databaseUrl: url })
    const other = service(second)
    const send = (hub: LedgerService, id: string, amount: bigint, debit = 'user:a_cached') => hub.transfer([{ id, debit, credit: 'user:a_cached2', amount, kind: 'transfer' }]).then((r) => r[0]!.code)
    try {
      await other.start()
      await ledger.transfer([{ id: 'cached-fund', debit: 'treasury', credit: 'user:a_cached', amount: 100n, kind: 'reward' }])
      expect(await send(ledger, 'cached-1', 1n)).toBe('ok') // this hub now holds user:a_cached at 99
      expect(await send(other, 'cached-drain', 99n)).toBe('ok')
      expect(await send(ledger, 'cached-double', 50n)).toBe('LEDGER_INSUFFICIENT_FUNDS')
      await other.transfer([{ id: 'cached-refill', debit: 'treasury', credit: 'user:a_cached', amount: 30n, kind: 'reward' }])
      expect(await send(ledger, 'cached-spend', 30n)).toBe('ok') // refused by the held sums (0), applied on the rows (30)
      expect(await send(ledger, 'cached-spend', 30n)).toBe('exists')
      await ledger.transfer([{ id: 'cached-fund-2', debit: 'treasury', credit: 'user:a_cached', amount: 10n, kind: 'reward' }])
      expect(await send(ledger, 'cached-again', 4n)).toBe('ok')
      expect(await send(ledger, 'cached-again', 4n)).toBe('exists') // the held sums would allow it again: the stored id answers
      expect(await send(other, 'cached-again', 4n)).toBe('exists')
      const p = await other.pending({ id: 'cached-hold', debit: 'user:a_cached', credit: 'escrow:cached', amount: 5n, kind: 'escrow', timeoutMs: 60_000 })
      expect(p.code).toBe('ok')
      expect((await ledger.post('cached-post', 'cached-hold')).code).toBe('ok')
      expect(balanceOf((await ledger.balanceOf('user:a_cached'))!)).toBe(100n - 1n - 99n + 30n - 30n + 10n - 4n - 5n)
      const report = await verify(db)
      expect(report.problems).toEqual([])
    } finally {
      await other.stop()
      if (second !== db) await second.close()
      await home.cleanup()
    }
  })
})
