/** ONNX → HeModel: which graphs compile, that they mean what onnxruntime computes, and what is refused. */
import { W3aiError } from '@w3ai/protocol'
import { afterAll, describe, expect, it } from 'vitest'
import { compileHeModel, evaluatePlain } from '../src/he/index.js'
import { encodeModel, floatInit, floatValueInfo, node, type NodeProto, type TensorProto } from '../src/onnx/proto.js'
import { createOnnxRunner } from '../src/onnx/runner.js'
import { addModel, linearModel, mlpModel, randomDense } from './helpers/onnx-models.js'

const runner = createOnnxRunner()
afterAll(async () => {
  await runner.close()
})

const IN = 5
const OUT = 3
const rows = Array.from({ length: 4 }, (_, r) => Array.from({ length: IN }, (_, f) => Math.sin(r * 7 + f * 3) * 2))
const { w, b } = randomDense(IN, OUT, 3)

function graph(nodes: NodeProto[], initializers: TensorProto[], outWidth = OUT, output = 'y'): Uint8Array {
  return encodeModel({ name: 'g', nodes, inputs: [floatValueInfo('x', ['batch', IN])], outputs: [floatValueInfo(output, ['batch', outWidth])], initializers })
}

const codeOf = (fn: () => unknown): { code: string; details?: unknown } => {
  try {
    fn()
    return { code: 'accepted' }
  } catch (err) {
    return err instanceof W3aiError ? { code: err.code, details: err.details } : { code: `not a W3aiError: ${String(err)}` }
  }
}

/** The compiled model's plaintext evaluation is onnxruntime's answer on the same rows. */
async function expectSameAsOrt(bytes: Uint8Array, outWidth = OUT): Promise<void> {
  const model = compileHeModel(bytes)
  const out = (await runner.run(bytes, { x: { type: 'float32', dims: [rows.length, IN], data: rows.flat() } }))['y']!
  rows.forEach((row, r) => {
    const mine = evaluatePlain(model, row)
    for (let k = 0; k < outWidth; k++) expect(mine[k]).toBeCloseTo((out.data as number[])[r * outWidth + k]!, 4)
  })
}

const wT = Array.from({ length: OUT }, (_, j) => w.map((row) => row[j]!)) // [out][in]

describe('compileHeModel', () => {
  it('reads MatMul + Add (bias [n]) as one linear layer of depth 1', async () => {
    const bytes = linearModel({ w, b })
    expect(compileHeModel(bytes)).toMatchObject({ features: IN, outputs: OUT, depth: 1, clientSigmoid: false, needsRelinKeys: false })
    expect(compileHeModel(bytes).layers).toHaveLength(1)
    await expectSameAsOrt(bytes)
  })

  it('reads Gemm with transB, alpha, beta and a [1, n] bias as onnxruntime does', async () => {
    await expectSameAsOrt(graph([node('Gemm', ['x', 'W', 'C'], ['y'], { transB: 1, alpha: { float: 0.5 }, beta: { float: 2 } })], [floatInit('W', [OUT, IN], wT.flat()), floatInit('C', [1, OUT], b)]))
    await expectSameAsOrt(graph([node('Gemm', ['x', 'W'], ['y'])], [floatInit('W', [IN, OUT], w.flat())]))
  })

  it('takes the bias on either side of Add, through Identity, and from Constant nodes', async () => {
    const bias = { name: 'value', type: 4, t: floatInit('cb', [OUT], b) }
    const bytes = graph(
      [{ opType: 'Constant', input: [], output: ['B'], attribute: [bias] }, node('MatMul', ['x', 'W'], ['a']), node('Identity', ['a'], ['i']), node('Add', ['B', 'i'], ['y'])],
      [floatInit('W', [IN, OUT], w.flat())],
    )
    await expectSameAsOrt(bytes)
  })

  it('counts depth: linear 1, square 1, the cubic sigmoid 2; a final Sigmoid goes to the client by default', () => {
    const bytes = graph([node('MatMul', ['x', 'W'], ['h']), node('Pow', ['h', 'P'], ['s']), node('MatMul', ['s', 'W2'], ['z']), node('Sigmoid', ['z'], ['y'])], [floatInit('W', [IN, OUT], w.flat()), floatInit('P', [], [2]), floatInit('W2', [OUT, 1], [1, 2, 3])], 1)
    expect(compileHeModel(bytes)).toMatchObject({ depth: 3, clientSigmoid: true, needsRelinKeys: true, outputs: 1 })
    expect(compileHeModel(bytes, { sigmoid: 'poly' })).toMatchObject({ depth: 5, clientSigmoid: false })
    expect(compileHeModel(bytes).layers.map((l) => l.kind)).toEqual(['linear', 'square', 'linear'])
  })

  it('names the operator it does not support (HE_UNSUPPORTED_OP)', () => {
    const l = randomDense(IN, 4, 1)
    expect(codeOf(() => compileHeModel(mlpModel(l, randomDense(4, 2, 2))))).toEqual({ code: 'HE_UNSUPPORTED_OP', details: { op: 'Relu' } })
    const W = floatInit('W', [IN, OUT], w.flat())
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['x', 'W'], ['z']), node('Softmax', ['z'], ['y'], { axis: -1 })], [W]))).details).toEqual({ op: 'Softmax' })
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['x', 'W'], ['z']), node('Sigmoid', ['z'], ['s']), node('Mul', ['s', 's'], ['y'])], [W]))).details).toEqual({ op: 'Sigmoid' })
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['x', 'W'], ['z']), node('Mul', ['z', 'K'], ['y'])], [W, floatInit('K', [1], [2])]))).details).toEqual({ op: 'Mul' })
    expect(codeOf(() => compileHeModel(graph([node('Pow', ['x', 'P'], ['p']), node('MatMul', ['p', 'W'], ['y'])], [W, floatInit('P', [], [3])]))).details).toEqual({ op: 'Pow' })
    expect(codeOf(() => compileHeModel(graph([node('Add', ['x', 'K'], ['a']), node('MatMul', ['a', 'W'], ['y'])], [W, floatInit('K', [IN], [1, 1, 1, 1, 1])]))).details).toEqual({ op: 'Add' })
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['W', 'x'], ['y'])], [floatInit('W', [OUT, OUT], Array(OUT * OUT).fill(1))]))).code).toBe('HE_UNSUPPORTED_OP')
    expect(codeOf(() => compileHeModel(addModel(3))).code).toBe('HE_UNSUPPORTED_OP')
    expect(codeOf(() => compileHeModel(graph([node('Sigmoid', ['x'], ['y'])], [], IN))).code).toBe('HE_UNSUPPORTED_OP')
    expect(codeOf(() => compileHeModel(linearModel({ w, b }), { sigmoid: 'exact' as never })).code).toBe('HE_UNSUPPORTED_OP')
  })

  it('refuses bytes that are not ONNX and shapes that disagree (COMPUTE_MODEL_INVALID)', () => {
    expect(codeOf(() => compileHeModel(new Uint8Array([1, 2, 3, 255, 255]))).code).toBe('COMPUTE_MODEL_INVALID')
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['x', 'W'], ['y'])], [floatInit('W', [IN + 1, OUT], Array((IN + 1) * OUT).fill(1))]))).code).toBe('COMPUTE_MODEL_INVALID')
    expect(codeOf(() => compileHeModel(graph([node('MatMul', ['x', 'W'], ['a']), node('Add', ['a', 'B'], ['y'])], [floatInit('W', [IN, OUT], w.flat()), floatInit('B', [OUT + 1], Array(OUT + 1).fill(1))]))).code).toBe('COMPUTE_MODEL_INVALID')
  })
})
