/**
 * Checkpoints of strategy state (server momentum, optimizer moments, privacy accounting), so a
 * training resumes after a hub restart exactly where it stopped: `checkpoint()` gives plain JSON,
 * `restore()` takes it back on a freshly built strategy of the same spec.
 */
import { W3aiError } from '@w3ai/protocol'

/** A JSON value. */
export type CheckpointValue = number | string | boolean | null | CheckpointValue[] | { [key: string]: CheckpointValue }

/** A strategy's state between rounds, as JSON. */
export type StrategyCheckpoint = { [key: string]: CheckpointValue }

/** A strategy whose state between rounds can be saved and restored. */
export interface Checkpointable {
  checkpoint(): StrategyCheckpoint
  /** Restores a checkpoint of a strategy built from the same spec; FL_BAD_CONFIG when it does not fit. */
  restore(checkpoint: StrategyCheckpoint): void
}

/** True when `strategy` can be checkpointed (every strategy and DP wrapper of this package can). */
export function isCheckpointable(strategy: object): strategy is Checkpointable {
  const s = strategy as Partial<Checkpointable>
  return typeof s.checkpoint === 'function' && typeof s.restore === 'function'
}

/** FL_BAD_CONFIG for a checkpoint that does not fit `name`. */
export function badCheckpoint(name: string, why: string): W3aiError {
  return new W3aiError('FL_BAD_CONFIG', `The checkpoint does not fit strategy ${name}: ${why}.`, { field: 'checkpoint' })
}

/** Float64 tensors as JSON arrays (JSON numbers keep every bit of a double). */
export function tensorsToJson(tensors: readonly Float64Array[] | undefined): CheckpointValue {
  return tensors === undefined ? null : tensors.map((t) => Array.from(t))
}

/** JSON arrays back to Float64 tensors; undefined for null; throws on anything else. */
export function tensorsFromJson(name: string, value: CheckpointValue | undefined): Float64Array[] | undefined {
  if (value === null || value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'number'))) throw badCheckpoint(name, 'tensors must be arrays of numbers')
  return value.map((t) => Float64Array.from(t as number[]))
}
