import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InferenceSession, Tensor } from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { executorErrorCode } from '../src/errors.js'
import { modelCid } from '../src/onnx/model-cid.js'
import { createOnnxRunner } from '../src/onnx/runner.js'
import type { JsonTensorMap } from '../src/tensor/json-tensor.js'
import { addModel, denseJs, linearModel, mlpJs, mlpModel, randomDense } from './helpers/onnx-models.js'

const l1 = randomDense(4, 8, 1)
const l2 = randomDense(8, 3, 2)
const linear = { w: [[1, 2], [3, 4], [5, 6]], b: [0.5, -0.5] }
const dirs: string[] = []

async function codeOfAsync(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise
  } catch (error) {
    return executorErrorCode(error) ?? String(error)
  }
  return undefined
}

function floats(rows: number[][]): JsonTensorMap[string] {
  return { type: 'float32', dims: [rows.length, rows[0]?.length ?? 0], data: rows.flat() }
}

function rowsOf(json: JsonTensorMap[string] | undefined): number[][] {
  if (json === undefined) throw new Error('missing output')
  const width = json.dims[1] as number
  const data = json.data as number[]
  return Array.from({ length: json.dims[0] as number }, (_, i) => data.slice(i * width, (i + 1) * width))
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('onnx runner', () => {
  it('runs a linear layer and matches the JS maths', async () => {
    const runner = createOnnxRunner()
    const x = [[1, 0, 0], [0.5, -1, 2]]
    const out = await runner.run(linearModel(linear), { x: floats(x) })
    expect(out.y?.dims).toEqual([2, 2])
    const expected = denseJs(x, linear)
    rowsOf(out.y).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]?.[j] as number, 5)))
    await runner.close()
  })

  it('runs a tiny MLP like a direct onnxruntime session and like the JS maths', async () => {
    const runner = createOnnxRunner()
    const bytes = mlpModel(l1, l2)
    const x = [[0.1, 0.2, 0.3, 0.4], [-1, 0.5, 2, 0], [3, -2, 1, 1]]
    const out = await runner.run(bytes, { x: floats(x) })
    const direct = await InferenceSession.create(bytes)
    const ref = await direct.run({ x: new Tensor('float32', Float32Array.from(x.flat()), [3, 4]) })
    expect(out.probs?.data).toEqual(Array.from(ref.probs?.data as Float32Array))
    const expected = mlpJs(x, l1, l2)
    rowsOf(out.probs).forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[i]?.[j] as number, 5)))
    await direct.release()
    await runner.close()
  })

  it('describes the model and caches sessions by CID with LRU eviction', async () => {
    const runner = createOnnxRunner({ maxCachedModels: 2 })
    const a = linearModel(linear)
    const b = mlpModel(l1, l2)
    const c = addModel(2)
    const info = await runner.load(b)
    expect(info.cid).toBe(modelCid(b))
    expect(info.inputs).toEqual([{ name: 'x', type: 'float32', shape: ['batch', 4] }])
    expect(info.outputs).toEqual([{ name: 'probs', type: 'float32', shape: ['batch', 3] }])
    await runner.load(a)
    await runner.run(modelCid(b), { x: floats([[1, 2, 3, 4]]) }) // touch b so a is the oldest
    await runner.load(c)
    expect(runner.cachedModels()).toEqual([modelCid(b), modelCid(c)])
    // Without a cacheDir an evicted model can only come back with its bytes.
    expect(await codeOfAsync(runner.run(modelCid(a), { x: floats([[1, 2, 3]]) }))).toBe('COMPUTE_MODEL_NOT_FOUND')
    await runner.close()
  })

  it('keeps model bytes in cacheDir so a later runner can run by CID alone', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'w3ai-onnx-'))
    dirs.push(cacheDir)
    const bytes = linearModel(linear)
    const first = createOnnxRunner({ cacheDir })
    const { cid } = await first.load(bytes)
    await first.close()
    const second = createOnnxRunner({ cacheDir })
    const out = await second.run(cid, { x: floats([[1, 1, 1]]) })
    expect(out.y?.data).toEqual([9.5, 11.5])
    await second.close()
  })

  it('refuses inputs that do not fit the model with a clear message', async () => {
    const runner = createOnnxRunner()
    const bytes = linearModel(linear)
    expect(await codeOfAsync(runner.run(bytes, { z: floats([[1, 2, 3]]) }))).toBe('COMPUTE_BAD_INPUT')
    expect(await codeOfAsync(runner.run(bytes, {}))).toBe('COMPUTE_BAD_INPUT')
    await expect(runner.run(bytes, { x: floats([[1, 2]]) })).rejects.toThrow(/Input "x" must have shape \[batch, 3\]; axis 1 is 2, expected 3/)
    expect(await codeOfAsync(runner.run(bytes, { x: { type: 'float32', dims: [3], data: [1, 2, 3] } }))).toBe('COMPUTE_SHAPE_MISMATCH')
    await expect(runner.run(bytes, { x: { type: 'int32', dims: [1, 3], data: [1, 2, 3] } })).rejects.toThrow(/must be float32, got int32/)
    const add = addModel(2)
    await expect(runner.run(add, { a: floats([[1, 2]]), b: floats([[1, 2], [3, 4]]) })).rejects.toThrow(/Dimension "batch" is 1 in input "a" but 2 in input "b"/)
    await runner.close()
  })

  it('refuses bytes that are not an ONNX model and does not cache the failure', async () => {
    const runner = createOnnxRunner()
    expect(await codeOfAsync(runner.run(new Uint8Array([1, 2, 3, 4]), {}))).toBe('COMPUTE_MODEL_INVALID')
    expect(runner.cachedModels()).toEqual([])
    expect(await codeOfAsync(runner.run('not-a-cid', {}))).toBe('COMPUTE_BAD_INPUT')
    await runner.close()
  })

  it('batches requests along dim 0 and splits the outputs back', async () => {
    const runner = createOnnxRunner()
    const bytes = mlpModel(l1, l2)
    const requests = [[[0.1, 0.2, 0.3, 0.4]], [[1, 2, 3, 4], [-1, -2, 0, 1]], [[0, 0, 0, 0]]]
    const batched = await runner.runBatch(bytes, requests.map((x) => ({ x: floats(x) })))
    expect(batched.map((o) => o.probs?.dims)).toEqual([[1, 3], [2, 3], [1, 3]])
    for (const [i, x] of requests.entries()) {
      const single = await runner.run(bytes, { x: floats(x) })
      const got = batched[i]?.probs?.data as number[]
      ;(single.probs?.data as number[]).forEach((v, j) => expect(got[j]).toBeCloseTo(v, 6))
    }
    await runner.close()
  })

  it('falls back to one run per request when the batch dim is fixed', async () => {
    const runner = createOnnxRunner()
    const bytes = linearModel(linear, 1)
    const out = await runner.runBatch(bytes, [{ x: floats([[1, 0, 0]]) }, { x: floats([[0, 1, 0]]) }])
    expect(out.map((o) => o.y?.data)).toEqual([[1.5, 1.5], [3.5, 3.5]])
    await runner.close()
  })
})
