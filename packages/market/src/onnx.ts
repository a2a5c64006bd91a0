/**
 * ONNX bytes in and out, through onnx-proto (the protobuf bindings @w3ai/compute's exporter and HE
 * compiler use too): the signature a model card shows, read from the graph without running it, and
 * the one-MatMul graph the recommender app serves.
 */
import * as onnxModule from 'onnx-proto'
import { W3aiError } from '@w3ai/protocol'
import { TENSOR_ELEMENT_TYPES, type ModelSignature, type TensorElementType, type TensorSignature } from './card.js'

// onnx-proto is a CommonJS bundle: under Node's ESM loader only its default export holds `onnx`.
type OnnxNamespace = typeof onnxModule.onnx
const loaded = onnxModule as unknown as { onnx?: OnnxNamespace; default?: { onnx?: OnnxNamespace } }
const onnx: OnnxNamespace = (loaded.onnx ?? loaded.default?.onnx) as OnnxNamespace

/** The opset the written graphs declare (MatMul is unchanged since 13). */
export const ONNX_OPSET = 13

type Long = { toNumber(): number }
const toNumber = (v: number | Long): number => (typeof v === 'number' ? v : v.toNumber())

// TensorProto.DataType numbers → onnxruntime's names (the order of TENSOR_ELEMENT_TYPES, from 1).
function elementType(code: number | null | undefined): TensorElementType {
  return (code !== null && code !== undefined && code >= 1 && code <= 16 ? TENSOR_ELEMENT_TYPES[code - 1] : undefined) ?? 'unknown'
}

function describe(value: onnxModule.onnx.IValueInfoProto): TensorSignature {
  const tensor = value.type?.tensorType
  const shape = (tensor?.shape?.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam
    return d.dimValue !== null && d.dimValue !== undefined ? toNumber(d.dimValue as number | Long) : '?'
  })
  return { name: value.name ?? '', type: elementType(tensor?.elemType), shape }
}

/**
 * The inputs and outputs of an ONNX model, as its card shows them: names, element types and
 * shapes (free dims by name). Initializers listed among the graph inputs (older exporters do that)
 * are weights, not inputs, and are left out. Bytes that are not an ONNX model are
 * COMPUTE_MODEL_INVALID.
 */
export function onnxSignature(bytes: Uint8Array): ModelSignature {
  let graph: onnxModule.onnx.IGraphProto | null | undefined
  try {
    graph = onnx.ModelProto.decode(bytes).graph
  } catch (e) {
    throw new W3aiError('COMPUTE_MODEL_INVALID', `Not an ONNX model: ${(e as Error).message}`)
  }
  if (!graph || !graph.output?.length || !graph.input?.length) throw new W3aiError('COMPUTE_MODEL_INVALID', 'Not an ONNX model: no graph with inputs and outputs')
  const weights = new Set((graph.initializer ?? []).map((t) => t.name))
  return {
    inputs: graph.input.filter((v) => !weights.has(v.name ?? '')).map(describe),
    outputs: graph.output.map(describe),
  }
}

export interface MatMulModel {
  /** The weights W, row-major, rows × cols. */
  weights: Float32Array
  rows: number
  cols: number
  inputName?: string
  outputName?: string
  graphName?: string
}

/** An ONNX model computing y[batch, cols] = x[batch, rows] · W, with W as an initializer. */
export function matMulModel(m: MatMulModel): Uint8Array {
  if (m.weights.length !== m.rows * m.cols) throw new RangeError(`weights hold ${m.weights.length} values, not ${m.rows} × ${m.cols}`)
  const input = m.inputName ?? 'input'
  const output = m.outputName ?? 'output'
  const FLOAT = onnx.TensorProto.DataType.FLOAT
  const info = (name: string, width: number) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: width }] } } } })
  const weights = new Uint8Array(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength)
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'w3ai-market',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: m.graphName ?? 'matmul',
      node: [{ opType: 'MatMul', input: [input, 'W'], output: [output], name: 'MatMul_0' }],
      input: [info(input, m.rows)],
      output: [info(output, m.cols)],
      initializer: [{ name: 'W', dims: [m.rows, m.cols], dataType: FLOAT, rawData: weights }],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}
