/**
 * The governance log in SQL: events are appended inside the transaction of the step they record,
 * after a transaction-level advisory lock, so the chain has one order across every hub on one
 * PostgreSQL (PGlite serializes transactions itself).
 */
import type { Identity } from '@w3ai/crypto'
import { chainGovernanceEvent, EMPTY_GOVERNANCE_HEAD, type GovernanceEvent, type GovernanceEventBody } from '@w3ai/ledger'
import type { Queryable } from '../../db/types.js'

/** Arbitrary constant: serializes governance writes of every hub on one PostgreSQL. */
export const GOVERNANCE_LOCK = 7420_0018

interface EventRow {
  seq: string
  proposal_id: string | null
  kind: GovernanceEvent['kind']
  data: Record<string, unknown>
  at: string
  prev: string
  hash: string
  hub_key: string
  signature: string
}

// seq is read as text (bigint); ORDER BY names the column, not that text alias.
const COLUMNS = 'e.seq::text AS seq, e.proposal_id, e.kind, e.data, e.at, e.prev, e.hash, e.hub_key, e.signature'

const toEvent = (r: EventRow): GovernanceEvent => ({
  seq: Number(r.seq),
  proposalId: r.proposal_id,
  kind: r.kind,
  data: r.data,
  at: r.at,
  prev: r.prev,
  hash: r.hash,
  hubKey: r.hub_key,
  signature: r.signature,
})

/** Takes the governance lock for the rest of the transaction (a no-op on PGlite's single connection). */
export async function lockGovernance(tx: Queryable, kind: 'pglite' | 'postgres'): Promise<void> {
  if (kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [GOVERNANCE_LOCK])
}

/** Appends one event after the current head; call with the governance lock held. */
export async function appendEvent(tx: Queryable, fields: Pick<GovernanceEventBody, 'proposalId' | 'kind' | 'data' | 'at'>, signer: Pick<Identity, 'publicKey' | 'signingKey'>): Promise<GovernanceEvent> {
  const r = await tx.query<{ seq: string; hash: string }>('SELECT e.seq::text AS seq, e.hash FROM governance_events e ORDER BY e.seq DESC LIMIT 1')
  const last = r.rows[0]
  const head = last === undefined ? EMPTY_GOVERNANCE_HEAD : { seq: Number(last.seq), hash: last.hash }
  const e = chainGovernanceEvent(fields, head, signer)
  await tx.query(
    'INSERT INTO governance_events (seq, proposal_id, kind, data, at, prev, hash, hub_key, signature) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)',
    [e.seq, e.proposalId, e.kind, JSON.stringify(e.data), e.at, e.prev, e.hash, e.hubKey, e.signature],
  )
  return e
}

/** Up to `limit` events after seq `after`, in order. */
export async function readEvents(db: Queryable, after: number, limit: number): Promise<GovernanceEvent[]> {
  const r = await db.query<EventRow>(`SELECT ${COLUMNS} FROM governance_events e WHERE e.seq > $1 ORDER BY e.seq LIMIT $2`, [after, limit])
  return r.rows.map(toEvent)
}
