/**
 * SQL for the governed parameter table, proposals and votes. Times are ms since the epoch in
 * records (the service's clock sets them; tests inject one) and timestamptz in the tables.
 */
import { emptyTally, type ProposalRules, type ProposalStatus, type Tally, type VoteSupport } from '@w3ai/ledger'
import type { ProposalListQuery } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'
import { keysetTime, NewestFirst, type Page } from '../../infra/paging.js'

export interface ProposalRecord {
  id: string
  proposer: string
  description: string
  /** As proposed and checked: names and decimal-string values. */
  changes: Array<{ name: string; value: string }>
  snapshotSeq: number
  supply: bigint
  rules: ProposalRules
  votingStartsAt: number
  votingEndsAt: number
  eta: number
  status: ProposalStatus
  reason: string | null
  createdAt: number
  queuedAt: number | null
  executedAt: number | null
  closedAt: number | null
}

export interface ParameterRow {
  name: string
  value: string
  updatedAt: number | null
  proposalId: string | null
}

export interface VoteRecord {
  proposalId: string
  voter: string
  support: VoteSupport
  weight: bigint
  at: number
}

interface RawProposal {
  id: string
  proposer: string
  description: string
  changes: Array<{ name: string; value: string }>
  snapshot_seq: string
  supply: string
  rules: ProposalRules
  voting_starts_at: Date | string
  voting_ends_at: Date | string
  eta: Date | string
  status: ProposalStatus
  reason: string | null
  created_at: Date | string
  queued_at: Date | string | null
  executed_at: Date | string | null
  closed_at: Date | string | null
}

const ms = (v: Date | string): number => new Date(v).getTime()
const msOrNull = (v: Date | string | null): number | null => (v === null ? null : ms(v))
const ts = (v: number | null): string | null => (v === null ? null : new Date(v).toISOString())

const toProposal = (r: RawProposal): ProposalRecord => ({
  id: r.id,
  proposer: r.proposer,
  description: r.description,
  changes: r.changes,
  snapshotSeq: Number(r.snapshot_seq),
  supply: BigInt(r.supply),
  rules: r.rules,
  votingStartsAt: ms(r.voting_starts_at),
  votingEndsAt: ms(r.voting_ends_at),
  eta: ms(r.eta),
  status: r.status,
  reason: r.reason,
  createdAt: ms(r.created_at),
  queuedAt: msOrNull(r.queued_at),
  executedAt: msOrNull(r.executed_at),
  closedAt: msOrNull(r.closed_at),
})

const COLUMNS = `id, proposer, description, changes, snapshot_seq::text AS snapshot_seq, supply::text AS supply, rules,
  voting_starts_at, voting_ends_at, eta, status, reason, created_at, queued_at, executed_at, closed_at`
const PAGES = new NewestFirst('proposals', /^gp_[0-9a-f]{24}$/)

/** Fields a status change sets besides the status. */
export interface StatusChange {
  reason?: string
  queuedAt?: number
  executedAt?: number
  closedAt?: number
}

export class GovernanceStore {
  constructor(private readonly db: Queryable) {}

  /** Inserts the parameters not stored yet with these values; answers the names inserted. */
  async seedParameters(tx: Queryable, values: Readonly<Record<string, string>>): Promise<string[]> {
    const names = Object.keys(values)
    const r = await tx.query<{ name: string }>(
      `INSERT INTO network_parameters (name, value) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (name) DO NOTHING RETURNING name`,
      [names, names.map((n) => values[n] as string)],
    )
    return r.rows.map((row) => row.name).sort()
  }

  async parameters(db: Queryable = this.db): Promise<ParameterRow[]> {
    const r = await db.query<{ name: string; value: string; updated_at: Date | string | null; proposal_id: string | null }>('SELECT name, value, updated_at, proposal_id FROM network_parameters ORDER BY name')
    return r.rows.map((row) => ({ name: row.name, value: row.value, updatedAt: msOrNull(row.updated_at), proposalId: row.proposal_id }))
  }

  /** Writes an executed proposal's changes. */
  async setParameters(tx: Queryable, changes: ReadonlyArray<{ name: string; value: string }>, proposalId: string, at: number): Promise<void> {
    await tx.query(
      `INSERT INTO network_parameters (name, value, updated_at, proposal_id) SELECT n, v, $3, $4 FROM unnest($1::text[], $2::text[]) AS c(n, v)
       ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at, proposal_id = EXCLUDED.proposal_id`,
      [changes.map((c) => c.name), changes.map((c) => c.value), ts(at), proposalId],
    )
  }

  async insertProposal(tx: Queryable, p: ProposalRecord): Promise<void> {
    await tx.query(
      `INSERT INTO governance_proposals (id, proposer, description, changes, snapshot_seq, supply, rules, voting_starts_at, voting_ends_at, eta, status, created_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7::jsonb, $8, $9, $10, $11, $12)`,
      [p.id, p.proposer, p.description, JSON.stringify(p.changes), p.snapshotSeq, p.supply.toString(), JSON.stringify(p.rules), ts(p.votingStartsAt), ts(p.votingEndsAt), ts(p.eta), p.status, ts(p.createdAt)],
    )
  }

  /** A proposal; with `forUpdate` (inside a transaction) its row stays locked until the end. */
  async get(id: string, db: Queryable = this.db, forUpdate = false): Promise<ProposalRecord | undefined> {
    const r = await db.query<RawProposal>(`SELECT ${COLUMNS} FROM governance_proposals WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toProposal(row)
  }

  /** Newest first, a page at a time, optionally only those recorded with one status. */
  async list(query: ProposalListQuery): Promise<Page<ProposalRecord>> {
    const params: unknown[] = []
    const where: string[] = []
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`)
    const after = PAGES.where(query, params, 'created_at', 'id')
    if (after !== undefined) where.push(after)
    const r = await this.db.query<RawProposal & { cursor_at: string }>(
      `SELECT ${COLUMNS}, ${keysetTime('created_at')} AS cursor_at FROM governance_proposals ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ${PAGES.order('created_at', 'id')} LIMIT $${params.push(PAGES.limit(query) + 1)}`,
      params,
    )
    return PAGES.page(r.rows, query, (row) => row.id, toProposal)
  }

  /** Ids of proposals the upkeep has work on at `now`: votes to open or decide, queues to execute. */
  async due(now: number, limit = 100): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT id FROM governance_proposals
       WHERE (status = 'pending' AND voting_starts_at <= $1) OR (status = 'active' AND voting_ends_at <= $1) OR (status = 'queued' AND eta <= $1)
       ORDER BY created_at LIMIT $2`,
      [ts(now), limit],
    )
    return r.rows.map((row) => row.id)
  }

  /** Moves a proposal from `from` to `to`; false when it was no longer in `from`. */
  async setStatus(tx: Queryable, id: string, from: ProposalStatus, to: ProposalStatus, change: StatusChange = {}): Promise<boolean> {
    const r = await tx.query(
      `UPDATE governance_proposals SET status = $3, reason = COALESCE($4, reason), queued_at = COALESCE($5, queued_at), executed_at = COALESCE($6, executed_at), closed_at = COALESCE($7, closed_at)
       WHERE id = $1 AND status = $2`,
      [id, from, to, change.reason ?? null, ts(change.queuedAt ?? null), ts(change.executedAt ?? null), ts(change.closedAt ?? null)],
    )
    return r.rowCount === 1
  }

  /** Records a vote; false when this voter already voted on the proposal. */
  async insertVote(tx: Queryable, v: VoteRecord): Promise<boolean> {
    const r = await tx.query(
      `INSERT INTO governance_votes (proposal_id, voter, support, weight, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (proposal_id, voter) DO NOTHING`,
      [v.proposalId, v.voter, v.support, v.weight.toString(), ts(v.at)],
    )
    return r.rowCount === 1
  }

  async hasVoted(id: string, voter: string, db: Queryable = this.db): Promise<boolean> {
    const r = await db.query('SELECT 1 FROM governance_votes WHERE proposal_id = $1 AND voter = $2', [id, voter])
    return r.rows.length > 0
  }

  /** The tallies of these proposals (empty for a proposal without votes). */
  async tallies(ids: readonly string[], db: Queryable = this.db): Promise<Map<string, Tally>> {
    const out = new Map<string, Tally>(ids.map((id) => [id, emptyTally()]))
    if (ids.length === 0) return out
    const r = await db.query<{ proposal_id: string; support: VoteSupport; weight: string; voters: string }>(
      'SELECT proposal_id, support, sum(weight)::text AS weight, count(*)::text AS voters FROM governance_votes WHERE proposal_id = ANY($1::text[]) GROUP BY proposal_id, support',
      [ids],
    )
    for (const row of r.rows) {
      const t = out.get(row.proposal_id) ?? emptyTally()
      out.set(row.proposal_id, { ...t, [row.support]: BigInt(row.weight), voters: t.voters + Number(row.voters) })
    }
    return out
  }
}
