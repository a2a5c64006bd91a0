/**
 * Errors of the onnx and train executors: W3aiErrors whose code is one of the COMPUTE_* rows of
 * @w3ai/protocol's ERROR_CODES, so the hub, nodes, SDK and CLI show them like any other code.
 */
import { W3aiError } from '@w3ai/protocol'
import type { ComputeErrorCode } from './sandbox/codes.js'

/** The specific reasons the executors refuse work. */
export type ExecutorErrorCode = Extract<
  ComputeErrorCode,
  | 'COMPUTE_BAD_INPUT'
  | 'COMPUTE_SHAPE_MISMATCH'
  | 'COMPUTE_INPUT_TOO_LARGE'
  | 'COMPUTE_BAD_SPEC'
  | 'COMPUTE_BAD_DATASET'
  | 'COMPUTE_MODEL_INVALID'
  | 'COMPUTE_MODEL_NOT_FOUND'
  | 'COMPUTE_EXPORT_UNSUPPORTED'
  | 'COMPUTE_RUN_FAILED'
>

/** Builds the error compute throws: `new W3aiError(code, message, details)`. */
export function executorError(code: ExecutorErrorCode, message: string, details: Record<string, unknown> = {}): W3aiError {
  return new W3aiError(code, message, details)
}

/** The COMPUTE_* code of an error (a W3aiError or anything shaped like one), if it has one. */
export function executorErrorCode(error: unknown): ComputeErrorCode | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('COMPUTE_') ? (code as ComputeErrorCode) : undefined
}
