/** SQL for CKKS rounds: each round's encrypted aggregate for the owner, and the sealed global parameters the owner posts back. */
import type { FlOwnerAggregate, FlOwnerGlobal } from '@w3ai/protocol'
import type { Database } from '../../db/types.js'

export class OwnerRoundStore {
  constructor(private readonly db: Database) {}

  /** Leaves a round's aggregate for the owner (again, when a restarted coordinator redoes the round). */
  async putAggregate(trainingId: string, a: FlOwnerAggregate): Promise<void> {
    await this.db.query(
      `INSERT INTO fl_owner_rounds (training_id, round, aggregate, participants, dropouts, metrics) VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb)
       ON CONFLICT (training_id, round) DO UPDATE SET aggregate = EXCLUDED.aggregate, participants = EXCLUDED.participants, dropouts = EXCLUDED.dropouts,
         metrics = EXCLUDED.metrics, global = NULL, created_at = now()`,
      [trainingId, a.round, JSON.stringify(a.aggregate), a.participants, a.dropouts, JSON.stringify(a.metrics)],
    )
  }

  /** The aggregate of `round` if it still waits for the owner's global parameters. */
  async waiting(trainingId: string, round: number): Promise<FlOwnerAggregate | undefined> {
    const r = await this.db.query<{ round: number; aggregate: unknown; participants: number; dropouts: number; metrics: Record<string, number> }>(
      'SELECT round, aggregate, participants, dropouts, metrics FROM fl_owner_rounds WHERE training_id = $1 AND round = $2 AND global IS NULL',
      [trainingId, round],
    )
    return r.rows[0]
  }

  /** Stores the owner's answer to `round` once; false when no aggregate of that round waits. */
  async putGlobal(trainingId: string, global: FlOwnerGlobal): Promise<boolean> {
    const r = await this.db.query('UPDATE fl_owner_rounds SET global = $3::jsonb WHERE training_id = $1 AND round = $2 AND global IS NULL', [trainingId, global.round, JSON.stringify(global)])
    return r.rowCount > 0
  }

  async global(trainingId: string, round: number): Promise<FlOwnerGlobal | undefined> {
    const r = await this.db.query<{ global: FlOwnerGlobal | null }>('SELECT global FROM fl_owner_rounds WHERE training_id = $1 AND round = $2', [trainingId, round])
    return r.rows[0]?.global ?? undefined
  }
}
