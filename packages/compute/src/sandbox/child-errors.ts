/** In the child: any value an executor throws becomes an `error` message with a stable code. */
import { isComputeErrorCode } from './codes.js'
import { SandboxError } from './errors.js'
import type { ChildMessage } from './messages.js'

/** Any thrown value → an error message with a stable code. */
export function toErrorMessage(err: unknown): ChildMessage {
  const details = detailsOf(err)
  // SandboxErrors and W3aiErrors with a COMPUTE_* code keep their code.
  if (err instanceof SandboxError || (err instanceof Error && isComputeErrorCode((err as { code?: unknown }).code))) {
    const { code } = err as SandboxError
    return { type: 'error', code, message: err.message, ...(details === undefined ? {} : { details: cloneable(details) }) }
  }
  // V8 reports failed ArrayBuffer / WebAssembly.Memory allocations as RangeErrors about memory.
  if (err instanceof RangeError && /memory|allocation failed/i.test(err.message)) {
    return { type: 'error', code: 'COMPUTE_MEMORY_LIMIT', message: err.message }
  }
  return { type: 'error', code: 'COMPUTE_EXECUTOR_FAILED', message: describe(err), ...(details === undefined ? {} : { details: cloneable(details) }) }
}

function detailsOf(err: unknown): Record<string, unknown> | undefined {
  const details = typeof err === 'object' && err !== null ? (err as { details?: unknown }).details : undefined
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined
}

function cloneable(details: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(details)
  } catch {
    return {}
  }
}

/** The message of an Error, or the thrown value as text. */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
