import { describe, expect, it } from 'vitest'
import { generateIdentity } from '@w3ai/crypto'
import { commitBatch, genesisBatch, SimCrash, SimLedgerStore, type CrashPoint, type TransferInput } from '../src/index.js'
import { tok } from './helpers.js'

const hub = generateIdentity('node')
const opts = { signer: hub }
const grant = (id: string, credit: string): TransferInput => ({ id, debit: 'faucet', credit, amount: tok('1'), kind: 'faucet' })

async function seeded(): Promise<SimLedgerStore> {
  const store = new SimLedgerStore()
  await commitBatch(store, genesisBatch({ faucet: tok('100') }), opts)
  return store
}

describe('SimLedgerStore', () => {
  it('pages the journal, the blocks and the accounts in order', async () => {
    const store = await seeded()
    await commitBatch(store, [grant('g1', 'user:b'), grant('g2', 'user:a')], opts)
    expect((await store.journal(0, 10)).map((e) => e.seq)).toEqual([1, 2, 3])
    expect((await store.journal(1, 1)).map((e) => e.transferId)).toEqual(['g1'])
    expect((await store.blocks(1, 10)).map((b) => b.height)).toEqual([2])
    expect((await store.accountsPage('', 10)).map((a) => a.id)).toEqual(['faucet', 'genesis', 'user:a', 'user:b'])
    expect((await store.accountsPage('genesis', 1)).map((a) => a.id)).toEqual(['user:a'])
  })

  for (const point of ['begin', 'read', 'write:accounts', 'write:transfers', 'write:journal', 'write:block', 'commit'] as CrashPoint[]) {
    it(`a crash at ${point} rolls the transaction back; the process stays dead until restart`, async () => {
      const store = await seeded()
      const before = store.snapshot()
      store.crash = (p) => p === point
      await expect(commitBatch(store, [grant('g1', 'user:a')], opts)).rejects.toBeInstanceOf(SimCrash)
      expect(store.crashedAt).toBe(point)
      await expect(store.journal(0, 1)).rejects.toBeInstanceOf(SimCrash)
      const after = store.restart()
      after.crash = () => false
      expect(after.snapshot()).toEqual(before)
      expect((await commitBatch(after, [grant('g1', 'user:a')], opts)).results[0]?.code).toBe('ok')
    })
  }

  it('a crash after the commit keeps the transfer: the retry answers exists', async () => {
    const store = await seeded()
    store.crash = (p) => p === 'after-commit'
    await expect(commitBatch(store, [grant('g1', 'user:a')], opts)).rejects.toBeInstanceOf(SimCrash)
    const after = store.restart()
    after.crash = () => false
    expect(after.snapshot().head.seq).toBe(2)
    const retry = await commitBatch(after, [grant('g1', 'user:a')], opts)
    expect(retry.results[0]).toMatchObject({ code: 'exists', transfer: { seq: 2 } })
    expect(retry.block).toBeNull()
  })

  it('serializes transactions like the advisory lock: concurrent batches get consecutive blocks', async () => {
    const store = await seeded()
    const runs = await Promise.all(Array.from({ length: 5 }, (_, i) => commitBatch(store, [grant(`c${i}`, `user:u${i}`)], opts)))
    expect(runs.map((r) => r.block?.height).sort()).toEqual([2, 3, 4, 5, 6])
    expect(store.snapshot().entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
  })
})
