import { generateIdentity } from '@w3ai/crypto'
import { balanceOf, defaultParameters, quoteStorage, verifyLedger } from '@w3ai/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/open.js'
import type { Database } from '../src/db/types.js'
import { LedgerService } from '../src/domains/ledger/service.js'
import { SqlLedgerStore } from '../src/domains/ledger/store.js'
import { BillingStore } from '../src/domains/storage/billing-store.js'
import { StorageRewards } from '../src/domains/storage/rewards.js'
import { seedPgliteHome } from '../src/testing.js'
import { backends, dropSchema, freshDatabaseUrl, tempHome } from './helpers.js'

const signer = generateIdentity('node')
const EPOCH = 60_000
const HOUR = 3600_000
const OWNER = 'a_00000000000000000001'
const NODES = ['n_0000000000000000000a', 'n_0000000000000000000b']
const SHARD = 300_000

/**
 * Storage payments over a whole paid period, driven by the clock of the rewards service (a real
 * ledger and database, no nodes): every epoch of the hour is paid once however often the upkeep
 * runs, an hour the hubs were down is not paid for afterwards, the period ends with the rest of
 * the escrow refunded, a free (zero-cost) upload leaves no row, and an abandoned paid upload is
 * refunded.
 */
describe.each(backends())('storage payments over a paid period on %s', (backend) => {
  let db: Database
  let ledger: LedgerService
  let rewards: StorageRewards
  let store: BillingStore
  let now = Date.UTC(2030, 0, 1, 12, 0, 30)
  let cleanup: () => Promise<void>
  const errors: unknown[] = []

  const balance = async (id: string): Promise<bigint> => {
    const a = await ledger.balanceOf(id)
    return a === undefined ? 0n : balanceOf(a)
  }

  /** An upload of one segment with a piece on each node, audited and passed, its object created at `createdAt`. */
  const storedObject = async (uploadId: string, cid: string, createdAt: number): Promise<void> => {
    await db.query(`INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at, completed_at) VALUES ($1, $2, 1000, 65536, 1, 2, 2, 2, $3, $3)`, [uploadId, OWNER, new Date(createdAt + HOUR).toISOString()])
    await db.query(`INSERT INTO objects (cid, upload_id, owner, size, segments, k, n, repair_threshold, manifest, created_at) VALUES ($1, $2, $3, 1000, 1, 1, 2, 2, '{}'::jsonb, $4)`, [cid, uploadId, OWNER, new Date(createdAt).toISOString()])
    for (const [i, node] of NODES.entries()) {
      await db.query(`INSERT INTO pieces (upload_id, seg, piece_index, object_cid, cid, node_id, size, merkle_root, status, audited_at) VALUES ($1, 0, $2, $3, $4, $5, $6, 'r', 'healthy', now())`, [uploadId, i, cid, `${cid}p${i}`, node, SHARD])
    }
  }

  beforeAll(async () => {
    const home = await tempHome()
    const url = freshDatabaseUrl(backend)
    if (url === undefined) await seedPgliteHome(home.dir)
    db = await openDatabase({ home: home.dir, databaseUrl: url })
    ledger = new LedgerService({
      store: new SqlLedgerStore(db),
      signer,
      settings: { faucet: true, faucetAmount: 10n ** 18n, faucetCap: 10n ** 24n, genesisTreasury: 10n ** 24n, genesisFaucet: 10n ** 24n },
      accountExists: async () => true,
      nodeExists: async () => true,
      expiryIntervalMs: 3_600_000,
      onError: (err) => errors.push(err),
    })
    await ledger.start()
    const parameters = { all: async () => defaultParameters() }
    store = new BillingStore(db)
    rewards = new StorageRewards({ store, ledger, parameters, epochMs: EPOCH, defaultDurationHours: 1, now: () => now, log: () => undefined })
    for (const [i, node] of NODES.entries()) {
      await db.query(`INSERT INTO nodes (id, public_key, name, version, region, location, capabilities, endpoint, status) VALUES ($1, $2, 'n', '1', 'r', '{}'::jsonb, '{}'::jsonb, 'http://x', 'online')`, [node, `key${i}`])
    }
    await ledger.transfer([{ id: 'fund', debit: 'faucet', credit: `user:${OWNER}`, amount: 10n ** 21n, kind: 'faucet' }])
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

  it('pays every epoch of the period once, skips the time no hub ran, and refunds the rest at the end', async () => {
    const uploadId = 'u_000000000000000000000001'
    const createdAt = now
    await rewards.reserve(OWNER, uploadId, 2 * SHARD, 1)
    await rewards.escrow(OWNER, uploadId, 2 * SHARD)
    const escrowed = quoteStorage({ storedBytes: BigInt(2 * SHARD), hours: 1, pricePerGiBHour: defaultParameters().storagePricePerGiBHourMin })
    expect(await balance(`escrow:st:${uploadId}`)).toBe(escrowed)
    await storedObject(uploadId, 'bobject1', createdAt)
    await rewards.activated(uploadId)

    // The first 20 minutes, the upkeep running every 15 s: every epoch paid once (20 stretches, the first a partial one).
    for (; now < createdAt + 20 * 60_000; now += 15_000) await rewards.round()
    await rewards.round()
    const nodeIncome = async (): Promise<bigint> => (await balance(`node:${NODES[0]}`)) + (await balance(`node:${NODES[1]}`))
    const burned = (): Promise<bigint> => balance('burn')
    const paidFromEscrow = escrowed - (await balance(`escrow:st:${uploadId}`))
    expect(paidFromEscrow).toBeGreaterThan(0n)
    const journal = await new SqlLedgerStore(db).journal(0, 1e6)
    const stretchEnds = new Set(journal.filter((e) => e.transferId.startsWith('st:') && e.transferId.endsWith(`:${uploadId}:${NODES[0]}`)).map((e) => e.transferId.split(':')[1]))
    expect(stretchEnds.size).toBe(20)
    expect(await nodeIncome()).toBeGreaterThan(0n)
    expect(await burned()).toBeGreaterThan(0n)

    // No hub runs for 30 minutes: only the last epoch before the upkeep comes back is paid.
    now += 30 * 60_000
    const before = await balance(`escrow:st:${uploadId}`)
    await rewards.round()
    await rewards.round()
    const oneEpoch = (escrowed * BigInt(EPOCH)) / BigInt(HOUR)
    expect(before - (await balance(`escrow:st:${uploadId}`))).toBeLessThanOrEqual(oneEpoch)

    // Past the end of the hour: the last stretch is paid, the row closes and the rest goes back to the owner.
    now = createdAt + HOUR + 5 * EPOCH
    const owner = await balance(`user:${OWNER}`)
    await rewards.round()
    await rewards.round()
    expect(await balance(`escrow:st:${uploadId}`)).toBe(0n)
    const refund = (await new SqlLedgerStore(db).journal(0, 1e6)).find((e) => e.transferId === `sr:${uploadId}`)!
    expect(await balance(`user:${OWNER}`)).toBe(owner + BigInt(refund.amount))
    const paid = (await new SqlLedgerStore(db).journal(0, 1e6)).filter((e) => e.debit === `escrow:st:${uploadId}` && e.transferId.startsWith('st:')).reduce((s, e) => s + BigInt(e.amount), 0n)
    expect(paid + BigInt(refund.amount)).toBe(escrowed)
    // About 20 + 1 + the last epochs of 60 were paid: the skipped half hour went back to the owner.
    expect(BigInt(refund.amount)).toBeGreaterThan(escrowed / 3n)
    expect((await store.get(uploadId))?.closed).toBe(true)
  })

  it('keeps no row for a free upload and refunds an abandoned paid one', async () => {
    await rewards.reserve(OWNER, 'u_000000000000000000000002', 0, 1)
    await rewards.escrow(OWNER, 'u_000000000000000000000002', 0)
    await db.query(`INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at, completed_at) VALUES ('u_000000000000000000000002', $1, 0, 65536, 1, 2, 2, 2, $2, $2)`, [OWNER, new Date(now).toISOString()])
    // Paid, then never completed: its upload expires.
    await rewards.reserve(OWNER, 'u_000000000000000000000003', 2 * SHARD, 1)
    await rewards.escrow(OWNER, 'u_000000000000000000000003', 2 * SHARD)
    await db.query(`INSERT INTO uploads (id, owner, size, segment_size, k, n, repair_threshold, total_pieces, expires_at) VALUES ('u_000000000000000000000003', $1, 1000, 65536, 1, 2, 2, 2, $2)`, [OWNER, new Date(now + HOUR).toISOString()])
    await rewards.round()
    expect(await store.get('u_000000000000000000000002')).toBeUndefined()
    expect(await balance('escrow:st:u_000000000000000000000003')).toBeGreaterThan(0n)
    now += 2 * HOUR
    await rewards.round()
    expect(await balance('escrow:st:u_000000000000000000000003')).toBe(0n)
    const s = new SqlLedgerStore(db)
    const report = verifyLedger({ entries: await s.journal(0, 1e6), blocks: await s.blocks(0, 1e6), accounts: await s.accountsPage('', 1e6), hubKeys: [signer.publicKey] })
    expect(report.problems).toEqual([])
  })
})
