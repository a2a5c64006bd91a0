import { InferenceSession, Tensor } from 'onnxruntime-node'
import * as onnxModule from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { matMulModel, onnxSignature, validateCard } from '../src/index.js'
import { refusal } from './helpers.js'

const onnx = ((onnxModule as { onnx?: typeof onnxModule.onnx }).onnx ?? (onnxModule as unknown as { default: typeof onnxModule }).default.onnx)

/** A Gather over an int64 id input with a bias initializer that older exporters also list among the inputs. */
function embeddingModel(): Uint8Array {
  const T = onnx.TensorProto.DataType
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'embed',
      node: [{ opType: 'Gather', input: ['table', 'ids'], output: ['vectors'] }],
      input: [
        { name: 'ids', type: { tensorType: { elemType: T.INT64, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }] } } } },
        { name: 'table', type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimValue: 5 }, { dimValue: 2 }] } } } },
      ],
      output: [{ name: 'vectors', type: { tensorType: { elemType: T.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 3 }, {}] } } } }],
      initializer: [{ name: 'table', dims: [5, 2], dataType: T.FLOAT, floatData: Array(10).fill(0.5) }],
    },
  })).finish()
}

describe('the ONNX signature of a model card', () => {
  it('lists inputs and outputs with element types and shapes, free dims by name, weights left out', async () => {
    const bytes = embeddingModel()
    const signature = onnxSignature(bytes)
    expect(signature).toEqual({
      inputs: [{ name: 'ids', type: 'int64', shape: ['batch', 3] }],
      outputs: [{ name: 'vectors', type: 'float32', shape: ['batch', 3, '?'] }],
    })
    // onnxruntime agrees on the names (its warning about the listed initializer is expected).
    const session = await InferenceSession.create(bytes, { logSeverityLevel: 3 })
    expect([session.inputNames, session.outputNames]).toEqual([['ids'], ['vectors']])
    await session.release()
  })

  it('fills a model card that validates', () => {
    const card = { kind: 'model', intendedUse: 'Embeds ids.', metrics: [], limitations: '', ...onnxSignature(embeddingModel()) }
    expect(validateCard(card, 'model')).toEqual(card)
  })

  it('refuses bytes that are not an ONNX model with COMPUTE_MODEL_INVALID', () => {
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('{"not":"onnx"}'), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])]) {
      expect(refusal(() => onnxSignature(bytes))).toMatchObject({ code: 'COMPUTE_MODEL_INVALID' })
    }
  })
})

describe('a MatMul model', () => {
  it('computes x · W in onnxruntime, batched on a free first dim', async () => {
    const W = Float32Array.from([1, 2, 3, 4, 5, 6]) // 2 × 3
    const bytes = matMulModel({ weights: W, rows: 2, cols: 3, inputName: 'x', outputName: 'y' })
    expect(onnxSignature(bytes)).toEqual({ inputs: [{ name: 'x', type: 'float32', shape: ['batch', 2] }], outputs: [{ name: 'y', type: 'float32', shape: ['batch', 3] }] })
    const session = await InferenceSession.create(bytes)
    const out = await session.run({ x: new Tensor('float32', Float32Array.from([1, 0, 1, 1]), [2, 2]) })
    expect([...(out.y?.data as Float32Array)]).toEqual([1, 2, 3, 5, 7, 9])
    await session.release()
  })

  it('refuses weights that do not fill rows × cols', () => {
    expect(() => matMulModel({ weights: new Float32Array(5), rows: 2, cols: 3 })).toThrow(RangeError)
  })
})
