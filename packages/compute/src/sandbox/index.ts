/**
 * The sandbox: one task per child process, with wall-time, memory and output limits enforced
 * from the parent, progress streamed back, and every failure mapped to a stable code.
 *
 * @example
 *   const { result, stats } = await runSandboxed({
 *     executor: 'wasm',
 *     payload: { module: wasmBytes, stdin: input },
 *     limits: { timeMs: 5_000, memoryMb: 256, maxOutputBytes: 1 << 20 },
 *     onProgress: (p) => console.log(p),
 *     signal: AbortSignal.timeout(10_000),
 *   })
 */
export { COMPUTE_ERROR_CODES, isComputeErrorCode, type ComputeErrorCode } from './codes.js'
export { SandboxError } from './errors.js'
export type { ExecutorContext, SandboxExecutor } from './executor.js'
export { DEFAULT_LIMITS, MIN_MEMORY_MB, type SandboxLimits, type ResolvedLimits } from './limits.js'
export type { ExecutorRef } from './messages.js'
export { BUILTIN_EXECUTORS, ExecutorRegistry, defaultExecutors, registerExecutor, sourceModule } from './registry.js'
export { runSandboxed, type RunSandboxedOptions, type SandboxOutcome, type SandboxStats } from './run.js'
