import { W3aiError } from '@w3ai/protocol'
import type { ComputeErrorCode } from './codes.js'
import type { SandboxStats } from './stats.js'

/** The one error type a sandboxed task rejects with: a W3aiError with a COMPUTE_* code, a message, optional details. */
export class SandboxError extends W3aiError {
  declare readonly code: ComputeErrorCode
  declare readonly details: Record<string, unknown> | undefined
  /** Set by runSandboxed when a child ran: a failed task still used time and memory. */
  stats: SandboxStats | undefined

  constructor(code: ComputeErrorCode, message?: string, details?: Record<string, unknown>) {
    super(code, message, details)
    this.name = 'SandboxError'
  }
}
