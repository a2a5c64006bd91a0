/** Parent-side shortcut: run a WASI module in the sandbox with the `wasm` executor. */
import { runSandboxed, type RunSandboxedOptions, type SandboxOutcome } from '../sandbox/run.js'
import type { WasmResult, WasmTask } from './types.js'

export type RunWasmOptions = Omit<RunSandboxedOptions<WasmTask>, 'executor' | 'payload'>

/** Run `task` in a sandbox child; rejects with a SandboxError (COMPUTE_EXIT_CODE, COMPUTE_BAD_MODULE, ...). */
export function runWasm(task: WasmTask, options: RunWasmOptions = {}): Promise<SandboxOutcome<WasmResult>> {
  return runSandboxed<WasmResult, WasmTask>({ ...options, executor: 'wasm', payload: task })
}
