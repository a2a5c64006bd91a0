import { describe, expect, it } from 'vitest'
import { SandboxError, runWasm, type RunWasmOptions, type WasmTask } from '../src/index.js'
import * as fixtures from './wasm-fixtures.js'

const { wat } = fixtures
const LIMITS = { timeMs: 2_000, memoryMb: 256, maxOutputBytes: 1024 * 1024 }
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

function run(task: WasmTask, options: RunWasmOptions = {}): ReturnType<typeof runWasm> {
  return runWasm(task, { ...options, limits: { ...LIMITS, ...options.limits } })
}

async function failure(promise: Promise<unknown>): Promise<SandboxError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(SandboxError)
  return err as SandboxError
}

describe('wasm executor', () => {
  it('feeds stdin to the module and returns its stdout, with stderr kept for logs', async () => {
    const { result } = await run({ module: wat(fixtures.uppercaseWat()), stdin: 'hello, wasi!' })
    expect(text(result.stdout)).toBe('HELLO, WASI!')
    expect(result.stderr).toBe('done\n')
    expect(result.stderrTruncated).toBe(false)
  })

  it('streams input larger than the module reads at once', async () => {
    const input = 'abc '.repeat(50_000)
    const { result } = await run({ module: wat(fixtures.uppercaseWat()), stdin: new TextEncoder().encode(input) })
    expect(text(result.stdout)).toBe(input.toUpperCase())
  })

  it('counts bytes and words into JSON', async () => {
    const { result } = await run({ module: wat(fixtures.counterWat), stdin: 'one two  three\nfour\tfive ' })
    expect(JSON.parse(text(result.stdout))).toEqual({ bytes: 25, words: 5 })
  })

  it('gives a module that imports its memory a bounded one', async () => {
    const { result } = await run({ module: wat(fixtures.uppercaseImportedMemoryWat), stdin: 'imported' })
    expect(text(result.stdout)).toBe('IMPORTED')
  })

  it('stops an infinite loop with COMPUTE_TIMEOUT near the limit, and the next task still runs', async () => {
    const err = await failure(run({ module: wat(fixtures.infiniteLoopWat) }, { limits: { timeMs: 1_000 } }))
    expect(err.code).toBe('COMPUTE_TIMEOUT')
    // timeMs counts from the executor's start, so the reported run time reaches the limit.
    expect(err.stats?.runMs).toBeGreaterThanOrEqual(1_000)
    const { result } = await run({ module: wat(fixtures.counterWat), stdin: 'after' })
    expect(JSON.parse(text(result.stdout))).toEqual({ bytes: 5, words: 1 })
  })

  it('stops unbounded memory.grow with COMPUTE_MEMORY_LIMIT at the cap derived from memoryMb', async () => {
    const err = await failure(run({ module: wat(fixtures.memoryHogWat) }, { limits: { memoryMb: 192 } }))
    expect(err.code).toBe('COMPUTE_MEMORY_LIMIT')
  })

  it('honours a lower maxMemoryPages: memory.grow fails there, the same way on every node', async () => {
    const err = await failure(run({ module: wat(fixtures.memoryHogWat), maxMemoryPages: 40 }))
    expect(err.code).toBe('COMPUTE_MEMORY_LIMIT')
    expect(err.details).toMatchObject({ pages: 33, maxPages: 40 })
  })

  it('refuses a module whose initial memory is over the cap', async () => {
    const err = await failure(run({ module: wat(fixtures.bigInitialMemoryWat), maxMemoryPages: 16 }))
    expect(err.code).toBe('COMPUTE_MEMORY_LIMIT')
  })

  it('turns proc_exit(3) into COMPUTE_EXIT_CODE with the code and stderr', async () => {
    const err = await failure(run({ module: wat(fixtures.exitThreeWat) }))
    expect(err.code).toBe('COMPUTE_EXIT_CODE')
    expect(err.details).toEqual({ exitCode: 3, stderr: 'bad input\n' })
  })

  it('stops a module flooding stdout with COMPUTE_OUTPUT_TOO_LARGE', async () => {
    const err = await failure(run({ module: wat(fixtures.stdoutFloodWat) }, { limits: { maxOutputBytes: 64 * 1024 } }))
    expect(err.code).toBe('COMPUTE_OUTPUT_TOO_LARGE')
  })

  it('reports a trap as COMPUTE_WASM_TRAP', async () => {
    const err = await failure(run({ module: wat(fixtures.trapWat) }))
    expect(err.code).toBe('COMPUTE_WASM_TRAP')
    expect(err.message).toMatch(/unreachable/)
  })

  it('refuses garbage bytes, modules without _start and modules importing non-WASI functions', async () => {
    const garbage = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff)
    for (const module of [garbage, new Uint8Array(), wat(fixtures.noStartWat), wat(fixtures.foreignImportWat)]) {
      const err = await failure(run({ module }))
      expect(err.code).toBe('COMPUTE_BAD_MODULE')
      expect(err.status).toBe(400)
    }
  })

  it('refuses a task without module bytes', async () => {
    const err = await failure(run({ module: 'not bytes' } as unknown as WasmTask))
    expect(err.code).toBe('COMPUTE_BAD_INPUT')
  })

  it('cancels a running module through its AbortSignal', async () => {
    const controller = new AbortController()
    const pending = run({ module: wat(fixtures.infiniteLoopWat) }, { signal: controller.signal, limits: { timeMs: 30_000 } })
    setTimeout(() => controller.abort(), 500)
    const err = await failure(pending)
    expect(err.code).toBe('COMPUTE_CANCELLED')
  })
})
