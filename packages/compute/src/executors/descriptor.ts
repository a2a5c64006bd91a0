/**
 * One descriptor per executor: everything the hub, the router, the node and serving need to know
 * about it, in one place. Adding an executor is one descriptor file and one line in registry.ts.
 *
 * Descriptors are light (no TF.js, no onnxruntime): the hub imports them to validate jobs and
 * compare results. The heavy part runs in the sandbox child, named by `sandbox()`.
 */
import type { ExecutorRef } from '../sandbox/messages.js'

/** Where a stored input role stands: a job must have every required one and nothing outside both lists. */
export interface InputRoles {
  required: readonly string[]
  optional: readonly string[]
}

/** What a task of this executor needs of a node (a subset of the router's TaskRequirements). */
export interface ExecutorResources {
  memoryGb?: number
  cpuCores?: number
  gpus?: number
  gpuMemoryGb?: number
}

/** Opens one stored input of a task by role; undefined when the task has none. */
export type OpenInput = (role: string) => Promise<Uint8Array | undefined>

export interface ExecutorDescriptor {
  /** The name jobs use (the wire enum JOB_EXECUTORS must list every built-in one). */
  readonly name: string
  /** W3S objects the task reads, by role. */
  readonly inputRoles: InputRoles
  /** Keys its params object may have (params itself is optional). */
  readonly paramKeys: readonly string[]
  /** True when deployments of models serve through this executor (one at most). */
  readonly servable?: boolean
  /**
   * Throws a W3aiError with a stable code when the job cannot run (roles and param keys are
   * already checked). Runs on the hub at submission, so it must not need the inputs' bytes.
   */
  validate(params: Record<string, unknown>, inputs: Readonly<Record<string, string>>): void
  /** What a node must offer to run it (placement filters on this). */
  resources(params: Record<string, unknown>): ExecutorResources
  /** The sandbox entry: module (a file: URL) and the export the child calls. Resolved lazily. */
  sandbox(): Omit<ExecutorRef, 'name'>
  /** On the node: the sandbox payload from the params and the task's opened inputs. */
  payload(params: Record<string, unknown>, open: OpenInput): Promise<unknown>
  /** The sandbox result as JSON for the hub (bytes as base64); default: unchanged. */
  toJson?(result: unknown): unknown
  /**
   * The part of a result every correct replica reproduces (timings and the like left out); the
   * hub digests this part. Default: the whole result.
   */
  deterministic?(result: unknown): unknown
  /** Whether two results agree; `tolerance` is the job's (0 = exactly). */
  compare(a: unknown, b: unknown, tolerance: number): boolean
}
