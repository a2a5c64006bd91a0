/**
 * Vote weights read from the ledger's tables. Accounts vote with their user account; node
 * operators sign with the node's key and vote with the node's balance plus its bonded stake. A
 * snapshot is the journal head with the voting supply at that moment, read in one statement so
 * both come from one database snapshot (the ledger writes its journal and account sums in one
 * transaction). A weight is the voter's posted balance
 * after the snapshot seq, replayed from the journal (plain transfers and posts move posted
 * balances; pending, void and expiry entries do not), so later transfers never count.
 */
import type { Queryable } from '../../db/types.js'

/** Accounts whose balances vote: users', nodes' and bonded stake (unbonding stake, stake:<node>:<id>, is on its way out and does not vote). */
const VOTING_KINDS = ['user', 'node', 'stake']

export interface Snapshot {
  seq: number
  supply: bigint
}

/** The ledger accounts whose balance is `voter`'s weight: an account's user account; a node's own account and bonded stake. */
export function votingAccounts(voter: string): string[] {
  return voter.startsWith('n_') ? [`node:${voter}`, `stake:${voter}`] : [`user:${voter}`]
}

/** The journal head and the voting supply (posted balances of every user, node and bonded stake account) at that head. */
export async function takeSnapshot(db: Queryable): Promise<Snapshot> {
  const r = await db.query<{ seq: string; supply: string }>(
    `SELECT COALESCE((SELECT max(seq) FROM ledger_journal), 0)::text AS seq,
            COALESCE((SELECT sum(credits_posted - debits_posted) FROM ledger_accounts WHERE kind = ANY($1::text[]) AND id !~ '^stake:.*:'), 0)::text AS supply`,
    [VOTING_KINDS],
  )
  const row = r.rows[0]
  return { seq: Number(row?.seq ?? 0), supply: BigInt(row?.supply ?? '0') }
}

/** The posted balance of `accounts` together after journal entry `seq` (transfers among them cancel out). */
export async function balanceAt(db: Queryable, accounts: readonly string[], seq: number): Promise<bigint> {
  const r = await db.query<{ weight: string }>(
    `SELECT ((SELECT COALESCE(sum(amount), 0) FROM ledger_journal WHERE credit = ANY($1::text[]) AND seq <= $2 AND action IN ('transfer', 'post'))
           - (SELECT COALESCE(sum(amount), 0) FROM ledger_journal WHERE debit = ANY($1::text[]) AND seq <= $2 AND action IN ('transfer', 'post')))::text AS weight`,
    [accounts, seq],
  )
  return BigInt(r.rows[0]?.weight ?? '0')
}

/** `voter`'s weight at the snapshot: balance plus stake after journal entry `seq`. */
export async function weightAt(db: Queryable, voter: string, seq: number): Promise<bigint> {
  return balanceAt(db, votingAccounts(voter), seq)
}
