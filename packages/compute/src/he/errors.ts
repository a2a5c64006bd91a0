/** The HE_* codes of @w3ai/protocol's table, thrown as W3aiErrors (they cross the sandbox like COMPUTE_* codes). */
import { W3aiError, type ErrorCode } from '@w3ai/protocol'

export type HeErrorCode = Extract<ErrorCode, `HE_${string}`>

/** `new W3aiError(code, message, details)` for one of the HE_* codes. */
export function heError(code: HeErrorCode, message: string, details?: Record<string, unknown>): W3aiError {
  return new W3aiError(code, message, details)
}
