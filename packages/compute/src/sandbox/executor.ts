/**
 * What an executor module exports for the sandbox. The executor runs inside the child process;
 * the limits are enforced around it, but an executor that knows them (e.g. to stop writing output
 * early) can read them from the context.
 */
import type { ResolvedLimits } from './limits.js'

export interface ExecutorContext {
  /** Send a progress message to the parent's onProgress (dropped if larger than 64 KiB). */
  progress(data: unknown): void
  readonly limits: ResolvedLimits
}

export interface SandboxExecutor<P = unknown, R = unknown> {
  /** Run one task. Throw a SandboxError to end with a specific code; any other error becomes COMPUTE_EXECUTOR_FAILED. */
  run(payload: P, context: ExecutorContext): R | Promise<R>
}
