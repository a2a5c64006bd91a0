import { describe, expect, it } from 'vitest'
import { BUILTIN_EXECUTORS, ExecutorRegistry, SandboxError, runSandboxed, sourceModule, type RunSandboxedOptions, type SandboxOutcome } from '../src/index.js'

// The fixtures module is imported by the sandbox child, never here.
const FIXTURES = sourceModule('./sandbox-fixtures.js', import.meta.url)
const registry = new ExecutorRegistry(BUILTIN_EXECUTORS)
for (const name of ['echo', 'training', 'exitsEarly', 'throwsUncaught', 'fails', 'failsWithCode', 'failsLikeW3aiError', 'bigResult', 'uncloneable', 'allocatesBuffers', 'fillsHeap', 'sleeps', 'busyLoop', 'readsEnv']) {
  registry.register(name, FIXTURES, name)
}

const LIMITS = { timeMs: 2_000, memoryMb: 256, maxOutputBytes: 1024 * 1024 }

function run<R = unknown>(executor: string, payload: unknown = null, options: Partial<RunSandboxedOptions> = {}): Promise<SandboxOutcome<R>> {
  return runSandboxed<R>({ executor, payload, registry, ...options, limits: { ...LIMITS, ...options.limits } })
}

/** The SandboxError a run rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<SandboxError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(SandboxError)
  return err as SandboxError
}

describe('runSandboxed', () => {
  it('returns the executor result, structured values and bytes intact, with stats', async () => {
    const payload = { text: 'héllo', bytes: Uint8Array.of(1, 2, 3), nested: [1, { n: null }] }
    const { result, stats } = await run('echo', payload)
    expect(result).toEqual(payload)
    expect(stats.totalMs).toBeGreaterThan(0)
    expect(stats.peakRssBytes).toBeGreaterThan(0)
  })

  it('streams progress messages before the result and drops oversized ones', async () => {
    const progress: unknown[] = []
    const { result } = await run('training', { epochs: 3 }, { onProgress: (p) => progress.push(p) })
    expect(progress).toEqual([{ epoch: 1, loss: 1 }, { epoch: 2, loss: 0.5 }, { epoch: 3, loss: 1 / 3 }])
    expect(result).toEqual({ epochs: 3 })
  })

  it('survives an onProgress callback that throws', async () => {
    const { result } = await run('training', { epochs: 2 }, { onProgress: () => { throw new Error('ui bug') } })
    expect(result).toEqual({ epochs: 2 })
  })

  it('stops a busy loop with COMPUTE_TIMEOUT near the limit, and the next task still runs', async () => {
    const err = await failure(run('busyLoop', null, { limits: { timeMs: 1_000 } }))
    expect(err.code).toBe('COMPUTE_TIMEOUT')
    // timeMs counts from the executor's start, so the reported run time reaches the limit.
    expect(err.stats?.runMs).toBeGreaterThanOrEqual(1_000)
    const { result } = await run('echo', 'still healthy')
    expect(result).toBe('still healthy')
  })

  it('kills a child whose off-heap memory passes memoryMb with COMPUTE_MEMORY_LIMIT', async () => {
    const err = await failure(run('allocatesBuffers', null, { limits: { memoryMb: 160, timeMs: 10_000 } }))
    expect(err.code).toBe('COMPUTE_MEMORY_LIMIT')
    expect(err.details?.['rssBytes']).toBeGreaterThan(160 * 1024 * 1024)
  })

  it('maps JavaScript heap exhaustion to COMPUTE_MEMORY_LIMIT', async () => {
    const err = await failure(run('fillsHeap', null, { limits: { memoryMb: 160, timeMs: 10_000 } }))
    expect(err.code).toBe('COMPUTE_MEMORY_LIMIT')
  })

  it('maps process.exit(1) and uncaught exceptions in the child to COMPUTE_CRASHED', async () => {
    const exited = await failure(run('exitsEarly'))
    expect(exited.code).toBe('COMPUTE_CRASHED')
    expect(exited.details?.['exitCode']).toBe(1)
    const thrown = await failure(run('throwsUncaught'))
    expect(thrown.code).toBe('COMPUTE_CRASHED')
    expect(String(thrown.details?.['logs'])).toContain('boom outside the task promise')
  })

  it('reports executor errors: plain ones as COMPUTE_EXECUTOR_FAILED, coded ones with their code', async () => {
    const plain = await failure(run('fails'))
    expect(plain.code).toBe('COMPUTE_EXECUTOR_FAILED')
    expect(plain.message).toBe('input has the wrong shape')
    const coded = await failure(run('failsWithCode'))
    expect(coded.code).toBe('COMPUTE_BAD_INPUT')
    expect(coded.details).toEqual({ field: 'epochs' })
    const w3ai = await failure(run('failsLikeW3aiError'))
    expect(w3ai.code).toBe('COMPUTE_BAD_INPUT')
    expect(w3ai.details).toEqual({ row: 3 })
  })

  it('refuses a result over maxOutputBytes with COMPUTE_OUTPUT_TOO_LARGE', async () => {
    const ok = await run<Uint8Array>('bigResult', { bytes: 1000 }, { limits: { maxOutputBytes: 1000 } })
    expect(ok.result.byteLength).toBe(1000)
    const err = await failure(run('bigResult', { bytes: 1001 }, { limits: { maxOutputBytes: 1000 } }))
    expect(err.code).toBe('COMPUTE_OUTPUT_TOO_LARGE')
    expect(err.status).toBe(413)
  })

  it('reports a result that cannot cross the IPC channel', async () => {
    const err = await failure(run('uncloneable'))
    expect(err.code).toBe('COMPUTE_EXECUTOR_FAILED')
    expect(err.message).toMatch(/cannot be sent/)
  })

  it('cancels a running task through its AbortSignal', async () => {
    const controller = new AbortController()
    const pending = run('sleeps', null, { signal: controller.signal, limits: { timeMs: 30_000 } })
    setTimeout(() => controller.abort(), 500)
    const err = await failure(pending)
    // Cancelled, not timed out: the 30 s limit was never reached.
    expect(err.code).toBe('COMPUTE_CANCELLED')
  })

  it('refuses an already aborted signal without starting a child', async () => {
    const err = await failure(run('echo', 1, { signal: AbortSignal.abort() }))
    expect(err.code).toBe('COMPUTE_CANCELLED')
  })

  it('refuses unknown executors and unusable limits before starting anything', async () => {
    expect((await failure(run('nope'))).code).toBe('COMPUTE_UNKNOWN_EXECUTOR')
    expect((await failure(run('echo', 1, { limits: { timeMs: -1 } }))).code).toBe('COMPUTE_BAD_INPUT')
    expect((await failure(run('echo', 1, { limits: { memoryMb: 8 } }))).code).toBe('COMPUTE_BAD_INPUT')
  })

  it('refuses a payload that cannot be cloned', async () => {
    expect((await failure(run('echo', { f: () => 1 }))).code).toBe('COMPUTE_BAD_INPUT')
  })

  it("does not pass the parent's environment (secrets) to the child", async () => {
    process.env['W3AI_TEST_SECRET'] = 'do-not-leak'
    try {
      const { result } = await run<string[]>('readsEnv')
      expect(result).not.toContain('W3AI_TEST_SECRET')
      expect(result).not.toContain('NODE_OPTIONS')
    } finally {
      delete process.env['W3AI_TEST_SECRET']
    }
  })
})

describe('ExecutorRegistry', () => {
  it('knows the built-in wasm executor and takes new ones in one line', () => {
    const r = new ExecutorRegistry()
    expect(r.names()).toContain('wasm')
    r.register('onnx', new URL('file:///opt/w3ai/onnx.js'), 'onnxExecutor')
    expect(r.resolve('onnx')).toEqual({ name: 'onnx', module: 'file:///opt/w3ai/onnx.js', exportName: 'onnxExecutor' })
  })

  it('rejects relative module paths, which the child could not resolve', () => {
    expect(() => new ExecutorRegistry().register('x', './x.js', 'x')).toThrow(TypeError)
  })
})
