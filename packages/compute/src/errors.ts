/**
 * Compute errors. The protocol's error table has no COMPUTE_* codes yet, so every compute error is
 * a W3aiError('VALIDATION_FAILED') whose details carry the specific reason as `computeCode`; when
 * the codes land in @w3ai/protocol only this file changes.
 */
import { W3aiError } from '@w3ai/protocol'

/** The specific reasons compute refuses work (future protocol error codes). */
export type ExecutorErrorCode =
  | 'COMPUTE_BAD_INPUT'
  | 'COMPUTE_SHAPE_MISMATCH'
  | 'COMPUTE_INPUT_TOO_LARGE'
  | 'COMPUTE_BAD_SPEC'
  | 'COMPUTE_BAD_DATASET'
  | 'COMPUTE_MODEL_INVALID'
  | 'COMPUTE_MODEL_NOT_FOUND'
  | 'COMPUTE_EXPORT_UNSUPPORTED'
  | 'COMPUTE_RUN_FAILED'

/** Builds the error compute throws; `details.computeCode` names the reason for callers and tests. */
export function executorError(code: ExecutorErrorCode, message: string, details: Record<string, unknown> = {}): W3aiError {
  return new W3aiError('VALIDATION_FAILED', message, { computeCode: code, ...details })
}

/** The compute reason of an error thrown by this package, if it is one. */
export function executorErrorCode(error: unknown): ExecutorErrorCode | undefined {
  if (!(error instanceof W3aiError)) return undefined
  const details = error.details as { computeCode?: ExecutorErrorCode } | undefined
  return details?.computeCode
}
