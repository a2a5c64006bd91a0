import { COMPUTE_ERROR_CODES, type ComputeErrorCode } from './codes.js'
import type { SandboxStats } from './stats.js'

/** The one error type a sandboxed task rejects with: a stable code, a message, optional details. */
export class SandboxError extends Error {
  readonly code: ComputeErrorCode
  readonly details: Record<string, unknown> | undefined
  /** Set by runSandboxed when a child ran: a failed task still used time and memory. */
  stats: SandboxStats | undefined

  constructor(code: ComputeErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? COMPUTE_ERROR_CODES[code].message)
    this.name = 'SandboxError'
    this.code = code
    this.details = details
  }

  /** HTTP status suggested for this code (hub and node answers). */
  get status(): number {
    return COMPUTE_ERROR_CODES[this.code].status
  }
}
