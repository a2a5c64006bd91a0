/**
 * The ledger engine: a pure function from (what the store holds, a batch, the time) to per-transfer
 * results and the writes that apply them. Rules follow TigerBeetle: idempotent client ids, pending
 * transfers posted, voided or expired, linked chains all-or-nothing, flags that refuse overdrafts.
 * Nothing is mutated: the store applies the returned writes in one transaction.
 */
import { amountProblem, MAX_AMOUNT } from './amount.js'
import { openAccount, TRANSFER_ID } from './accounts.js'
import { blockHash, chainEntry } from './journal.js'
import type {
  Account,
  AccountDelta,
  BatchOutcome,
  JournalEntry,
  LedgerHead,
  LedgerKeys,
  LedgerReadView,
  StoredTransfer,
  TransferCode,
  TransferInput,
  TransferKind,
  TransferResult,
} from './types.js'

export const TRANSFER_KINDS: readonly TransferKind[] = ['transfer', 'faucet', 'genesis', 'escrow', 'settle', 'fee', 'burn', 'reward', 'stake', 'unstake', 'slash', 'refund']
const KINDS: ReadonlySet<string> = new Set(TRANSFER_KINDS)
export const MAX_MEMO = 200
/** The longest a pending transfer may wait: 366 days. */
export const MAX_PENDING_TIMEOUT_MS = 366 * 24 * 3600 * 1000

export interface ApplyOptions {
  /** Whether a missing account id may be opened on first use (default: every well-formed id). */
  open?: (id: string) => boolean
}

/** The accounts and transfers a batch reads. A store also loads the debit and credit of every transfer found (see `pendingAccounts`). */
export function ledgerKeys(batch: readonly TransferInput[]): LedgerKeys {
  const accounts = new Set<string>()
  const transfers = new Set<string>()
  for (const t of batch) {
    if (typeof t.debit === 'string') accounts.add(t.debit)
    if (typeof t.credit === 'string') accounts.add(t.credit)
    if (typeof t.id === 'string') transfers.add(t.id)
    if (typeof t.post === 'string') transfers.add(t.post)
    if (typeof t.void === 'string') transfers.add(t.void)
  }
  return { accounts: [...accounts], transfers: [...transfers] }
}

/** Applies a batch in order. Failed transfers change nothing and are not stored; the rest land together. */
export function applyBatch(view: LedgerReadView, batch: readonly TransferInput[], now: Date, options: ApplyOptions = {}): BatchOutcome {
  const work = new Work(view, now, options.open ?? (() => true))
  const results: TransferResult[] = []
  let i = 0
  while (i < batch.length) {
    let end = i
    while (end < batch.length && (batch[end] as TransferInput).linked === true) end++
    if (end === batch.length) {
      // An open chain: nothing of it applies (TigerBeetle's linked_event_chain_open).
      for (let k = i; k < batch.length; k++) {
        const id = (batch[k] as TransferInput).id
        results.push(k === batch.length - 1 ? fail(id, 'LEDGER_LINKED_OPEN', 'the batch ends inside a linked chain') : fail(id, 'LEDGER_LINKED_FAILED'))
      }
      break
    }
    const mark = work.mark()
    const chain: TransferResult[] = []
    let failed = -1
    for (let k = i; k <= end; k++) {
      const r = work.apply(batch[k] as TransferInput)
      chain.push(r)
      if (r.code !== 'ok' && r.code !== 'exists') {
        failed = k - i
        break
      }
    }
    if (failed >= 0 && end > i) {
      work.rollback(mark)
      for (let k = i; k <= end; k++) results.push(k - i === failed ? (chain[failed] as TransferResult) : fail((batch[k] as TransferInput).id, 'LEDGER_LINKED_FAILED'))
    } else {
      results.push(...chain)
    }
    i = end + 1
  }
  return work.outcome(results)
}

/**
 * Expires the pending transfers among `ids` whose timeout has passed at `now`: releases their
 * reservations, marks them 'expired' and journals one 'expire' entry each. Results list only the
 * transfers expired (code 'ok'); ids not pending or not yet due are skipped.
 */
export function expirePending(view: LedgerReadView, ids: readonly string[], now: Date): BatchOutcome {
  const work = new Work(view, now, () => false)
  const results: TransferResult[] = []
  for (const id of new Set(ids)) {
    const t = work.expire(id)
    if (t) results.push({ id, code: 'ok', transfer: t })
  }
  return work.outcome(results)
}

function fail(id: string, code: TransferCode, message?: string): TransferResult {
  return message === undefined ? { id, code } : { id, code, message }
}

type Undo = () => void

/** A copy-on-write overlay of the view with an undo log, so a failed chain rolls back. */
class Work {
  private readonly accounts = new Map<string, Account>()
  private readonly transfers = new Map<string, StoredTransfer>()
  private readonly journal: JournalEntry[] = []
  private readonly undo: Undo[] = []
  private head: { seq: number; hash: string }
  private readonly at: string

  constructor(
    private readonly view: LedgerReadView,
    private readonly now: Date,
    private readonly mayOpen: (id: string) => boolean,
  ) {
    this.head = { seq: view.head.seq, hash: view.head.hash }
    this.at = now.toISOString()
  }

  mark(): number {
    return this.undo.length
  }

  rollback(mark: number): void {
    while (this.undo.length > mark) (this.undo.pop() as Undo)()
  }

  private account(id: string): Account | undefined {
    const a = this.accounts.get(id) ?? this.view.account(id)
    if (a !== undefined) return a
    return this.mayOpen(id) ? openAccount(id) : undefined
  }

  private transfer(id: string): StoredTransfer | undefined {
    return this.transfers.get(id) ?? this.view.transfer(id)
  }

  private setAccount(a: Account): void {
    const had = this.accounts.has(a.id)
    const before = this.accounts.get(a.id)
    this.accounts.set(a.id, a)
    this.undo.push(() => (had ? this.accounts.set(a.id, before as Account) : this.accounts.delete(a.id)))
  }

  private setTransfer(t: StoredTransfer): void {
    const had = this.transfers.has(t.id)
    const before = this.transfers.get(t.id)
    this.transfers.set(t.id, t)
    this.undo.push(() => (had ? this.transfers.set(t.id, before as StoredTransfer) : this.transfers.delete(t.id)))
  }

  private append(fields: Omit<JournalEntry, 'seq' | 'prev' | 'hash' | 'at'>): JournalEntry {
    const entry = chainEntry({ ...fields, at: this.at }, this.head)
    const head = this.head
    this.journal.push(entry)
    this.head = { seq: entry.seq, hash: entry.hash }
    this.undo.push(() => {
      this.journal.pop()
      this.head = head
    })
    return entry
  }

  /** Applies one transfer to the overlay, or returns why not (leaving the overlay unchanged). */
  apply(t: TransferInput): TransferResult {
    const id = t.id
    if (typeof id !== 'string' || !TRANSFER_ID.test(id)) return fail(String(id), 'LEDGER_BAD_TRANSFER', 'the id must match ^[A-Za-z0-9_.:-]{1,64}$')
    const malformed = shapeProblem(t)
    if (malformed) return fail(id, 'LEDGER_BAD_TRANSFER', malformed)
    const existing = this.transfer(id)
    if (existing) return this.sameRequest(t, existing) ? { id, code: 'exists', transfer: existing } : fail(id, 'LEDGER_ID_CONFLICT')
    if (t.post !== undefined || t.void !== undefined) return this.close(t)
    return this.move(t)
  }

  private sameRequest(t: TransferInput, s: StoredTransfer): boolean {
    const memo = (t.memo ?? null) === s.memo
    if (t.post !== undefined || t.void !== undefined) {
      const action = t.post !== undefined ? 'post' : 'void'
      if (s.action !== action || s.pendingId !== (t.post ?? t.void)) return false
      if ((t.debit !== undefined && t.debit !== s.debit) || (t.credit !== undefined && t.credit !== s.credit) || (t.kind !== undefined && t.kind !== s.kind)) return false
      const pending = this.transfer(s.pendingId as string)
      const amount = t.amount ?? pending?.amount
      return memo && amount === (action === 'post' ? s.amount : pending?.amount)
    }
    const action = t.pending ? 'pending' : 'transfer'
    return memo && s.action === action && s.debit === t.debit && s.credit === t.credit && s.amount === t.amount && s.kind === t.kind && s.timeoutMs === (t.pending?.timeoutMs ?? null)
  }

  /** A plain transfer or a pending reservation. */
  private move(t: TransferInput): TransferResult {
    const { id } = t
    if (typeof t.debit !== 'string' || typeof t.credit !== 'string') return fail(id, 'LEDGER_BAD_TRANSFER', 'a transfer names debit and credit accounts')
    if (t.kind === undefined) return fail(id, 'LEDGER_BAD_TRANSFER', 'a transfer names its kind')
    const bad = amountProblem(t.amount)
    if (bad) return fail(id, bad)
    const amount = t.amount as bigint
    if (t.debit === t.credit) return fail(id, 'LEDGER_SAME_ACCOUNT')
    const dr = this.account(t.debit)
    const cr = this.account(t.credit)
    if (!dr) return fail(id, 'LEDGER_UNKNOWN_ACCOUNT', `no account ${t.debit}`)
    if (!cr) return fail(id, 'LEDGER_UNKNOWN_ACCOUNT', `no account ${t.credit}`)
    const pending = t.pending !== undefined
    if (dr.debitsPosted + dr.debitsPending + amount > MAX_AMOUNT || cr.creditsPosted + cr.creditsPending + amount > MAX_AMOUNT) return fail(id, 'LEDGER_AMOUNT_OVERFLOW')
    if (dr.flags.debitsMustNotExceedCredits && dr.debitsPosted + dr.debitsPending + amount > dr.creditsPosted) return fail(id, 'LEDGER_INSUFFICIENT_FUNDS')
    if (cr.flags.creditsMustNotExceedDebits && cr.creditsPosted + cr.creditsPending + amount > cr.debitsPosted) return fail(id, 'LEDGER_EXCEEDS_DEBITS')
    this.setAccount(pending ? { ...dr, debitsPending: dr.debitsPending + amount } : { ...dr, debitsPosted: dr.debitsPosted + amount })
    this.setAccount(pending ? { ...cr, creditsPending: cr.creditsPending + amount } : { ...cr, creditsPosted: cr.creditsPosted + amount })
    const memo = t.memo ?? null
    const entry = this.append({ transferId: id, kind: t.kind, action: pending ? 'pending' : 'transfer', debit: t.debit, credit: t.credit, amount: amount.toString(), pending, pendingId: null, memo })
    const stored: StoredTransfer = {
      id,
      debit: t.debit,
      credit: t.credit,
      amount,
      kind: t.kind,
      action: pending ? 'pending' : 'transfer',
      status: pending ? 'pending' : 'posted',
      pendingId: null,
      timeoutMs: t.pending?.timeoutMs ?? null,
      timeoutAt: t.pending ? new Date(this.now.getTime() + t.pending.timeoutMs).toISOString() : null,
      memo,
      seq: entry.seq,
      at: this.at,
    }
    this.setTransfer(stored)
    return { id, code: 'ok', transfer: stored }
  }

  /** A post or void of a pending transfer. */
  private close(t: TransferInput): TransferResult {
    const { id } = t
    const posting = t.post !== undefined
    const p = this.transfer((t.post ?? t.void) as string)
    if (!p || p.action !== 'pending') return fail(id, 'LEDGER_PENDING_NOT_FOUND')
    if (p.status !== 'pending') return fail(id, 'LEDGER_PENDING_CLOSED', `the pending transfer is ${p.status}`)
    if (this.now.getTime() >= Date.parse(p.timeoutAt as string)) return fail(id, 'LEDGER_PENDING_EXPIRED')
    if ((t.debit !== undefined && t.debit !== p.debit) || (t.credit !== undefined && t.credit !== p.credit) || (t.kind !== undefined && t.kind !== p.kind)) {
      return fail(id, 'LEDGER_BAD_TRANSFER', 'a post or void names the accounts and kind of its pending transfer, or none')
    }
    let amount = p.amount
    if (t.amount !== undefined) {
      const bad = amountProblem(t.amount)
      if (bad) return fail(id, bad)
      if (posting ? t.amount > p.amount : t.amount !== p.amount) return fail(id, 'LEDGER_BAD_AMOUNT', posting ? 'a post may not exceed the pending amount' : 'a void releases the whole pending amount')
      amount = t.amount
    }
    const dr = this.account(p.debit)
    const cr = this.account(p.credit)
    if (!dr || !cr) return fail(id, 'LEDGER_UNKNOWN_ACCOUNT')
    const posted = posting ? amount : 0n
    if (dr.debitsPosted + posted > MAX_AMOUNT || cr.creditsPosted + posted > MAX_AMOUNT) return fail(id, 'LEDGER_AMOUNT_OVERFLOW')
    this.setAccount({ ...dr, debitsPending: dr.debitsPending - p.amount, debitsPosted: dr.debitsPosted + posted })
    this.setAccount({ ...cr, creditsPending: cr.creditsPending - p.amount, creditsPosted: cr.creditsPosted + posted })
    const memo = t.memo ?? null
    const entry = this.append({ transferId: id, kind: p.kind, action: posting ? 'post' : 'void', debit: p.debit, credit: p.credit, amount: amount.toString(), pending: false, pendingId: p.id, memo })
    this.setTransfer({ ...p, status: posting ? 'posted' : 'voided' })
    const stored: StoredTransfer = {
      id,
      debit: p.debit,
      credit: p.credit,
      amount,
      kind: p.kind,
      action: posting ? 'post' : 'void',
      status: posting ? 'posted' : 'voided',
      pendingId: p.id,
      timeoutMs: null,
      timeoutAt: null,
      memo,
      seq: entry.seq,
      at: this.at,
    }
    this.setTransfer(stored)
    return { id, code: 'ok', transfer: stored }
  }

  /** Expires one due pending transfer; undefined when it is not pending or not yet due. */
  expire(id: string): StoredTransfer | undefined {
    const p = this.transfer(id)
    if (!p || p.action !== 'pending' || p.status !== 'pending' || this.now.getTime() < Date.parse(p.timeoutAt as string)) return undefined
    const dr = this.account(p.debit)
    const cr = this.account(p.credit)
    if (!dr || !cr) return undefined
    this.setAccount({ ...dr, debitsPending: dr.debitsPending - p.amount })
    this.setAccount({ ...cr, creditsPending: cr.creditsPending - p.amount })
    this.append({ transferId: p.id, kind: p.kind, action: 'expire', debit: p.debit, credit: p.credit, amount: p.amount.toString(), pending: false, pendingId: p.id, memo: null })
    const expired: StoredTransfer = { ...p, status: 'expired' }
    this.setTransfer(expired)
    return expired
  }

  outcome(results: TransferResult[]): BatchOutcome {
    const accountDeltas: AccountDelta[] = []
    for (const after of this.accounts.values()) {
      const before = this.view.account(after.id)
      const delta = {
        debitsPosted: after.debitsPosted - (before?.debitsPosted ?? 0n),
        creditsPosted: after.creditsPosted - (before?.creditsPosted ?? 0n),
        debitsPending: after.debitsPending - (before?.debitsPending ?? 0n),
        creditsPending: after.creditsPending - (before?.creditsPending ?? 0n),
      }
      accountDeltas.push({ id: after.id, created: before === undefined, delta, after })
    }
    const newTransfers: StoredTransfer[] = []
    const updatedTransfers: StoredTransfer[] = []
    for (const t of this.transfers.values()) (this.view.transfer(t.id) ? updatedTransfers : newTransfers).push(t)
    const first = this.journal[0]
    const last = this.journal[this.journal.length - 1]
    const prev = this.view.head
    let block: BatchOutcome['block'] = null
    let head: LedgerHead = prev
    if (first && last) {
      block = { height: prev.height + 1, firstSeq: first.seq, lastSeq: last.seq, lastHash: last.hash, prevBlockHash: prev.blockHash, at: this.at }
      head = { seq: last.seq, hash: last.hash, height: block.height, blockHash: blockHash(block) }
    }
    return { results, accountDeltas, newTransfers, updatedTransfers, journal: [...this.journal], block, head }
  }
}

/** Why a transfer's shape is malformed (before any state is read), or null. */
function shapeProblem(t: TransferInput): string | null {
  if (t.memo !== undefined && (typeof t.memo !== 'string' || t.memo.length > MAX_MEMO)) return `a memo is a string of at most ${MAX_MEMO} characters`
  if (t.kind !== undefined && !KINDS.has(t.kind)) return `unknown kind ${String(t.kind)}`
  if (t.post !== undefined && t.void !== undefined) return 'post and void together'
  for (const [k, v] of [['debit', t.debit], ['credit', t.credit], ['post', t.post], ['void', t.void]] as const) {
    if (v !== undefined && typeof v !== 'string') return `${k} is an id string`
  }
  if (t.amount !== undefined && typeof t.amount !== 'bigint') return 'the amount is a bigint of units'
  if (t.pending !== undefined) {
    if (t.post !== undefined || t.void !== undefined) return 'a post or void cannot itself be pending'
    const ms = t.pending?.timeoutMs
    if (!Number.isSafeInteger(ms) || ms < 1 || ms > MAX_PENDING_TIMEOUT_MS) return `pending.timeoutMs is a whole number of ms from 1 to ${MAX_PENDING_TIMEOUT_MS}`
  }
  if (t.linked !== undefined && typeof t.linked !== 'boolean') return 'linked is a boolean'
  return null
}
