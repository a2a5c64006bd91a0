/** Input and output of the `wasm` executor (a WASI preview1 command module). */

export interface WasmTask {
  /** The module's binary (a WASI preview1 command: exports `_start` and `memory`). */
  module: Uint8Array
  /** Bytes the module reads on stdin (strings are sent as UTF-8). */
  stdin?: Uint8Array | string
  /** argv after the program name. */
  args?: string[]
  /** Lower cap on linear memory, in 64 KiB pages; the default follows limits.memoryMb. */
  maxMemoryPages?: number
  /** How much of stderr to keep (the head); default 64 KiB. */
  maxStderrBytes?: number
}

export interface WasmResult {
  /** Everything the module wrote to stdout: the task's result. */
  stdout: Uint8Array
  /** The head of what it wrote to stderr, for logs. */
  stderr: string
  stderrTruncated: boolean
}
