/**
 * The ledger service: every write goes through one batcher, so concurrent requests become one
 * transaction, one block and one signature (group commit), written in one round trip when the
 * accounts are in the service's cache (see cache.ts and applyOptimistic); the rules of money live in
 * @w3ai/ledger's engine, the rules of who may ask for what live here. Other domains (settlement,
 * staking) call transfer / pending / post / void / balanceOf; wallets come through the routes.
 */
import { randomBytes } from 'node:crypto'
import type { Identity } from '@w3ai/crypto'
import {
  accountToWire,
  amountProblem,
  applyBatch,
  availableOf,
  balanceOf,
  commitExpiry,
  genesisBatch,
  ledgerKeys,
  memoryView,
  parseUnits,
  sealBlock,
  type Account,
  type AccountKind,
  type BlockBody,
  type StoredTransfer,
  type TransferInput,
  type TransferKind,
  type TransferResult,
} from '@w3ai/ledger'
import { W3aiError, type ErrorCode, type JournalPage, type LedgerAccountPage, type LedgerBlockPage, type LedgerSummary, type Wallet } from '@w3ai/protocol'
import type { LedgerSettings } from '../../config.js'
import { Batcher } from '../../infra/batcher.js'
import { decodeCursor, encodeCursor } from '../../infra/paging.js'
import { LedgerCache } from './cache.js'
import type { WalletTransferBody } from './schemas.js'
import type { SqlLedgerStore, SqlLedgerTx } from './store.js'

export interface LedgerComponents {
  store: SqlLedgerStore
  /** Signs blocks: the network key, the same on every hub of the network. */
  signer: Pick<Identity, 'publicKey' | 'signingKey'>
  settings: Readonly<LedgerSettings>
  /** Whether a hub account exists (a user account may be opened for it). */
  accountExists: (accountId: string) => Promise<boolean>
  /** Whether a node is registered (a node account may be opened for it). */
  nodeExists: (nodeId: string) => Promise<boolean>
  expiryIntervalMs: number
  onError: (err: unknown) => void
}

/** One request's transfers (a linked chain stays in one item) and, for the faucet, its cap. */
interface Item {
  transfers: TransferInput[]
  cap?: { account: string; limit: bigint }
}

type ItemResult = TransferResult[] | { refused: ErrorCode }

/** A transfer applied now ('ok': created) or earlier under the same id ('exists'). */
export interface TransferOutcome {
  transfer: StoredTransfer
  created: boolean
}

const OWNED = /^(user|node):((?:a|n)_[0-9a-f]{20})$/
const ACCOUNT_ID = /^[A-Za-z0-9_.:-]{1,80}$/
/** Known ledger accounts are remembered (accounts are never removed) up to this many. */
const KNOWN_MAX = 200_000
/** Lock-free tries of a batch whose head moved under it (another writer) before it takes the lock. */
const HEAD_RETRIES = 3

/** The HTTP-facing answer for a transfer result: its transfer, or the refusal as a W3aiError. */
export function outcomeOf(r: TransferResult | undefined): TransferOutcome {
  if (r === undefined) throw new W3aiError('INTERNAL', 'the ledger answered no result')
  if ((r.code === 'ok' || r.code === 'exists') && r.transfer !== undefined) return { transfer: r.transfer, created: r.code === 'ok' }
  throw new W3aiError(r.code as ErrorCode, r.message)
}

export class LedgerService {
  private readonly batcher: Batcher<Item, ItemResult>
  private readonly known = new Set<string>()
  private readonly cache = new LedgerCache()
  private timer: NodeJS.Timeout | undefined
  private sweeping = false

  constructor(private readonly c: LedgerComponents) {
    this.batcher = new Batcher<Item, ItemResult>({ run: (items) => this.commit(items) })
  }

  /** Mints the genesis allocations if the ledger is empty (a restart, or another hub's start, finds it not empty), then expires pending transfers as they fall due. */
  async start(): Promise<void> {
    await this.genesis()
    this.timer = setInterval(() => void this.sweep(), this.c.expiryIntervalMs)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.batcher.stop()
  }

  /**
   * Applies transfers in order, in the next batch (one transaction, one block). Linked transfers
   * succeed or fail together; a list must not end linked (LEDGER_LINKED_OPEN). For other domains:
   * any well-formed account id is opened on first use.
   */
  async transfer(transfers: TransferInput[]): Promise<TransferResult[]> {
    if (transfers.length === 0) return []
    if (transfers[transfers.length - 1]?.linked === true) {
      return transfers.map((t, i) => ({ id: t.id, code: i === transfers.length - 1 ? 'LEDGER_LINKED_OPEN' : 'LEDGER_LINKED_FAILED' }))
    }
    const out = await this.batcher.add({ transfers })
    if (!Array.isArray(out)) throw new W3aiError(out.refused)
    return out
  }

  /** Reserves `amount` from debit to credit until posted, voided or timed out. */
  async pending(t: { id: string; debit: string; credit: string; amount: bigint; kind: TransferKind; timeoutMs: number; memo?: string }): Promise<TransferResult> {
    const { timeoutMs, ...rest } = t
    return (await this.transfer([{ ...rest, pending: { timeoutMs } }]))[0] as TransferResult
  }

  /** Posts a pending transfer (all of it, or `amount` of it: the rest is released). */
  async post(id: string, pendingId: string, amount?: bigint): Promise<TransferResult> {
    return (await this.transfer([{ id, post: pendingId, ...(amount === undefined ? {} : { amount }) }]))[0] as TransferResult
  }

  /** Voids a pending transfer: its whole amount is released. */
  async void(id: string, pendingId: string): Promise<TransferResult> {
    return (await this.transfer([{ id, void: pendingId }]))[0] as TransferResult
  }

  /** An account with its sums, or undefined when it was never opened. */
  balanceOf(id: string): Promise<Account | undefined> {
    return this.c.store.account(id)
  }

  /** The wallet of a ledger account: its balance, what it can spend, what it has reserved (all zero before it is opened). */
  async wallet(account: string): Promise<Wallet> {
    const a = await this.c.store.account(account)
    if (a === undefined) return { account, balance: '0', available: '0', pending: '0' }
    return { account, balance: balanceOf(a).toString(), available: availableOf(a).toString(), pending: a.debitsPending.toString() }
  }

  /**
   * A wallet transfer: `from` (default the signer's user account) must be the signer's user or
   * node account; the recipient must exist (a ledger account, a hub account or a registered node).
   */
  async send(signer: { accountId: string; nodeId: string }, body: WalletTransferBody): Promise<TransferOutcome> {
    const from = body.from ?? `user:${signer.accountId}`
    if (from !== `user:${signer.accountId}` && from !== `node:${signer.nodeId}`) {
      throw new W3aiError('AUTH_WRONG_IDENTITY', `You may debit only user:${signer.accountId} (or node:${signer.nodeId} when signing with a node key).`)
    }
    const amount = units(body.amount)
    const to = body.to.startsWith('a_') ? `user:${body.to}` : body.to
    if (to === from) throw new W3aiError('LEDGER_SAME_ACCOUNT')
    await this.requireOpenable(to)
    const id = body.id ?? `tx_${randomBytes(12).toString('hex')}`
    const [result] = await this.transfer([{ id, debit: from, credit: to, amount, kind: 'transfer', ...(body.memo === undefined ? {} : { memo: body.memo }) }])
    return outcomeOf(result)
  }

  /** Tokens from the faucet (devnets): `amount` (default the configured one) up to the per-account cap. */
  async faucet(accountId: string, amountText: string | undefined): Promise<TransferOutcome> {
    const { faucet, faucetAmount, faucetCap } = this.c.settings
    if (!faucet) throw new W3aiError('LEDGER_FAUCET_DISABLED')
    const amount = amountText === undefined ? faucetAmount : units(amountText)
    if (amount > faucetCap) throw new W3aiError('LEDGER_FAUCET_CAP', `One account may take at most ${faucetCap} units from the faucet.`)
    const account = `user:${accountId}`
    const id = `faucet:${accountId}:${randomBytes(8).toString('hex')}`
    const out = await this.batcher.add({ transfers: [{ id, debit: 'faucet', credit: account, amount, kind: 'faucet', memo: 'faucet' }], cap: { account, limit: faucetCap } })
    if (!Array.isArray(out)) throw new W3aiError(out.refused, `One account may take at most ${faucetCap} units from the faucet.`)
    return outcomeOf(out[0])
  }

  /** Journal entries after seq `after`, in order (public: anyone can verify); nextCursor is the last seq given. */
  async journal(after: number, limit: number): Promise<JournalPage> {
    const rows = await this.c.store.journal(after, limit + 1)
    const entries = rows.slice(0, limit)
    const last = entries.at(-1)
    return { entries, nextCursor: rows.length > limit && last !== undefined ? String(last.seq) : null }
  }

  /** Blocks after height `after`, in order; nextCursor is the last height given. */
  async blocks(after: number, limit: number): Promise<LedgerBlockPage> {
    const rows = await this.c.store.blocks(after, limit + 1)
    const blocks = rows.slice(0, limit)
    const last = blocks.at(-1)
    return { blocks, nextCursor: rows.length > limit && last !== undefined ? String(last.height) : null }
  }

  /** Every account (or every one of `kind`) with its sums, in id order, a page at a time. */
  async accounts(cursor: string | undefined, limit: number, kind?: AccountKind): Promise<LedgerAccountPage> {
    const after = cursor === undefined ? '' : (decodeCursor('ledger-accounts', cursor, [ACCOUNT_ID]) as [string])[0]
    const rows = await this.c.store.accountsPage(after, limit + 1, kind)
    const kept = rows.slice(0, limit)
    const last = kept.at(-1)
    return { accounts: kept.map(accountToWire), nextCursor: rows.length > limit && last !== undefined ? encodeCursor('ledger-accounts', [last.id]) : null }
  }

  /** The journal entries that debit or credit `account`, newest first. */
  async history(account: string, cursor: string | undefined, limit: number): Promise<JournalPage> {
    const before = cursor === undefined ? undefined : Number((decodeCursor('wallet-history', cursor, [/^[1-9][0-9]{0,15}$/]) as [string])[0])
    const rows = await this.c.store.history(account, before, limit + 1)
    const entries = rows.slice(0, limit)
    const last = entries.at(-1)
    return { entries, nextCursor: rows.length > limit && last !== undefined ? encodeCursor('wallet-history', [String(last.seq)]) : null }
  }

  /** Totals for the summary route. */
  async summary(): Promise<LedgerSummary> {
    const byKind = await this.c.store.totals()
    const k = (kind: keyof typeof byKind): bigint => byKind[kind] ?? 0n
    const minted = -k('genesis')
    const burned = k('burn')
    const s = (v: bigint): string => v.toString()
    return { minted: s(minted), burned: s(burned), treasury: s(k('treasury')), escrow: s(k('escrow')), staked: s(k('stake')), supply: s(minted - burned) }
  }

  /** LEDGER_UNKNOWN_ACCOUNT unless `id` is a ledger account, or a user or node account the hub knows. */
  private async requireOpenable(id: string): Promise<void> {
    if (this.known.has(id)) return
    let ok = (await this.c.store.existing([id])).length > 0
    if (!ok) {
      const m = OWNED.exec(id)
      if (m?.[1] === 'user' && m[2]?.startsWith('a_')) ok = await this.c.accountExists(m[2])
      if (m?.[1] === 'node' && m[2]?.startsWith('n_')) ok = await this.c.nodeExists(m[2])
    }
    if (!ok) throw new W3aiError('LEDGER_UNKNOWN_ACCOUNT', `No account ${id}: the recipient must have a w3ai account (or be a registered node).`)
    if (this.known.size >= KNOWN_MAX) this.known.clear()
    this.known.add(id)
  }

  /**
   * One batch: one block, one signature. Faucet items (their cap is summed under the lock) take
   * the locked path; the others are computed from the cache, or from one lock-free read, and
   * written with one call that checks the head (`applyOptimistic`).
   */
  private async commit(items: Item[]): Promise<ItemResult[]> {
    if (items.some((item) => item.cap !== undefined)) return this.commitLocked(items)
    const results = await this.applyOptimistic(items.flatMap((item) => item.transfers))
    let next = 0
    return items.map((item) => {
      const mine = results.slice(next, next + item.transfers.length)
      next += item.transfers.length
      return mine
    })
  }

  /**
   * Applies a batch without holding the lock while it is computed: from the cache when it holds
   * everything the batch reads, else from one lock-free read; then one ledger_append, written only
   * if the journal still ends at the head the batch was computed from. The cache knows no transfer
   * ids but open pendings', so a batch from it that is not all 'ok' (a refusal, an 'exists', an id
   * the database may already hold) is computed again from a read: a refusal or an idempotent
   * answer always rests on the rows themselves. An id already stored that the cache took for new
   * makes the write fail on its primary key; that batch, a batch whose head keeps moving (another
   * hub writing) and any failed write go through the locked path, which reads under the lock.
   */
  private async applyOptimistic(batch: TransferInput[]): Promise<TransferResult[]> {
    for (let moved = 0; moved < HEAD_RETRIES; ) {
      const cached = this.cache.view(batch)
      let outcome = cached === undefined ? undefined : applyBatch(cached, batch, new Date())
      if (outcome === undefined || outcome.results.some((r) => r.code !== 'ok')) {
        const rows = await this.c.store.read(ledgerKeys(batch))
        this.cache.absorb(rows)
        outcome = applyBatch(memoryView(rows.head, rows.accounts, rows.transfers), batch, new Date())
        if (outcome.block === null) return outcome.results
      }
      let written: boolean
      try {
        written = await this.c.store.append(outcome, sealBlock(outcome.block as BlockBody, this.c.signer))
      } catch {
        break
      }
      if (written) {
        this.cache.written(outcome)
        return outcome.results
      }
      this.cache.clear()
      moved++
    }
    this.cache.clear()
    return this.applyLocked(batch)
  }

  /** A batch in one transaction holding the ledger lock (with the faucet's cap checked there). */
  private async commitLocked(items: Item[]): Promise<ItemResult[]> {
    return this.locked(async (tx) => {
      const refused = await this.overCap(tx, items)
      const batch = items.flatMap((item, i) => (refused.has(i) ? [] : item.transfers))
      const results = await this.apply(tx, batch)
      let next = 0
      return items.map((item, i) => {
        if (refused.has(i)) return { refused: 'LEDGER_FAUCET_CAP' as const }
        const mine = results.slice(next, next + item.transfers.length)
        next += item.transfers.length
        return mine
      })
    })
  }

  private applyLocked(batch: TransferInput[]): Promise<TransferResult[]> {
    return this.locked((tx) => this.apply(tx, batch))
  }

  /** A locked transaction; when it fails (its commit included) the cache, which may hold its writes, is dropped. */
  private async locked<T>(fn: (tx: SqlLedgerTx) => Promise<T>): Promise<T> {
    try {
      return await this.c.store.transaction(fn)
    } catch (err) {
      this.cache.clear()
      throw err
    }
  }

  /** Reads, applies and writes a batch inside a locked transaction, keeping what it read and wrote in the cache. */
  private async apply(tx: SqlLedgerTx, batch: TransferInput[]): Promise<TransferResult[]> {
    if (batch.length === 0) return []
    const rows = await tx.loadRows(ledgerKeys(batch))
    const outcome = applyBatch(memoryView(rows.head, rows.accounts, rows.transfers), batch, new Date())
    if (outcome.block !== null) await tx.write(outcome, sealBlock(outcome.block, this.c.signer))
    // Kept before the commit: if it fails, `locked` drops the cache (and a head that never
    // landed would refuse the next write anyway).
    this.cache.absorb(rows)
    if (outcome.block !== null) this.cache.written(outcome)
    return outcome.results
  }

  /** Indexes of faucet items that would take their account past the cap (counting earlier items of the batch). */
  private async overCap(tx: SqlLedgerTx, items: Item[]): Promise<Set<number>> {
    const refused = new Set<number>()
    const capped = items.filter((i) => i.cap !== undefined)
    if (capped.length === 0) return refused
    const taken = await tx.faucetTaken([...new Set(capped.map((i) => (i.cap as NonNullable<Item['cap']>).account))])
    items.forEach((item, i) => {
      if (item.cap === undefined) return
      const amount = item.transfers.reduce((sum, t) => sum + (t.amount ?? 0n), 0n)
      const after = (taken.get(item.cap.account) ?? 0n) + amount
      if (after > item.cap.limit) refused.add(i)
      else taken.set(item.cap.account, after)
    })
    return refused
  }

  private async genesis(): Promise<void> {
    const { genesisTreasury, genesisFaucet } = this.c.settings
    const batch = genesisBatch({ treasury: genesisTreasury, faucet: genesisFaucet })
    if (batch.length === 0) return
    await this.locked(async (tx) => {
      if ((await tx.head()).seq > 0) return
      const results = await this.apply(tx, batch)
      const bad = results.find((r) => r.code !== 'ok')
      if (bad !== undefined) throw new Error(`genesis failed: ${bad.id} ${bad.code}`)
    })
  }

  /** Expires pending transfers past their timeout (a cheap look first, the lock only when some are due). */
  private async sweep(): Promise<void> {
    if (this.sweeping) return
    this.sweeping = true
    try {
      if (await this.c.store.anyDue(new Date())) {
        // The expiry moves the head: the cache would only cost the next batch a refused write.
        const { block } = await commitExpiry(this.c.store, { signer: this.c.signer })
        if (block !== null) this.cache.clear()
      }
    } catch (err) {
      this.c.onError(err)
    } finally {
      this.sweeping = false
    }
  }
}

/** A wire amount as a transfer amount: LEDGER_BAD_AMOUNT (malformed, zero) or LEDGER_AMOUNT_OVERFLOW otherwise. */
function units(text: string): bigint {
  const amount = parseUnits(text)
  const problem = amountProblem(amount)
  if (problem !== null) throw new W3aiError(problem)
  return amount
}
