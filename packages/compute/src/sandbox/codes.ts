/**
 * Error codes a sandboxed task can end with. Same shape as @w3ai/protocol's ERROR_CODES so the
 * table can be merged there unchanged; until then it lives here, next to the code that raises it.
 * Codes are stable: a retired code is never reused.
 */
export const COMPUTE_ERROR_CODES = {
  COMPUTE_TIMEOUT: { status: 408, message: 'The task ran past its time limit and was stopped; raise timeMs or make the task smaller.' },
  COMPUTE_MEMORY_LIMIT: { status: 422, message: 'The task used more memory than its limit and was stopped; raise memoryMb or make the task smaller.' },
  COMPUTE_OUTPUT_TOO_LARGE: { status: 413, message: 'The task produced more output than maxOutputBytes allows.' },
  COMPUTE_CRASHED: { status: 500, message: 'The sandbox process died without a result (crash, signal or early exit); see details.' },
  COMPUTE_CANCELLED: { status: 409, message: 'The task was cancelled before it finished.' },
  COMPUTE_BAD_MODULE: { status: 400, message: 'The WebAssembly module is invalid or is not a WASI preview1 command (it must export _start and memory).' },
  COMPUTE_EXIT_CODE: { status: 422, message: 'The module exited with a non-zero exit code; see details.exitCode and details.stderr.' },
  COMPUTE_WASM_TRAP: { status: 422, message: 'The module trapped (unreachable, out-of-bounds access, stack overflow, ...).' },
  COMPUTE_UNKNOWN_EXECUTOR: { status: 400, message: 'No executor is registered under this name.' },
  COMPUTE_BAD_INPUT: { status: 400, message: 'The task input or limits are invalid; see the message.' },
  COMPUTE_EXECUTOR_FAILED: { status: 422, message: 'The executor failed on this input; see the message.' },
} as const satisfies Record<string, { status: number; message: string }>

export type ComputeErrorCode = keyof typeof COMPUTE_ERROR_CODES

/** True when `code` is one of the codes above (used to trust codes that cross the IPC channel). */
export function isComputeErrorCode(code: unknown): code is ComputeErrorCode {
  return typeof code === 'string' && Object.hasOwn(COMPUTE_ERROR_CODES, code)
}
