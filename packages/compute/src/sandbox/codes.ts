/**
 * Error codes a compute task can end with: the COMPUTE_* rows of @w3ai/protocol's ERROR_CODES,
 * which holds their HTTP status and message. Codes are stable: a retired code is never reused.
 */
import { ERROR_CODES, type ErrorCode } from '@w3ai/protocol'

export type ComputeErrorCode = Extract<ErrorCode, `COMPUTE_${string}`>

/** The COMPUTE_* rows of the protocol table. */
export const COMPUTE_ERROR_CODES = Object.fromEntries(Object.entries(ERROR_CODES).filter(([code]) => code.startsWith('COMPUTE_'))) as {
  readonly [K in ComputeErrorCode]: (typeof ERROR_CODES)[K]
}

/** True when `code` is a COMPUTE_* code of the protocol table (used to trust codes that cross the IPC channel). */
export function isComputeErrorCode(code: unknown): code is ComputeErrorCode {
  return typeof code === 'string' && code.startsWith('COMPUTE_') && Object.hasOwn(ERROR_CODES, code)
}
