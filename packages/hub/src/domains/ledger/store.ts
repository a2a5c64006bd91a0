/**
 * SQL for the ledger, implementing @w3ai/ledger's LedgerStore. Every write goes through
 * ledger_append (migration 022): one statement that takes a transaction-level advisory lock, so
 * every hub on one PostgreSQL applies batches one at a time, checks that the journal still ends
 * where the batch begins and writes the engine's outcome (multi-row, over UNNEST arrays). A batch
 * the service computed from the sums it keeps (or from `read`, one lock-free statement) costs one
 * round trip; the locked path (`transaction`: BEGIN, lock, load, write, COMMIT) remains for the
 * faucet's cap, genesis, expiry and as the fallback when the head keeps moving.
 */
import {
  blockHash,
  memoryView,
  ZERO_HASH,
  type Account,
  type AccountKind,
  type BatchOutcome,
  type Block,
  type JournalEntry,
  type LedgerHead,
  type LedgerKeys,
  type LedgerReadView,
  type LedgerStore,
  type LedgerTx,
  type StoredTransfer,
  type TransferAction,
  type TransferKind,
  type TransferStatus,
} from '@w3ai/ledger'
import type { Database, Queryable } from '../../db/types.js'

/** Arbitrary constant: serializes ledger batches of every hub on one PostgreSQL. */
export const LEDGER_LOCK = 7420_0017

const ISO_MS = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

const ACCOUNT_COLUMNS = `id, kind, owner, debits_must_not_exceed_credits, credits_must_not_exceed_debits,
  debits_posted::text AS debits_posted, credits_posted::text AS credits_posted, debits_pending::text AS debits_pending, credits_pending::text AS credits_pending`
// bigint columns are left as they are (pg answers strings, PGlite numbers; both go through Number):
// an alias like `seq::text AS seq` would make ORDER BY seq sort text.
const TRANSFER_COLUMNS = `id, debit, credit, amount::text AS amount, kind, action, status, pending_id, timeout_ms,
  ${ISO_MS('timeout_at')} AS timeout_at, memo, seq, at`
const JOURNAL_COLUMNS = 'seq, transfer_id, kind, action, debit, credit, amount::text AS amount, pending, pending_id, memo, at, prev, hash'
const BLOCK_COLUMNS = 'height, first_seq, last_seq, last_hash, prev_block_hash, at, hub_key, signature'

type BigintColumn = string | number

interface AccountRow {
  id: string
  kind: AccountKind
  owner: string | null
  debits_must_not_exceed_credits: boolean
  credits_must_not_exceed_debits: boolean
  debits_posted: string
  credits_posted: string
  debits_pending: string
  credits_pending: string
}

interface TransferRow {
  id: string
  debit: string
  credit: string
  amount: string
  kind: TransferKind
  action: Exclude<TransferAction, 'expire'>
  status: TransferStatus
  pending_id: string | null
  timeout_ms: BigintColumn | null
  timeout_at: string | null
  memo: string | null
  seq: BigintColumn
  at: string
}

interface JournalRow {
  seq: BigintColumn
  transfer_id: string
  kind: TransferKind
  action: TransferAction
  debit: string
  credit: string
  amount: string
  pending: boolean
  pending_id: string | null
  memo: string | null
  at: string
  prev: string
  hash: string
}

interface BlockRow {
  height: BigintColumn
  first_seq: BigintColumn
  last_seq: BigintColumn
  last_hash: string
  prev_block_hash: string
  at: string
  hub_key: string
  signature: string
}

export function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    kind: r.kind,
    owner: r.owner,
    flags: { debitsMustNotExceedCredits: r.debits_must_not_exceed_credits, creditsMustNotExceedDebits: r.credits_must_not_exceed_debits },
    debitsPosted: BigInt(r.debits_posted),
    creditsPosted: BigInt(r.credits_posted),
    debitsPending: BigInt(r.debits_pending),
    creditsPending: BigInt(r.credits_pending),
  }
}

function toTransfer(r: TransferRow): StoredTransfer {
  return {
    id: r.id,
    debit: r.debit,
    credit: r.credit,
    amount: BigInt(r.amount),
    kind: r.kind,
    action: r.action,
    status: r.status,
    pendingId: r.pending_id,
    timeoutMs: r.timeout_ms === null ? null : Number(r.timeout_ms),
    timeoutAt: r.timeout_at,
    memo: r.memo,
    seq: Number(r.seq),
    at: r.at,
  }
}

function toEntry(r: JournalRow): JournalEntry {
  return {
    seq: Number(r.seq),
    transferId: r.transfer_id,
    kind: r.kind,
    action: r.action,
    debit: r.debit,
    credit: r.credit,
    amount: r.amount,
    pending: r.pending,
    pendingId: r.pending_id,
    memo: r.memo,
    at: r.at,
    prev: r.prev,
    hash: r.hash,
  }
}

function toBlock(r: BlockRow): Block {
  return {
    height: Number(r.height),
    firstSeq: Number(r.first_seq),
    lastSeq: Number(r.last_seq),
    lastHash: r.last_hash,
    prevBlockHash: r.prev_block_hash,
    at: r.at,
    hubKey: r.hub_key,
    signature: r.signature,
  }
}

/** The writes of one transaction holding the ledger lock. */
class SqlLedgerTx implements LedgerTx {
  constructor(private readonly q: Queryable) {}

  async head(): Promise<LedgerHead> {
    const r = await this.q.query<{ seq: BigintColumn | null; hash: string | null; block: BlockRow | null }>(
      `SELECT (SELECT seq FROM ledger_journal ORDER BY seq DESC LIMIT 1) AS seq,
              (SELECT hash FROM ledger_journal ORDER BY seq DESC LIMIT 1) AS hash,
              (SELECT row_to_json(b) FROM (SELECT ${BLOCK_COLUMNS} FROM ledger_blocks ORDER BY height DESC LIMIT 1) b) AS block`,
    )
    const row = r.rows[0]
    const block = row?.block ? toBlock(row.block) : undefined
    return {
      seq: row?.seq ? Number(row.seq) : 0,
      hash: row?.hash ?? ZERO_HASH,
      height: block?.height ?? 0,
      blockHash: block === undefined ? ZERO_HASH : blockHash(block),
    }
  }

  async accounts(ids: readonly string[]): Promise<Account[]> {
    const r = await this.q.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::text[])`, [ids])
    return r.rows.map(toAccount)
  }

  async transfers(ids: readonly string[]): Promise<StoredTransfer[]> {
    const r = await this.q.query<TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = ANY($1::text[])`, [ids])
    return r.rows.map(toTransfer)
  }

  async duePending(now: Date, limit: number): Promise<StoredTransfer[]> {
    const r = await this.q.query<TransferRow>(
      `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE status = 'pending' AND timeout_at <= $1 ORDER BY timeout_at, id LIMIT $2`,
      [now.toISOString(), limit],
    )
    return r.rows.map(toTransfer)
  }

  /** Units already taken from the faucet by each of `accounts` (absent: none). */
  async faucetTaken(accounts: readonly string[]): Promise<Map<string, bigint>> {
    const r = await this.q.query<{ credit: string; taken: string }>(
      `SELECT credit, sum(amount)::text AS taken FROM ledger_transfers WHERE kind = 'faucet' AND credit = ANY($1::text[]) GROUP BY credit`,
      [accounts],
    )
    return new Map(r.rows.map((row) => [row.credit, BigInt(row.taken)]))
  }

  /** Loads what a batch reads in one round trip, under the lock (see `readRows`). */
  async load(keys: LedgerKeys): Promise<LedgerReadView> {
    const rows = await readRows(this.q, keys)
    return memoryView(rows.head, rows.accounts, rows.transfers)
  }

  /** The same load, with the rows themselves (the service keeps the accounts it reads). */
  loadRows(keys: LedgerKeys): Promise<LedgerRows> {
    return readRows(this.q, keys)
  }

  /** Writes a batch's outcome in one statement (ledger_append); under the lock the head cannot have moved. */
  async write(outcome: BatchOutcome, block: Block): Promise<void> {
    if (!(await append(this.q, outcome, block))) throw new Error('the ledger head moved under the ledger lock')
  }
}

/** What a batch read: the head and the rows found. */
export interface LedgerRows {
  head: LedgerHead
  accounts: Account[]
  transfers: StoredTransfer[]
}

/**
 * Reads the head, the transfers among `keys.transfers`, and the accounts among `keys.accounts`
 * plus the debit and credit of every transfer found (a post or void needs its pending transfer's
 * accounts), in one statement: one snapshot, so the rows are the ledger as of the head returned
 * (with or without the lock). The same view as @w3ai/ledger's loadView.
 */
async function readRows(q: Queryable, keys: LedgerKeys): Promise<LedgerRows> {
  // One primary-key lookup per id (LATERAL): the plan stays an index probe per key however the
  // tables grow, where `id = ANY(...)` may scan a table whose statistics are not yet gathered.
  const r = await q.query<{ seq: BigintColumn | null; hash: string | null; block: BlockRow | null; transfers: TransferRow[] | null; accounts: AccountRow[] | null }>(
    `WITH t AS (
       SELECT x.* FROM unnest($1::text[]) AS k(id), LATERAL (SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id = k.id) x
     ), a AS (
       SELECT x.* FROM (SELECT DISTINCT unnest($2::text[] || ARRAY(SELECT debit FROM t) || ARRAY(SELECT credit FROM t)) AS id) k,
         LATERAL (SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = k.id) x
     )
     SELECT (SELECT seq FROM ledger_journal ORDER BY seq DESC LIMIT 1) AS seq,
            (SELECT hash FROM ledger_journal ORDER BY seq DESC LIMIT 1) AS hash,
            (SELECT row_to_json(b) FROM (SELECT ${BLOCK_COLUMNS} FROM ledger_blocks ORDER BY height DESC LIMIT 1) b) AS block,
            (SELECT json_agg(t) FROM t) AS transfers,
            (SELECT json_agg(a) FROM a) AS accounts`,
    [keys.transfers, keys.accounts],
  )
  const row = r.rows[0]
  const block = row?.block ? toBlock(row.block) : undefined
  return {
    head: {
      seq: row?.seq ? Number(row.seq) : 0,
      hash: row?.hash ?? ZERO_HASH,
      height: block?.height ?? 0,
      blockHash: block === undefined ? ZERO_HASH : blockHash(block),
    },
    accounts: (row?.accounts ?? []).map(toAccount),
    transfers: (row?.transfers ?? []).map(toTransfer),
  }
}

/**
 * Writes a batch's outcome with one call of ledger_append (migration 022): opened accounts, new
 * sums, new transfers, closed pendings' status, journal entries and the block, only if the
 * journal still ends where the batch's first entry says it does (false, nothing written,
 * otherwise). Sums are written as absolute values: the unchanged head says nothing else wrote.
 */
async function append(q: Queryable, outcome: BatchOutcome, block: Block): Promise<boolean> {
  const j = outcome.journal
  const first = j[0]
  if (first === undefined) throw new Error('a block with no journal entries')
  const n = outcome.accountDeltas.filter((d) => d.created).map((d) => d.after)
  const c = outcome.accountDeltas.filter((d) => !d.created).map((d) => d.after)
  const t = outcome.newTransfers
  const u = outcome.updatedTransfers
  const r = await q.query<{ ok: boolean }>(
    `SELECT ledger_append(${Array.from({ length: 53 }, (_, i) => `$${i + 1}`).join(', ')}) AS ok`,
    [
      LEDGER_LOCK,
      first.seq - 1,
      first.prev,
      n.map((x) => x.id),
      n.map((x) => x.kind),
      n.map((x) => x.owner),
      n.map((x) => x.flags.debitsMustNotExceedCredits),
      n.map((x) => x.flags.creditsMustNotExceedDebits),
      n.map((x) => x.debitsPosted.toString()),
      n.map((x) => x.creditsPosted.toString()),
      n.map((x) => x.debitsPending.toString()),
      n.map((x) => x.creditsPending.toString()),
      c.map((x) => x.id),
      c.map((x) => x.debitsPosted.toString()),
      c.map((x) => x.creditsPosted.toString()),
      c.map((x) => x.debitsPending.toString()),
      c.map((x) => x.creditsPending.toString()),
      t.map((x) => x.id),
      t.map((x) => x.debit),
      t.map((x) => x.credit),
      t.map((x) => x.amount.toString()),
      t.map((x) => x.kind),
      t.map((x) => x.action),
      t.map((x) => x.status),
      t.map((x) => x.pendingId),
      t.map((x) => x.timeoutMs),
      t.map((x) => x.timeoutAt),
      t.map((x) => x.memo),
      t.map((x) => x.seq),
      t.map((x) => x.at),
      u.map((x) => x.id),
      u.map((x) => x.status),
      j.map((e) => e.seq),
      j.map((e) => e.transferId),
      j.map((e) => e.kind),
      j.map((e) => e.action),
      j.map((e) => e.debit),
      j.map((e) => e.credit),
      j.map((e) => e.amount),
      j.map((e) => e.pending),
      j.map((e) => e.pendingId),
      j.map((e) => e.memo),
      j.map((e) => e.at),
      j.map((e) => e.prev),
      j.map((e) => e.hash),
      block.height,
      block.firstSeq,
      block.lastSeq,
      block.lastHash,
      block.prevBlockHash,
      block.at,
      block.hubKey,
      block.signature,
    ],
  )
  return r.rows[0]?.ok === true
}

/** Totals by account kind (units of posted balance). */
export type KindTotals = Partial<Record<AccountKind, bigint>>

export class SqlLedgerStore implements LedgerStore {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: SqlLedgerTx) => Promise<T>): Promise<T> {
    return this.db.transaction(async (q) => {
      if (this.db.kind === 'postgres') await q.query('SELECT pg_advisory_xact_lock($1)', [LEDGER_LOCK])
      return fn(new SqlLedgerTx(q))
    })
  }

  /**
   * The rows a batch reads, without the lock or a transaction: one statement, so one snapshot
   * (the ledger as of the head returned). A batch computed from them is written with `append`.
   */
  read(keys: LedgerKeys): Promise<LedgerRows> {
    return readRows(this.db, keys)
  }

  /**
   * Writes a batch computed outside the lock, in one statement and its own transaction: true when
   * written, false (nothing written) when the journal no longer ends where the batch begins.
   */
  append(outcome: BatchOutcome, block: Block): Promise<boolean> {
    return append(this.db, outcome, block)
  }

  async journal(after: number, limit: number): Promise<JournalEntry[]> {
    const r = await this.db.query<JournalRow>(`SELECT ${JOURNAL_COLUMNS} FROM ledger_journal WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit])
    return r.rows.map(toEntry)
  }

  async blocks(after: number, limit: number): Promise<Block[]> {
    const r = await this.db.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM ledger_blocks WHERE height > $1 ORDER BY height LIMIT $2`, [after, limit])
    return r.rows.map(toBlock)
  }

  /** Accounts with id > after (of `kind` alone when given), in id order. */
  async accountsPage(after: string, limit: number, kind?: AccountKind): Promise<Account[]> {
    // The id column is COLLATE "C": byte order, the same on every database and in JavaScript.
    const r = kind === undefined
      ? await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit])
      : await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id > $1 AND kind = $3 ORDER BY id LIMIT $2`, [after, limit, kind])
    return r.rows.map(toAccount)
  }

  async account(id: string): Promise<Account | undefined> {
    const r = await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = $1`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toAccount(row)
  }

  /** Whether some pending transfer is past its timeout (uses the partial index; takes no lock). */
  async anyDue(now: Date): Promise<boolean> {
    const r = await this.db.query("SELECT 1 FROM ledger_transfers WHERE status = 'pending' AND timeout_at <= $1 LIMIT 1", [now.toISOString()])
    return r.rows.length > 0
  }

  /** Which of `ids` exist. */
  async existing(ids: readonly string[]): Promise<string[]> {
    const r = await this.db.query<{ id: string }>('SELECT id FROM ledger_accounts WHERE id = ANY($1::text[])', [ids])
    return r.rows.map((row) => row.id)
  }

  /** Journal entries that debit or credit `account`, newest first, with seq < before (all when undefined). */
  async history(account: string, before: number | undefined, limit: number): Promise<JournalEntry[]> {
    const bound = before ?? Number.MAX_SAFE_INTEGER
    // Two index scans (debit side, credit side) merged: an OR would not use the (account, seq) indexes.
    const r = await this.db.query<JournalRow>(
      `SELECT * FROM (
         (SELECT ${JOURNAL_COLUMNS} FROM ledger_journal WHERE debit = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
         UNION ALL
         (SELECT ${JOURNAL_COLUMNS} FROM ledger_journal WHERE credit = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3)
       ) h ORDER BY seq DESC LIMIT $3`,
      [account, bound, limit],
    )
    return r.rows.map(toEntry)
  }

  /** Posted balances (credits − debits) summed by account kind. */
  async totals(): Promise<KindTotals> {
    const r = await this.db.query<{ kind: AccountKind; total: string }>('SELECT kind, sum(credits_posted - debits_posted)::text AS total FROM ledger_accounts GROUP BY kind')
    const byKind: KindTotals = {}
    for (const row of r.rows) byKind[row.kind] = BigInt(row.total)
    return byKind
  }
}

export type { SqlLedgerTx }
