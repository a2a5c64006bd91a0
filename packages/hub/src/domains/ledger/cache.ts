/**
 * The ledger as this hub last saw it: the journal head and, as of that head, the accounts and the
 * open pending transfers it read or wrote. A batch whose accounts (and pending transfers) are all
 * here is computed without reading the database; its write (ledger_append) lands only if the
 * journal still ends at this head, so a cache left behind by another hub's write, or the expiry
 * sweep's, costs one refused call and a read, never a wrong balance. Everything held is true as of
 * `head`: a read at another head replaces it all, a write moves it forward.
 */
import type { Account, BatchOutcome, LedgerHead, LedgerReadView, StoredTransfer, TransferInput } from '@w3ai/ledger'
import type { LedgerRows } from './store.js'

/** Accounts (and pending transfers) kept at most; past that the cache starts again empty. */
const MAX_ENTRIES = 100_000

export class LedgerCache {
  private head: LedgerHead | undefined
  private readonly accounts = new Map<string, Account>()
  private readonly pending = new Map<string, StoredTransfer>()

  /** A view for `batch` when everything it reads is held, else undefined (read first). */
  view(batch: readonly TransferInput[]): LedgerReadView | undefined {
    const head = this.head
    if (head === undefined) return undefined
    for (const t of batch) {
      const target = t.post ?? t.void
      if (target !== undefined) {
        const p = typeof target === 'string' ? this.pending.get(target) : undefined
        if (p === undefined || !this.accounts.has(p.debit) || !this.accounts.has(p.credit)) return undefined
      } else if (typeof t.debit !== 'string' || typeof t.credit !== 'string' || !this.accounts.has(t.debit) || !this.accounts.has(t.credit)) {
        return undefined
      }
    }
    return { head, account: (id) => this.accounts.get(id), transfer: (id) => this.pending.get(id) }
  }

  /** Rows read at `rows.head` (with or without the lock): kept, replacing everything when the head differs. */
  absorb(rows: LedgerRows): void {
    if (!sameHead(this.head, rows.head)) this.clear()
    this.head = rows.head
    for (const a of rows.accounts) this.accounts.set(a.id, a)
    for (const t of rows.transfers) this.keepTransfer(t)
    this.bound()
  }

  /** A batch written on top of the cached head: its accounts and transfers as they are now, and its head. */
  written(outcome: BatchOutcome): void {
    for (const d of outcome.accountDeltas) this.accounts.set(d.id, d.after)
    for (const t of outcome.newTransfers) this.keepTransfer(t)
    for (const t of outcome.updatedTransfers) this.keepTransfer(t)
    this.head = outcome.head
    this.bound()
  }

  /** Forgets everything (another writer's write, a failed one). */
  clear(): void {
    this.head = undefined
    this.accounts.clear()
    this.pending.clear()
  }

  private keepTransfer(t: StoredTransfer): void {
    if (t.status === 'pending') this.pending.set(t.id, t)
    else this.pending.delete(t.id)
  }

  private bound(): void {
    if (this.accounts.size > MAX_ENTRIES || this.pending.size > MAX_ENTRIES) this.clear()
  }
}

function sameHead(a: LedgerHead | undefined, b: LedgerHead): boolean {
  return a !== undefined && a.seq === b.seq && a.hash === b.hash
}
