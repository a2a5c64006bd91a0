/**
 * Error codes a compute task can end with: the COMPUTE_* rows of @w3ai/protocol's ERROR_CODES,
 * which holds their HTTP status and message, and the HE_* rows the he executor refuses its inputs
 * with. Codes are stable: a retired code is never reused.
 */
import { ERROR_CODES, type ErrorCode } from '@w3ai/protocol'

export type ComputeErrorCode = Extract<ErrorCode, `COMPUTE_${string}` | `HE_${string}`>

const isTaskCode = (code: string): boolean => code.startsWith('COMPUTE_') || code.startsWith('HE_')

/** The COMPUTE_* and HE_* rows of the protocol table. */
export const COMPUTE_ERROR_CODES = Object.fromEntries(Object.entries(ERROR_CODES).filter(([code]) => isTaskCode(code))) as {
  readonly [K in ComputeErrorCode]: (typeof ERROR_CODES)[K]
}

/** True when `code` is a COMPUTE_* or HE_* code of the protocol table (used to trust codes that cross the IPC channel). */
export function isComputeErrorCode(code: unknown): code is ComputeErrorCode {
  return typeof code === 'string' && isTaskCode(code) && Object.hasOwn(ERROR_CODES, code)
}
