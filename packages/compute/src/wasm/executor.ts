/**
 * The `wasm` executor: runs a user's WASI preview1 module inside the sandbox child. Input bytes
 * go to stdin, stdout is the result, stderr is kept (bounded) for logs. The module gets no
 * preopened directories, no environment and no sockets: WASI calls that need them fail with
 * the usual errno. Time and RSS limits are the sandbox's; this file adds the memory cap, the
 * output cap and the mapping of WebAssembly failures to codes.
 */
import { closeSync, openSync } from 'node:fs'
import { devNull } from 'node:os'
import { WASI } from 'node:wasi'
import { SandboxError } from '../sandbox/errors.js'
import type { ExecutorContext, SandboxExecutor } from '../sandbox/executor.js'
import { capMemory, WASM_PAGE_BYTES, type CappedMemory } from './memory-limits.js'
import { MemoryStdio } from './stdio.js'
import type { WasmResult, WasmTask } from './types.js'

const WASI_MODULE = 'wasi_snapshot_preview1'
const DEFAULT_MAX_STDERR_BYTES = 64 * 1024
/** Resident memory left to Node itself (runtime, tsx, compiled code) out of limits.memoryMb. */
const NODE_RESERVE_MB = 96

export const wasmExecutor: SandboxExecutor<WasmTask, WasmResult> = {
  async run(payload, context) {
    const task = checkTask(payload)
    const maxPages = memoryCapPages(task, context)
    const capped = capMemory(task.module, maxPages)
    const module = await compile(capped.bytes)
    const memoryImport = checkInterface(module, capped.memories)

    const stdin = typeof task.stdin === 'string' ? new TextEncoder().encode(task.stdin) : (task.stdin ?? new Uint8Array())
    const stdio = new MemoryStdio(stdin, {
      maxStdoutBytes: context.limits.maxOutputBytes,
      maxStderrBytes: task.maxStderrBytes ?? DEFAULT_MAX_STDERR_BYTES,
    })
    // Calls stdio does not intercept (fdstat, seek, close on 0-2) land on /dev/null, never on
    // the child's own stdio.
    const nullIn = openSync(devNull, 'r')
    const nullOut = openSync(devNull, 'w')
    let memory: WebAssembly.Memory | undefined
    try {
      const wasi = new WASI({ version: 'preview1', args: ['main', ...(task.args ?? [])], env: {}, preopens: {}, stdin: nullIn, stdout: nullOut, stderr: nullOut, returnOnExit: true })
      const wasiImports = (wasi.getImportObject() as Record<string, WebAssembly.ModuleImports>)[WASI_MODULE] ?? {}
      const imports: WebAssembly.Imports = { [WASI_MODULE]: stdio.wrap(wasiImports) }
      if (memoryImport !== undefined) {
        const provided = new WebAssembly.Memory({ initial: memoryImport.initial, maximum: memoryImport.maximum, shared: memoryImport.shared })
        const imported = memoryImport.imported!
        imports[imported.module] = { ...imports[imported.module], [imported.name]: provided }
      }
      const instance = await instantiate(module, imports)
      memory = instance.exports['memory'] as WebAssembly.Memory
      stdio.attach(memory)
      const exitCode = wasi.start(instance)
      const stderr = stdio.stderr()
      if (exitCode !== 0) {
        throw new SandboxError('COMPUTE_EXIT_CODE', `The module exited with code ${exitCode}`, { exitCode, stderr: stderr.text })
      }
      return { stdout: stdio.stdout(), stderr: stderr.text, stderrTruncated: stderr.truncated }
    } catch (err) {
      throw mapRunError(err, memory, { initial: capped.memories[0]?.initial ?? 0, max: maxPages }, stdio)
    } finally {
      closeSync(nullIn)
      closeSync(nullOut)
    }
  },
}

function checkTask(payload: unknown): WasmTask {
  const task = payload as Partial<WasmTask> | null
  if (typeof task !== 'object' || task === null || !(task.module instanceof Uint8Array)) {
    throw new SandboxError('COMPUTE_BAD_INPUT', 'The wasm task needs `module` as bytes (Uint8Array)')
  }
  if (task.stdin !== undefined && typeof task.stdin !== 'string' && !(task.stdin instanceof Uint8Array)) {
    throw new SandboxError('COMPUTE_BAD_INPUT', '`stdin` must be bytes or a string')
  }
  if (task.args !== undefined && (!Array.isArray(task.args) || !task.args.every((a) => typeof a === 'string'))) {
    throw new SandboxError('COMPUTE_BAD_INPUT', '`args` must be an array of strings')
  }
  for (const field of ['maxMemoryPages', 'maxStderrBytes'] as const) {
    const value = task[field]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new SandboxError('COMPUTE_BAD_INPUT', `\`${field}\` must be a non-negative integer`)
    }
  }
  return task as WasmTask
}

/**
 * The cap follows the task's declared limits only (not the machine), so every node running the
 * same task grows memory the same way and fails at the same point.
 */
function memoryCapPages(task: WasmTask, context: ExecutorContext): number {
  const fromLimit = Math.max(16, Math.floor(((context.limits.memoryMb - NODE_RESERVE_MB) * 1024 * 1024) / WASM_PAGE_BYTES))
  return Math.min(task.maxMemoryPages ?? fromLimit, fromLimit)
}

async function compile(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes)
  } catch (err) {
    throw new SandboxError('COMPUTE_BAD_MODULE', `Not a valid WebAssembly module: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** A WASI command exports _start and memory and imports nothing but WASI (and maybe its memory). */
function checkInterface(module: WebAssembly.Module, memories: CappedMemory[]): CappedMemory | undefined {
  const exports = WebAssembly.Module.exports(module)
  if (!exports.some((e) => e.name === '_start' && e.kind === 'function') || !exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new SandboxError('COMPUTE_BAD_MODULE', 'A WASI command must export the function _start and its memory as "memory"')
  }
  const memoryImport = memories.find((m) => m.imported !== undefined)
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind === 'function' && imp.module === WASI_MODULE) continue
    if (imp.kind === 'memory' && memoryImport !== undefined) continue
    throw new SandboxError('COMPUTE_BAD_MODULE', `The module imports ${imp.module}.${imp.name} (${imp.kind}); only ${WASI_MODULE} functions are provided`)
  }
  return memoryImport
}

async function instantiate(module: WebAssembly.Module, imports: WebAssembly.Imports): Promise<WebAssembly.Instance> {
  try {
    return await WebAssembly.instantiate(module, imports)
  } catch (err) {
    if (err instanceof WebAssembly.LinkError) throw new SandboxError('COMPUTE_BAD_MODULE', err.message)
    throw err
  }
}

/**
 * A trap after memory has grown to within this many pages (16 MiB) or 10 % of its cap is taken
 * as a failed allocation: memory.grow returned -1 and the program aborted, as C programs do when
 * malloc fails. The module cannot tell us which, so this is a heuristic; the trap message stays.
 */
const NEAR_CAP_PAGES = 256

/** Traps become codes; see NEAR_CAP_PAGES for the memory case. */
function mapRunError(err: unknown, memory: WebAssembly.Memory | undefined, limit: { initial: number; max: number }, stdio: MemoryStdio): unknown {
  if (err instanceof SandboxError) return err
  const maxPages = limit.max
  const stderr = stdio.stderr().text
  const pages = memory === undefined ? 0 : memory.buffer.byteLength / WASM_PAGE_BYTES
  const message = err instanceof Error ? err.message : String(err)
  if (err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && /call stack/i.test(message))) {
    if (pages > limit.initial && maxPages - pages <= Math.max(NEAR_CAP_PAGES, maxPages / 10)) {
      return new SandboxError('COMPUTE_MEMORY_LIMIT', `The module trapped (${message}) with its memory at ${pages} of ${maxPages} pages`, { pages, maxPages, stderr })
    }
    return new SandboxError('COMPUTE_WASM_TRAP', `The module trapped: ${message}`, { stderr })
  }
  return err
}
