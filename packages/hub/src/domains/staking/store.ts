/**
 * SQL for staking: unbonding entries (when unstaked tokens are released) and read-only views of
 * the ledger's tables (bonded stake per node, what was slashed). Amounts themselves live only in
 * the ledger: an entry's balance is its ledger account's.
 */
import type { Queryable } from '../../db/types.js'

export interface UnbondingRow {
  id: string
  nodeId: string
  amount: bigint
  createdAt: Date
  releaseAt: Date
  releasedAt: Date | null
}

interface RawUnbonding {
  id: string
  node_id: string
  amount: string
  created_at: Date | string
  release_at: Date | string
  released_at: Date | string | null
}

const toRow = (r: RawUnbonding): UnbondingRow => ({
  id: r.id,
  nodeId: r.node_id,
  amount: BigInt(r.amount),
  createdAt: new Date(r.created_at),
  releaseAt: new Date(r.release_at),
  releasedAt: r.released_at === null ? null : new Date(r.released_at),
})

/** The ledger account holding one node's bonded stake. */
export const stakeAccount = (nodeId: string): string => `stake:${nodeId}`
/** The ledger account holding one unbonding entry until it is released. */
export const unbondingAccount = (nodeId: string, entryId: string): string => `stake:${nodeId}:${entryId}`

export class StakingStore {
  constructor(private readonly db: Queryable) {}

  /** Records an unbonding entry; false when one with this id exists already. */
  async openUnbonding(e: { id: string; nodeId: string; amount: bigint; releaseAt: Date }): Promise<boolean> {
    const r = await this.db.query(
      `INSERT INTO stake_unbonding (id, node_id, amount, release_at) VALUES ($1, $2, $3::numeric, $4) ON CONFLICT (id) DO NOTHING`,
      [e.id, e.nodeId, e.amount.toString(), e.releaseAt.toISOString()],
    )
    return r.rowCount > 0
  }

  async unbonding(id: string): Promise<UnbondingRow | undefined> {
    const r = await this.db.query<RawUnbonding>('SELECT id, node_id, amount::text AS amount, created_at, release_at, released_at FROM stake_unbonding WHERE id = $1', [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toRow(row)
  }

  /** Forgets an entry whose unstake transfer was refused (nothing moved into it). */
  async dropUnbonding(id: string): Promise<void> {
    await this.db.query('DELETE FROM stake_unbonding WHERE id = $1 AND released_at IS NULL', [id])
  }

  /** A node's entries not yet released, oldest first. */
  async openEntries(nodeId: string): Promise<UnbondingRow[]> {
    const r = await this.db.query<RawUnbonding>(
      `SELECT id, node_id, amount::text AS amount, created_at, release_at, released_at FROM stake_unbonding
       WHERE node_id = $1 AND released_at IS NULL ORDER BY created_at, id`,
      [nodeId],
    )
    return r.rows.map(toRow)
  }

  /** Entries whose unbonding period is over, oldest first. */
  async due(now: Date, limit: number): Promise<UnbondingRow[]> {
    const r = await this.db.query<RawUnbonding>(
      `SELECT id, node_id, amount::text AS amount, created_at, release_at, released_at FROM stake_unbonding
       WHERE released_at IS NULL AND release_at <= $1 ORDER BY release_at, id LIMIT $2`,
      [now.toISOString(), limit],
    )
    return r.rows.map(toRow)
  }

  async markReleased(id: string): Promise<void> {
    await this.db.query('UPDATE stake_unbonding SET released_at = now() WHERE id = $1 AND released_at IS NULL', [id])
  }

  /** Every ledger account that ever held this node's stake (bonded and every unbonding entry). */
  async allStakeAccounts(nodeId: string): Promise<string[]> {
    const r = await this.db.query<{ id: string }>('SELECT id FROM stake_unbonding WHERE node_id = $1', [nodeId])
    return [stakeAccount(nodeId), ...r.rows.map((x) => unbondingAccount(nodeId, x.id))]
  }

  /** Units slashed from these accounts, from the journal (the record of what moved). */
  async slashedFrom(accounts: string[]): Promise<bigint> {
    const r = await this.db.query<{ total: string }>(
      `SELECT COALESCE(sum(amount), 0)::text AS total FROM ledger_journal WHERE debit = ANY($1::text[]) AND kind = 'slash' AND action IN ('transfer', 'post')`,
      [accounts],
    )
    return BigInt(r.rows[0]?.total ?? '0')
  }

  /** Bonded stake of every node that ever staked, 0 included (the router's index reloads it: a lost event heals). */
  async bondedStakes(): Promise<Map<string, bigint>> {
    const r = await this.db.query<{ id: string; balance: string }>(
      `SELECT id, (credits_posted - debits_posted)::text AS balance FROM ledger_accounts
       WHERE kind = 'stake' AND id ~ '^stake:n_[0-9a-f]{20}$'`,
    )
    return new Map(r.rows.map((x) => [x.id.slice('stake:'.length), BigInt(x.balance)]))
  }
}
