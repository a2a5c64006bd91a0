/** A ledger held in maps for engine tests: runs batches through applyBatch and keeps the writes. */
import { applyBatch, EMPTY_HEAD, expirePending, genesisBatch, parseTokens, type Account, type ApplyOptions, type BatchOutcome, type LedgerHead, type LedgerReadView, type StoredTransfer, type TransferInput } from '../src/index.js'

export const T0 = Date.parse('2030-01-01T00:00:00.000Z')

export class MapLedger implements LedgerReadView {
  readonly accounts = new Map<string, Account>()
  readonly transfers = new Map<string, StoredTransfer>()
  head: LedgerHead = EMPTY_HEAD
  clock = T0

  account(id: string): Account | undefined {
    return this.accounts.get(id)
  }

  transfer(id: string): StoredTransfer | undefined {
    return this.transfers.get(id)
  }

  private keep(o: BatchOutcome): BatchOutcome {
    for (const d of o.accountDeltas) this.accounts.set(d.id, d.after)
    for (const t of [...o.newTransfers, ...o.updatedTransfers]) this.transfers.set(t.id, t)
    this.head = o.head
    return o
  }

  run(batch: TransferInput[], options?: ApplyOptions): BatchOutcome {
    return this.keep(applyBatch(this, batch, new Date(this.clock), options))
  }

  expire(ids: string[]): BatchOutcome {
    return this.keep(expirePending(this, ids, new Date(this.clock)))
  }

  /** Posted balance (credits − debits). */
  balance(id: string): bigint {
    const a = this.accounts.get(id)
    return a ? a.creditsPosted - a.debitsPosted : 0n
  }
}

/** A ledger after genesis (faucet and treasury 1,000 tokens each) and faucet grants to users a and b. */
export function funded(grants: Record<string, string> = { 'user:a': '100', 'user:b': '100' }): MapLedger {
  const l = new MapLedger()
  l.run(genesisBatch({ faucet: parseTokens('1000'), treasury: parseTokens('1000') }))
  l.run(Object.entries(grants).map(([credit, tokens], i) => ({ id: `grant-${i}`, debit: 'faucet', credit, amount: parseTokens(tokens), kind: 'faucet' as const })))
  return l
}

export const tok = parseTokens
