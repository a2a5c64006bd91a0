/**
 * Ledger throughput: transfers per second through the hub's ledger service in process
 * (LedgerService.transfer, as settlement calls it: no HTTP, no request signatures), with every
 * transfer checked by the engine, hash-chained into the journal and each batch closed by a block
 * signed with ed25519; `--concurrency` submitters keep that many transfers in flight, and the
 * service's batcher turns whatever is waiting into one transaction (one advisory lock, one block,
 * one signature, multi-row writes), one round trip once the service holds the batch's accounts
 * (ledger_append, checked against the journal head). On PGlite and, with W3AI_TEST_DATABASE_URL, on
 * PostgreSQL (a fresh schema, dropped after). Baseline in the same run, on the same PostgreSQL:
 * plain unsigned single-row INSERTs of the same rows (id, debit, credit, amount), autocommit, at
 * the same number in flight over the same 10-connection pool, and one at a time. After each run the
 * whole ledger is verified (chain, signatures, balances, supply). The headline figures are at the
 * first concurrency; the others show how batches grow with the load.
 *
 *   npm run bench -- ledger [--transfers 20000] [--concurrency 64,256] [--accounts 1000] [--baseline 20000]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateIdentity } from '@w3ai/crypto'
import { verifyLedger, type TransferInput } from '@w3ai/ledger'
import { dropSchema, freshDatabaseUrl, seedPgliteHome } from '@w3ai/hub/testing'
import { seededRandom } from '@w3ai/util'
import { openDatabase } from '../packages/hub/src/db/open.js'
import type { Database } from '../packages/hub/src/db/types.js'
import { LedgerService } from '../packages/hub/src/domains/ledger/service.js'
import { SqlLedgerStore } from '../packages/hub/src/domains/ledger/store.js'
import { printTable, runConcurrent, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    transfers: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '64,256' },
    accounts: { type: 'string', default: '1000' },
    baseline: { type: 'string', default: '20000' },
  },
})
const TRANSFERS = Number(values.transfers)
const LEVELS = values.concurrency.split(',').map(Number)
const CONCURRENCY = LEVELS[0] as number
const ACCOUNTS = Number(values.accounts)
const BASELINE = Number(values.baseline)
const WARMUP = 2000
const pgUrl = process.env.W3AI_TEST_DATABASE_URL

interface LedgerRun {
  backend: 'pglite' | 'postgres'
  concurrency: number
  transfers: number
  applied: number
  perSec: number
  seconds: number
  blocks: number
  meanBatch: number
  verifyOk: boolean
  verifySeconds: number
}

const signer = generateIdentity('node')

/** A fresh, migrated database: PGlite in a temporary directory, or a new schema of the test PostgreSQL. */
async function freshDatabase(backend: 'pglite' | 'postgres'): Promise<{ db: Database; done: () => Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-ledger-'))
  const url = backend === 'postgres' ? freshDatabaseUrl('postgres', { W3AI_TEST_DATABASE_URL: pgUrl }) : undefined
  if (url === undefined) await seedPgliteHome(home)
  const db = await openDatabase({ home, databaseUrl: url })
  return {
    db,
    done: async () => {
      await db.close()
      if (url !== undefined) await dropSchema(url)
      await rm(home, { recursive: true, force: true })
    },
  }
}

const accountIds = Array.from({ length: ACCOUNTS }, (_, i) => `user:a_bench${String(i).padStart(6, '0')}`)

/** `count` random transfers between the accounts, small enough that all of them are applied. */
function workload(count: number, seed: number, prefix: string): TransferInput[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, i) => {
    const from = Math.floor(random() * ACCOUNTS)
    const to = (from + 1 + Math.floor(random() * (ACCOUNTS - 1))) % ACCOUNTS
    return { id: `${prefix}-${i}`, debit: accountIds[from]!, credit: accountIds[to]!, amount: BigInt(1 + Math.floor(random() * 1000)), kind: 'transfer' }
  })
}

async function ledgerRun(backend: 'pglite' | 'postgres', concurrency: number): Promise<LedgerRun> {
  const { db, done } = await freshDatabase(backend)
  const store = new SqlLedgerStore(db)
  const ledger = new LedgerService({
    store,
    signer,
    settings: { faucet: false, faucetAmount: 0n, faucetCap: 0n, genesisTreasury: 10n ** 30n, genesisFaucet: 0n },
    accountExists: async () => true,
    nodeExists: async () => true,
    expiryIntervalMs: 3_600_000,
    onError: (err) => console.error(err),
  })
  try {
    await ledger.start()
    const funded = await ledger.transfer(accountIds.map((credit, i) => ({ id: `fund-${i}`, debit: 'treasury', credit, amount: 10n ** 24n, kind: 'reward' as const })))
    if (funded.some((r) => r.code !== 'ok')) throw new Error('funding failed')
    const submit = (batch: TransferInput[]) => (i: number) => ledger.transfer([batch[i]!]).then(([r]) => {
      if (r?.code !== 'ok') throw new Error(`transfer ${batch[i]!.id}: ${r?.code}`)
    })
    const warm = workload(WARMUP, 1, 'warm')
    await runConcurrent(warm.length, concurrency, submit(warm))
    const blocksBefore = (await store.blocks(0, 1e9)).length
    const batch = workload(TRANSFERS, 2, 'bench')
    const { perSec, ms } = await runConcurrent(batch.length, concurrency, submit(batch))
    const blocks = (await store.blocks(0, 1e9)).length - blocksBefore

    const t0 = performance.now()
    const report = verifyLedger({ entries: await store.journal(0, 1e9), blocks: await store.blocks(0, 1e9), accounts: await store.accountsPage('', 1e9), hubKeys: [signer.publicKey] })
    const verifySeconds = (performance.now() - t0) / 1000
    if (!report.ok) console.error(report.problems.slice(0, 5))
    return { backend, concurrency, transfers: TRANSFERS, applied: TRANSFERS, perSec, seconds: ms / 1000, blocks, meanBatch: TRANSFERS / blocks, verifyOk: report.ok, verifySeconds }
  } finally {
    await ledger.stop()
    await done()
  }
}

/** Plain single-row INSERTs, each its own transaction: what PostgreSQL does with no ledger at all. */
async function baselineRun(concurrency: number): Promise<{ perSec: number; seconds: number }> {
  const { db, done } = await freshDatabase('postgres')
  try {
    await db.query('CREATE TABLE bench_transfers (id text PRIMARY KEY, debit text NOT NULL, credit text NOT NULL, amount NUMERIC(39,0) NOT NULL)')
    const rows = workload(BASELINE, 3, 'plain')
    const insert = (i: number): Promise<void> => {
      const t = rows[i]!
      return db.query('INSERT INTO bench_transfers (id, debit, credit, amount) VALUES ($1, $2, $3, $4)', [t.id, t.debit, t.credit, t.amount!.toString()]).then(() => undefined)
    }
    await runConcurrent(Math.min(WARMUP, BASELINE), concurrency, (i) => db.query('INSERT INTO bench_transfers (id, debit, credit, amount) VALUES ($1, $2, $3, $4)', [`warm-${i}`, 'a', 'b', '1']).then(() => undefined))
    const { perSec, ms } = await runConcurrent(rows.length, concurrency, insert)
    return { perSec, seconds: ms / 1000 }
  } finally {
    await done()
  }
}

const runs: LedgerRun[] = []
const baselines: Array<{ concurrency: number; perSec: number; seconds: number }> = []
for (const level of LEVELS) {
  runs.push(await ledgerRun('pglite', level))
  if (pgUrl) {
    runs.push(await ledgerRun('postgres', level))
    baselines.push({ concurrency: level, ...(await baselineRun(level)) })
  }
}
if (pgUrl) baselines.push({ concurrency: 1, ...(await baselineRun(1)) })
if (!pgUrl) console.log('\nW3AI_TEST_DATABASE_URL is not set: PostgreSQL runs and the baseline skipped.')

const rows: Array<Array<string | number>> = runs.map((r) => [
  `ledger, ${r.backend}, ${r.concurrency} in flight`,
  Math.round(r.perSec),
  r.seconds.toFixed(2),
  r.blocks,
  r.meanBatch.toFixed(1),
  r.verifyOk ? `ok, ${r.verifySeconds.toFixed(2)} s` : 'FAILED',
])
for (const b of baselines) rows.push([`plain INSERT, postgres, ${b.concurrency === 1 ? 'one at a time' : `${b.concurrency} in flight`}`, Math.round(b.perSec), b.seconds.toFixed(2), '-', '1', '-'])
printTable(`Ledger: ${TRANSFERS.toLocaleString('en-US')} transfers among ${ACCOUNTS} accounts through the in-process LedgerService (no HTTP); hash-chained, one signed block per batch`, ['run', 'per s', 'seconds', 'blocks', 'per block', 'verify'], rows)

const pglite = runs.find((r) => r.backend === 'pglite' && r.concurrency === CONCURRENCY) as LedgerRun
const postgres = runs.find((r) => r.backend === 'postgres' && r.concurrency === CONCURRENCY)
const baseline = baselines.find((b) => b.concurrency === CONCURRENCY)
const ratio = postgres && baseline ? postgres.perSec / baseline.perSec : null
if (ratio !== null) console.log(`\nAt ${CONCURRENCY} in flight: PostgreSQL ledger / plain INSERT ${ratio.toFixed(2)}x (target >= 0.5); ${Math.round(postgres!.perSec)} transfers/s (target >= 10,000: ${postgres!.perSec >= 10_000 ? 'met' : 'missed'})`)

const path = await writeResult('ledger', {
  mode: 'in-process LedgerService.transfer, one transfer per call, no HTTP or request signatures; engine checks, hash chain, one ed25519-signed block per batch',
  transfers: TRANSFERS,
  concurrency: CONCURRENCY,
  accounts: ACCOUNTS,
  transfersPerSecPostgres: postgres ? Math.round(postgres.perSec) : null,
  transfersPerSecPglite: Math.round(pglite.perSec),
  baselineInsertsPerSecPostgres: baseline ? Math.round(baseline.perSec) : null,
  baselineInsertsPerSecPostgresSerial: Math.round(baselines.find((b) => b.concurrency === 1)?.perSec ?? 0) || null,
  ratioToBaseline: ratio,
  runs: runs.map((r) => ({ backend: r.backend, concurrency: r.concurrency, transfersPerSec: Math.round(r.perSec), blocks: r.blocks, meanTransfersPerBlock: r.meanBatch, verified: r.verifyOk })),
  baselines: baselines.map((b) => ({ concurrency: b.concurrency, insertsPerSec: Math.round(b.perSec) })),
  verified: runs.every((r) => r.verifyOk),
  /** The machine's 1-minute load average at the end (other work slows every figure). */
  loadAverage: loadavg()[0],
  note: pgUrl ? undefined : 'W3AI_TEST_DATABASE_URL unset: PostgreSQL and baseline skipped',
})
console.log(`\nwrote ${path}`)
