/**
 * The store interface every ledger store implements (the in-memory sim here, the hub's SQL store),
 * and the one driver that runs a batch through it: open a transaction, load what the batch names,
 * apply, sign the block, write everything, commit. A store only loads and writes; the rules live
 * in the engine, so every store behaves the same.
 */
import type { Identity } from '@w3ai/crypto'
import { applyBatch, expirePending, ledgerKeys, type ApplyOptions } from './engine.js'
import { sealBlock } from './journal.js'
import type { Account, BatchOutcome, Block, JournalEntry, LedgerHead, LedgerKeys, LedgerReadView, StoredTransfer, TransferInput, TransferResult } from './types.js'

/** One exclusive transaction (in SQL: a transaction holding the ledger's advisory lock). */
export interface LedgerTx {
  head(): Promise<LedgerHead>
  /** The accounts among `ids` that exist. */
  accounts(ids: readonly string[]): Promise<Account[]>
  /** The transfers among `ids` that exist. */
  transfers(ids: readonly string[]): Promise<StoredTransfer[]>
  /** Pending transfers whose timeoutAt ≤ now, oldest first, at most `limit`. */
  duePending(now: Date, limit: number): Promise<StoredTransfer[]>
  /**
   * Writes a batch's outcome: insert accounts with created, add the others' deltas (or set them to
   * `after`), insert newTransfers, set the status of updatedTransfers, insert the journal entries
   * and the block. Only called when outcome.block is not null.
   */
  write(outcome: BatchOutcome, block: Block): Promise<void>
}

/** A ledger store: exclusive transactions for writes, pages for readers and verifiers. */
export interface LedgerStore {
  /** Runs fn in one transaction: all its writes commit together, or none when it throws. */
  transaction<T>(fn: (tx: LedgerTx) => Promise<T>): Promise<T>
  /** Journal entries with seq > after, in seq order. */
  journal(after: number, limit: number): Promise<JournalEntry[]>
  /** Blocks with height > after, in height order. */
  blocks(after: number, limit: number): Promise<Block[]>
  /** Accounts with id > after (string order), in id order. */
  accountsPage(after: string, limit: number): Promise<Account[]>
}

/** A view over loaded rows, for the engine. */
export function memoryView(head: LedgerHead, accounts: Iterable<Account>, transfers: Iterable<StoredTransfer>): LedgerReadView {
  const a = new Map<string, Account>()
  const t = new Map<string, StoredTransfer>()
  for (const x of accounts) a.set(x.id, x)
  for (const x of transfers) t.set(x.id, x)
  return { head, account: (id) => a.get(id), transfer: (id) => t.get(id) }
}

/** Loads exactly what `keys` names, plus the debit and credit of every transfer found (a post or void needs its pending's accounts). */
export async function loadView(tx: LedgerTx, keys: LedgerKeys): Promise<LedgerReadView> {
  const head = await tx.head()
  const transfers = keys.transfers.length ? await tx.transfers(keys.transfers) : []
  const ids = new Set(keys.accounts)
  for (const t of transfers) ids.add(t.debit).add(t.credit)
  const accounts = ids.size ? await tx.accounts([...ids]) : []
  return memoryView(head, accounts, transfers)
}

export interface CommitOptions extends ApplyOptions {
  /** The hub identity that signs blocks. */
  signer: Pick<Identity, 'publicKey' | 'signingKey'>
  now?: () => Date
}

export interface Committed {
  results: TransferResult[]
  /** The block written, or null when nothing applied. */
  block: Block | null
  outcome: BatchOutcome
}

/** Applies a batch in one transaction of `store`: one block, one signature, however many transfers. */
export async function commitBatch(store: LedgerStore, batch: readonly TransferInput[], options: CommitOptions): Promise<Committed> {
  return store.transaction(async (tx) => {
    const view = await loadView(tx, ledgerKeys(batch))
    const outcome = applyBatch(view, batch, (options.now ?? (() => new Date()))(), options)
    return finish(tx, outcome, options)
  })
}

/** Expires up to `limit` pending transfers past their timeout, in one transaction. */
export async function commitExpiry(store: LedgerStore, options: CommitOptions & { limit?: number }): Promise<Committed> {
  return store.transaction(async (tx) => {
    const now = (options.now ?? (() => new Date()))()
    const due = await tx.duePending(now, options.limit ?? 1000)
    if (due.length === 0) return { results: [], block: null, outcome: expirePending(memoryView(await tx.head(), [], []), [], now) }
    const view = await loadView(tx, { accounts: [], transfers: due.map((t) => t.id) })
    const outcome = expirePending(view, due.map((t) => t.id), now)
    return finish(tx, outcome, options)
  })
}

async function finish(tx: LedgerTx, outcome: BatchOutcome, options: CommitOptions): Promise<Committed> {
  if (!outcome.block) return { results: outcome.results, block: null, outcome }
  const block = sealBlock(outcome.block, options.signer)
  await tx.write(outcome, block)
  return { results: outcome.results, block, outcome }
}
