/**
 * onnx-proto is a CommonJS bundle; under Node's ESM loader it only has a default export, while
 * bundlers expose `onnx` directly. This wrapper hides that and adds the few builders the exporter
 * and tests need to write small ONNX graphs.
 */
import * as onnxModule from 'onnx-proto'

type OnnxNamespace = typeof onnxModule.onnx
const loaded = onnxModule as unknown as { onnx?: OnnxNamespace; default?: { onnx?: OnnxNamespace } }
export const onnx: OnnxNamespace = (loaded.onnx ?? loaded.default?.onnx) as OnnxNamespace

export type NodeProto = onnxModule.onnx.INodeProto
export type TensorProto = onnxModule.onnx.ITensorProto
export type ValueInfoProto = onnxModule.onnx.IValueInfoProto

/** The opset the exporter targets: Softmax on the last axis and Unsqueeze/Split with tensor inputs. */
export const OPSET = 13

/** A float32 initializer with its raw little-endian bytes. */
export function floatInit(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const array = Float32Array.from(values as ArrayLike<number>)
  return {
    name,
    dims: [...dims],
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
  }
}

/** An int64 initializer (shapes for Reshape, axes). */
export function int64Init(name: string, values: readonly number[]): TensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] }
}

/** An attribute value: integers are INT unless wrapped as { float } (ONNX types attributes strictly). */
export type AttrValue = number | number[] | string | { float: number }

/** A graph node; attributes are given as plain values and typed here. */
export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): NodeProto {
  const A = onnx.AttributeProto.AttributeType
  const attribute = Object.entries(attrs).map(([name, value]) => {
    if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) }
    if (Array.isArray(value)) return { name, type: A.INTS, ints: value }
    if (typeof value === 'object') return { name, type: A.FLOAT, f: value.float }
    return Number.isInteger(value) ? { name, type: A.INT, i: value } : { name, type: A.FLOAT, f: value }
  })
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0] ?? ''}`, attribute }
}

/** A float32 tensor value-info; string dims are symbolic (e.g. 'batch'). */
export function floatValueInfo(name: string, dims: ReadonlyArray<number | string>): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  }
}

export interface GraphParts {
  name: string
  nodes: NodeProto[]
  inputs: ValueInfoProto[]
  outputs: ValueInfoProto[]
  initializers: TensorProto[]
  producer?: string
}

/** Serialises a single-graph model at OPSET. */
export function encodeModel(parts: GraphParts): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: parts.producer ?? 'w3ai',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: {
      name: parts.name,
      node: parts.nodes,
      input: parts.inputs,
      output: parts.outputs,
      initializer: parts.initializers,
    },
  })
  return onnx.ModelProto.encode(model).finish()
}
