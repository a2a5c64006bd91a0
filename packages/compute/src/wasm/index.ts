/**
 * WASI modules as tasks: the `wasm` executor (runs in the sandbox child) and runWasm (parent).
 *
 * @example
 *   const { result } = await runWasm({ module: bytes, stdin: 'hello' }, { limits: { timeMs: 2_000 } })
 *   new TextDecoder().decode(result.stdout)
 */
export { capMemory, WASM_PAGE_BYTES, type CappedMemory, type CappedModule } from './memory-limits.js'
export { runWasm, type RunWasmOptions } from './run.js'
export type { WasmResult, WasmTask } from './types.js'
