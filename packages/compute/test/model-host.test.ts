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
