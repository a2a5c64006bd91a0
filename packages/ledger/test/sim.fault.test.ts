/**
 * Deterministic fault injection (TigerBeetle's VOPR in miniature): thousands of random ledger
 * operations through the sim store, with the process killed at random points (before a
 * transaction, between its reads, between its write statements, at and after the commit). After
 * every recovery the chain, the blocks, the replayed balances and the invariant must hold, and no
 * acknowledged transfer may be lost or applied twice. Replay a failure with W3AI_LEDGER_SEED=<seed>.
 */
import { describe, expect, it } from 'vitest'
import { generateIdentity } from '@w3ai/crypto'
import { seededRandom } from '@w3ai/util'
import { commitBatch, commitExpiry, LedgerVerifier, RandomWorkload, SimCrash, SimLedgerStore, verifyLedger, type CrashPoint, type StoredTransfer, type TransferInput } from '../src/index.js'
import { T0 } from './helpers.js'

const FIXED_SEED = 20261103
const fromEnv = process.env.W3AI_LEDGER_SEED
const SEEDS = fromEnv !== undefined ? [Number(fromEnv)] : [FIXED_SEED, 1, Math.floor(Math.random() * 2 ** 31)]
/** Batches per run: about 4.7 operations each. */
const BATCHES = 700
const CRASH_RATE = 0.01

const hub = generateIdentity('node')

interface Acked {
  transfer: StoredTransfer
}

async function simulate(seed: number, batches = BATCHES): Promise<{ crashes: Map<CrashPoint, number>; codes: Map<string, number>; acked: number; entries: number }> {
  const random = seededRandom(seed)
  const crashes = new Map<CrashPoint, number>()
  const codes = new Map<string, number>()
  let store = new SimLedgerStore({ crash: () => random() < CRASH_RATE })
  let clock = T0
  const opts = { signer: hub, now: () => new Date(clock) }
  const workload = new RandomWorkload(random)
  const acked = new Map<string, Acked>()
  // What the verifier has checked so far, and the hashes it saw (a committed entry must never change).
  const verifier = new LedgerVerifier([hub.publicKey])
  const seen: string[] = []
  let blocksSeen = 0

  const check = (when: string): void => {
    const { entries, blocks, accounts, transfers } = store.snapshot()
    for (let i = 0; i < seen.length; i++) if (entries[i]?.hash !== seen[i]) throw new Error(`${when}: committed entry ${i + 1} changed or vanished`)
    const fresh = entries.slice(seen.length)
    verifier.addEntries(fresh)
    seen.push(...fresh.map((e) => e.hash))
    verifier.addBlocks(blocks.slice(blocksSeen))
    blocksSeen = blocks.length
    const report = verifier.report(accounts)
    if (!report.ok) throw new Error(`${when}: ${JSON.stringify(report.problems.slice(0, 3))}`)
    const byId = new Map(transfers.map((t) => [t.id, t]))
    for (const [id, a] of acked) {
      const t = byId.get(id)
      if (!t || t.seq !== a.transfer.seq || t.amount !== a.transfer.amount) throw new Error(`${when}: acknowledged transfer ${id} lost or changed`)
      if (entries[t.seq - 1]?.transferId !== id) throw new Error(`${when}: journal entry ${t.seq} is not transfer ${id}`)
    }
  }

  let retry: TransferInput[] | null = workload.genesis()
  for (let step = 0; step < batches; step++) {
    clock += Math.floor(random() * 2000)
    const batch: TransferInput[] = retry ?? workload.next()
    retry = null
    try {
      if (step % 10 === 9) await commitExpiry(store, opts)
      const { results } = await commitBatch(store, batch, opts)
      results.forEach((r) => {
        codes.set(r.code, (codes.get(r.code) ?? 0) + 1)
        if (r.code !== 'ok' && r.code !== 'exists') return
        const t = r.transfer as StoredTransfer
        const first = acked.get(r.id)
        if (r.code === 'ok' && first) throw new Error(`step ${step}: ${r.id} applied twice`)
        if (first && first.transfer.seq !== t.seq) throw new Error(`step ${step}: retry of ${r.id} answered another outcome`)
        if (!first) acked.set(r.id, { transfer: t })
      })
      workload.observe(batch, results)
    } catch (e) {
      if (!(e instanceof SimCrash)) throw e
      crashes.set(e.point, (crashes.get(e.point) ?? 0) + 1)
      store = store.restart()
      check(`after a crash at ${e.point} (step ${step})`)
      // The client got no answer: it sends the same batch again.
      retry = batch
    }
  }
  store.crash = () => false
  check('at the end')
  const { entries, blocks, accounts } = store.snapshot()
  const report = verifyLedger({ entries, blocks, accounts, hubKeys: [hub.publicKey] })
  expect(report.problems).toEqual([])
  expect(report.minted).toBe(report.balances + report.escrow + report.staked + report.burned)
  return { crashes, codes, acked: acked.size, entries: entries.length }
}

describe('ledger under injected crashes (sim store)', () => {
  for (const seed of SEEDS) {
    it(`keeps the chain, the invariant and every acknowledged transfer (seed ${seed}; replay with W3AI_LEDGER_SEED=${seed})`, async () => {
      const { crashes, codes, acked, entries } = await simulate(seed)
      const total = [...crashes.values()].reduce((a, b) => a + b, 0)
      expect(total, `seed ${seed}`).toBeGreaterThan(10)
      // Crashes landed between write statements and after a commit, not only before a transaction.
      expect(crashes.get('write:accounts') ?? 0, `seed ${seed}`).toBeGreaterThan(0)
      expect((crashes.get('write:journal') ?? 0) + (crashes.get('write:block') ?? 0) + (crashes.get('after-commit') ?? 0), `seed ${seed}`).toBeGreaterThan(0)
      expect(acked, `seed ${seed}`).toBeGreaterThan(BATCHES)
      expect(entries).toBeGreaterThanOrEqual(acked)
      for (const code of ['ok', 'exists', 'LEDGER_INSUFFICIENT_FUNDS', 'LEDGER_LINKED_FAILED', 'LEDGER_ID_CONFLICT', 'LEDGER_PENDING_CLOSED', 'LEDGER_BAD_AMOUNT']) {
        expect(codes.get(code) ?? 0, `seed ${seed}: ${code}`).toBeGreaterThan(0)
      }
    })
  }

  it('the same seed replays the same run', async () => {
    const a = await simulate(7, 200)
    const b = await simulate(7, 200)
    expect([...a.codes]).toEqual([...b.codes])
    expect([...a.crashes]).toEqual([...b.crashes])
    expect(a.entries).toBe(b.entries)
  })
})
