/**
 * The IPC protocol between the parent and the sandbox child. Messages travel with Node's
 * 'advanced' serialization (structured clone), so payloads and results may hold Uint8Arrays.
 *
 *   parent → child   run        once, right after the child says it is ready
 *   child  → parent  ready      the runner is loaded and listening
 *                    started    the executor module is loaded; the task's time limit starts now
 *                    progress   any number, e.g. per-epoch metrics of a training executor
 *                    rss        resident memory, only where the parent cannot read /proc
 *                    result     or error: exactly one of them ends the task
 */
import type { ComputeErrorCode } from './codes.js'
import type { ResolvedLimits } from './limits.js'

/** Where the child finds an executor: a module it can import() and the export to use. */
export interface ExecutorRef {
  name: string
  module: string
  exportName: string
}

export interface RunMessage {
  type: 'run'
  executor: ExecutorRef
  payload: unknown
  limits: ResolvedLimits
  /** Ask the child to report its own RSS (no /proc on this platform). */
  reportRss: boolean
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'progress'; data: unknown }
  | { type: 'rss'; bytes: number }
  | { type: 'result'; value: unknown }
  | { type: 'error'; code: ComputeErrorCode; message: string; details?: Record<string, unknown> }

const CHILD_TYPES = new Set(['ready', 'started', 'progress', 'rss', 'result', 'error'])

/** Messages from the child are checked before use: the parent never trusts their shape. */
export function isChildMessage(value: unknown): value is ChildMessage {
  if (typeof value !== 'object' || value === null) return false
  const type = (value as { type?: unknown }).type
  return typeof type === 'string' && CHILD_TYPES.has(type)
}

export function isRunMessage(value: unknown): value is RunMessage {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'run'
}
