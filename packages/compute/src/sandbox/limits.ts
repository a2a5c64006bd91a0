import { SandboxError } from './errors.js'

/** Resource limits of one sandboxed task. Every field is optional; defaults are below. */
export interface SandboxLimits {
  /** Wall time of the task itself, from the moment the executor starts running. */
  timeMs?: number
  /** Resident memory of the whole child process (JS heap, WebAssembly memory, buffers). */
  memoryMb?: number
  /** Size of the result (bytes, or UTF-8 bytes of strings in a structured result). */
  maxOutputBytes?: number
  /** Time to start the child and load the executor module, before timeMs starts counting. */
  startupMs?: number
}

export type ResolvedLimits = Readonly<Required<SandboxLimits>>

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  timeMs: 60_000,
  memoryMb: 512,
  maxOutputBytes: 16 * 1024 * 1024,
  // A cold tsx cache can take many seconds to transform TypeScript on the first start of a child.
  startupMs: 30_000,
})

/** A node with less than this cannot even start a Node.js child (75-90 MB resident with tsx). */
export const MIN_MEMORY_MB = 128

/** How often the parent samples the child's resident memory. Fast growth can overshoot by one interval. */
export const RSS_POLL_MS = 25

/** After a result, how long the child may take to exit before it is killed. */
export const EXIT_GRACE_MS = 2_000

/** Child stdout/stderr kept for diagnostics (the tail, since the end says why it died). */
export const LOG_TAIL_BYTES = 16 * 1024

/** A progress message larger than this is dropped in the child rather than sent. */
export const MAX_PROGRESS_BYTES = 64 * 1024

/** Fill in defaults and refuse limits that cannot work, before any process is started. */
export function resolveLimits(limits: SandboxLimits | undefined): ResolvedLimits {
  const resolved = { ...DEFAULT_LIMITS, ...stripUndefined(limits ?? {}) }
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new SandboxError('COMPUTE_BAD_INPUT', `limits.${name} must be a positive number, got ${String(value)}`)
    }
  }
  if (resolved.memoryMb < MIN_MEMORY_MB) {
    throw new SandboxError('COMPUTE_BAD_INPUT', `limits.memoryMb must be at least ${MIN_MEMORY_MB}`)
  }
  return Object.freeze(resolved)
}

function stripUndefined(limits: SandboxLimits): SandboxLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined))
}
