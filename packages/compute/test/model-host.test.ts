import type { ChildProcess } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { W3aiError } from '@w3ai/protocol'
import { ModelHost } from '../src/serving/model-host.js'
import { denseJs, linearModel, randomDense } from './helpers/onnx-models.js'

const layer = randomDense(4, 3, 11)
const model = linearModel(layer)
const rows = (n: number, seed: number): number[][] => Array.from({ length: n }, (_, i) => Array.from({ length: 4 }, (_, j) => Math.sin(seed + i * 4 + j)))
const tensor = (x: number[][]) => ({ x: { type: 'float32', dims: [x.length, 4], data: x.flat() } })

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p
    return undefined
  } catch (err) {
    return err instanceof W3aiError ? err.code : String(err)
  }
}

function close(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length)
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4))
}

describe('model host', () => {
  const host = new ModelHost({ runTimeoutMs: 20_000 })
  afterAll(() => host.close())

  it('loads a model once and answers requests with what the model computes', async () => {
    const info = await host.load('d1', model, 64)
    expect(info.inputs.map((i) => i.name)).toEqual(['x'])
    const x = rows(3, 1)
    const out = await host.infer('d1', tensor(x))
    expect(out.outputs.y?.dims).toEqual([3, 3])
    close(out.outputs.y!.data as number[], denseJs(x, layer).flat())
  })

  it('batches concurrent requests into shared runs, each getting its own rows back', async () => {
    const inputs = Array.from({ length: 40 }, (_, i) => rows(1 + (i % 3), i))
    const results = await Promise.all(inputs.map((x) => host.infer('d1', tensor(x))))
    results.forEach((r, i) => close(r.outputs.y!.data as number[], denseJs(inputs[i]!, layer).flat()))
    expect(Math.max(...results.map((r) => r.batchedWith))).toBeGreaterThan(1)
  })

  it('refuses a request that does not fit the model without failing the others in its batch', async () => {
    const good = host.infer('d1', tensor(rows(2, 5)))
    const wrongWidth = codeOf(host.infer('d1', { x: { type: 'float32', dims: [1, 5], data: [1, 2, 3, 4, 5] } }))
    const notTensors = codeOf(host.infer('d1', { x: { type: 'complex64', dims: [1, 4], data: [1, 2, 3, 4] } }))
    const unknownInput = codeOf(host.infer('d1', { z: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } }))
    expect(await wrongWidth).toBe('COMPUTE_SHAPE_MISMATCH')
    expect(await notTensors).toBe('COMPUTE_BAD_INPUT')
    expect(await unknownInput).toBe('COMPUTE_BAD_INPUT')
    expect((await good).outputs.y?.dims).toEqual([2, 3])
  })

  it('answers DEPLOYMENT_NOT_READY for a model it does not hold, and refuses bytes that are not a model', async () => {
    expect(await codeOf(host.infer('nope', tensor(rows(1, 1))))).toBe('DEPLOYMENT_NOT_READY')
    expect(await codeOf(host.load('bad', new Uint8Array([1, 2, 3, 4]), 8))).toBe('COMPUTE_MODEL_INVALID')
  })

  it('unloads a model', async () => {
    await host.load('d2', model, 8)
    expect(host.loaded()).toContain('d2')
    await host.unload('d2')
    expect(host.loaded()).not.toContain('d2')
    expect(await codeOf(host.infer('d2', tensor(rows(1, 1))))).toBe('DEPLOYMENT_NOT_READY')
    expect((await host.infer('d1', tensor(rows(1, 2)))).outputs.y?.dims).toEqual([1, 3])
  })
})

describe('model host failures', () => {
  type Inner = { child?: ChildProcess }
  const childOf = (h: ModelHost): ChildProcess => (h as unknown as Inner).child!

  it('fails the requests a crashed host held with COMPUTE_CRASHED; the next request restarts it and reloads the model', async () => {
    const crashes: string[] = []
    const h = new ModelHost({ runTimeoutMs: 60_000, onCrash: (r) => crashes.push(r) })
    try {
      await h.load('d', model, 8)
      const first = childOf(h)
      first.kill('SIGSTOP')
      const held = codeOf(h.infer('d', tensor(rows(1, 1))))
      // Queued behind the held run: not sent to the host yet, so it runs on the next one.
      const queued = h.infer('d', tensor(rows(2, 2)))
      // Let the request reach the (stopped) host's pipe before it dies.
      await new Promise((r) => setTimeout(r, 50))
      first.kill('SIGKILL')
      expect(await held).toBe('COMPUTE_CRASHED')
      expect((await queued).outputs.y?.dims).toEqual([2, 3])
      expect(crashes).toHaveLength(1)
      const x = rows(2, 9)
      const out = await h.infer('d', tensor(x))
      close(out.outputs.y!.data as number[], denseJs(x, layer).flat())
      expect(childOf(h)).not.toBe(first)
    } finally {
      await h.close()
    }
  })

  it('kills a host that runs past runTimeoutMs (COMPUTE_TIMEOUT) and serves the next request from a new one', async () => {
    const h = new ModelHost({ runTimeoutMs: 300 })
    try {
      await h.load('d', model, 8)
      const hung = childOf(h)
      hung.kill('SIGSTOP')
      expect(await codeOf(h.infer('d', tensor(rows(1, 3))))).toBe('COMPUTE_TIMEOUT')
      const x = rows(3, 4)
      close((await h.infer('d', tensor(x))).outputs.y!.data as number[], denseJs(x, layer).flat())
      expect(childOf(h)).not.toBe(hung)
    } finally {
      await h.close()
    }
  })

  it('loads a model again when the host dropped its session (COMPUTE_MODEL_NOT_FOUND)', async () => {
    const before = process.env.W3AI_HOST_MAX_MODELS
    process.env.W3AI_HOST_MAX_MODELS = '1'
    const h = new ModelHost({ runTimeoutMs: 20_000 })
    try {
      const other = randomDense(4, 3, 12)
      await h.load('a', model, 8)
      await h.load('b', linearModel(other), 8)
      const x = rows(2, 6)
      // The host keeps one session: 'a' was evicted when 'b' loaded, and comes back on demand.
      close((await h.infer('a', tensor(x))).outputs.y!.data as number[], denseJs(x, layer).flat())
      close((await h.infer('b', tensor(x))).outputs.y!.data as number[], denseJs(x, other).flat())
    } finally {
      if (before === undefined) delete process.env.W3AI_HOST_MAX_MODELS
      else process.env.W3AI_HOST_MAX_MODELS = before
      await h.close()
    }
  })

  it('runs typed-array requests of several sizes and gives typed arrays back', async () => {
    const h = new ModelHost({ runTimeoutMs: 20_000 })
    try {
      await h.load('d', model, 64)
      const sizes = [1, 2, 300, 5]
      const results = await Promise.all(
        sizes.map((n, k) => {
          const x = rows(n, k)
          return h.inferTensors('d', { x: { type: 'float32', dims: [n, 4], data: Float32Array.from(x.flat()) } }).then((r) => ({ r, x }))
        }),
      )
      for (const { r, x } of results) {
        expect(r.outputs.y!.data).toBeInstanceOf(Float32Array)
        expect(r.outputs.y!.dims).toEqual([x.length, 3])
        close(Array.from(r.outputs.y!.data as Float32Array), denseJs(x, layer).flat())
      }
    } finally {
      await h.close()
    }
  })
})
