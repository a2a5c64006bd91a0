/**
 * SQL for the ledger, implementing @w3ai/ledger's LedgerStore. A write transaction first takes a
 * transaction-level advisory lock, so every hub on one PostgreSQL applies batches one at a time
 * (PGlite has one connection and serializes transactions itself); it then loads exactly the rows
 * the batch names and writes the engine's outcome with one multi-row statement per table, so a
 * batch of hundreds of transfers costs about ten round trips, not ten per transfer.
 */
import { blockHash, type Account, type AccountKind, type Block, type BatchOutcome, type JournalEntry, type LedgerHead, type LedgerStore, type LedgerTx, type StoredTransfer, type TransferAction, type TransferKind, type TransferStatus } from '@w3ai/ledger'
import { ZERO_HASH } from '@w3ai/ledger'
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

  async write(outcome: BatchOutcome, block: Block): Promise<void> {
    const accounts = outcome.accountDeltas.map((d) => d.after)
    if (accounts.length > 0) {
      // Absolute sums are safe: the lock makes this transaction the only writer since the load.
      await this.q.query(
        `INSERT INTO ledger_accounts (id, kind, owner, debits_must_not_exceed_credits, credits_must_not_exceed_debits, debits_posted, credits_posted, debits_pending, credits_pending)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bool[], $5::bool[], $6::numeric[], $7::numeric[], $8::numeric[], $9::numeric[])
         ON CONFLICT (id) DO UPDATE SET debits_posted = EXCLUDED.debits_posted, credits_posted = EXCLUDED.credits_posted,
           debits_pending = EXCLUDED.debits_pending, credits_pending = EXCLUDED.credits_pending`,
        [
          accounts.map((a) => a.id),
          accounts.map((a) => a.kind),
          accounts.map((a) => a.owner),
          accounts.map((a) => a.flags.debitsMustNotExceedCredits),
          accounts.map((a) => a.flags.creditsMustNotExceedDebits),
          accounts.map((a) => a.debitsPosted.toString()),
          accounts.map((a) => a.creditsPosted.toString()),
          accounts.map((a) => a.debitsPending.toString()),
          accounts.map((a) => a.creditsPending.toString()),
        ],
      )
    }
    const t = outcome.newTransfers
    if (t.length > 0) {
      await this.q.query(
        `INSERT INTO ledger_transfers (id, debit, credit, amount, kind, action, status, pending_id, timeout_ms, timeout_at, memo, seq, at)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::timestamptz[], $11::text[], $12::bigint[], $13::text[])`,
        [
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
        ],
      )
    }
    const u = outcome.updatedTransfers
    if (u.length > 0) {
      await this.q.query(
        `UPDATE ledger_transfers AS t SET status = u.status FROM UNNEST($1::text[], $2::text[]) AS u(id, status) WHERE t.id = u.id`,
        [u.map((x) => x.id), u.map((x) => x.status)],
      )
    }
    const j = outcome.journal
    await this.q.query(
      `INSERT INTO ledger_journal (seq, transfer_id, kind, action, debit, credit, amount, pending, pending_id, memo, at, prev, hash)
       SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[], $8::bool[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`,
      [
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
      ],
    )
    await this.q.query(
      `INSERT INTO ledger_blocks (height, first_seq, last_seq, last_hash, prev_block_hash, at, hub_key, signature) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [block.height, block.firstSeq, block.lastSeq, block.lastHash, block.prevBlockHash, block.at, block.hubKey, block.signature],
    )
  }
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

  async journal(after: number, limit: number): Promise<JournalEntry[]> {
    const r = await this.db.query<JournalRow>(`SELECT ${JOURNAL_COLUMNS} FROM ledger_journal WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit])
    return r.rows.map(toEntry)
  }

  async blocks(after: number, limit: number): Promise<Block[]> {
    const r = await this.db.query<BlockRow>(`SELECT ${BLOCK_COLUMNS} FROM ledger_blocks WHERE height > $1 ORDER BY height LIMIT $2`, [after, limit])
    return r.rows.map(toBlock)
  }

  async accountsPage(after: string, limit: number): Promise<Account[]> {
    // The id column is COLLATE "C": byte order, the same on every database and in JavaScript.
    const r = await this.db.query<AccountRow>(`SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id > $1 ORDER BY id LIMIT $2`, [after, limit])
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
