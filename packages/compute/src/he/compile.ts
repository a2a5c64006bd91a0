/**
 * ONNX → HeModel: the graph must be one chain from its single input to its single output made of
 * Gemm, MatMul (+ Add of a bias), square activations (Mul(x, x) or Pow(x, 2)) and an optional
 * final Sigmoid (Identity and Constant nodes pass). Anything else is HE_UNSUPPORTED_OP naming the
 * operator; a graph that does not decode or whose shapes disagree is COMPUTE_MODEL_INVALID.
 */
import { executorError } from '../errors.js'
import type * as onnxModule from 'onnx-proto'
import { onnx, type NodeProto, type TensorProto } from '../onnx/proto.js'
import { heError } from './errors.js'
import { layerDepth, SIGMOID_CUBIC, type HeLayer, type HeLinearLayer, type HeModel } from './model.js'

export interface CompileHeOptions {
  /** Where a final Sigmoid runs: 'client' (default; the node returns logits) or 'poly' (a cubic on the node, 2 more levels). */
  sigmoid?: 'client' | 'poly'
}

type GraphProto = onnxModule.onnx.IGraphProto

interface Constant {
  dims: number[]
  data: Float64Array
}

const invalid = (message: string) => executorError('COMPUTE_MODEL_INVALID', message)
const unsupported = (op: string, why: string) => heError('HE_UNSUPPORTED_OP', `Encrypted inference does not support ${op}: ${why}`, { op })

const T = onnx.TensorProto.DataType

function tensorValues(t: TensorProto): Constant {
  const dims = (t.dims ?? []).map(Number)
  const count = dims.reduce((a, b) => a * b, 1)
  // A copy: protobufjs hands out views into a shared buffer, at any alignment.
  const raw = t.rawData !== undefined && t.rawData !== null && t.rawData.byteLength > 0 ? new Uint8Array(t.rawData) : undefined
  let data: Float64Array
  if (t.dataType === T.FLOAT) {
    data = raw === undefined ? Float64Array.from(t.floatData ?? []) : Float64Array.from(new Float32Array(raw.buffer, 0, raw.byteLength >> 2))
  } else if (t.dataType === T.DOUBLE) {
    data = raw === undefined ? Float64Array.from(t.doubleData ?? []) : new Float64Array(raw.buffer, 0, raw.byteLength >> 3)
  } else if (t.dataType === T.INT64 && raw === undefined) {
    data = Float64Array.from(t.int64Data ?? [], Number)
  } else {
    throw unsupported(`tensors of ONNX type ${String(t.dataType)}`, `"${t.name ?? ''}" must be float, double (or int64 for an exponent).`)
  }
  if (data.length !== count) throw invalid(`The ONNX tensor "${t.name ?? ''}" has ${data.length} values for dims [${dims.join(', ')}].`)
  return { dims, data }
}

function attribute(node: NodeProto, name: string): number | undefined {
  const a = node.attribute?.find((x) => x.name === name)
  if (a === undefined) return undefined
  return a.type === onnx.AttributeProto.AttributeType.FLOAT ? Number(a.f) : Number(a.i)
}

/** A bias of `width` values from a constant that broadcasts along the last axis ([], [1], [w], [1, w]). */
function broadcastBias(c: Constant, width: number, op: string): Float64Array {
  if (c.data.length === 1) return new Float64Array(width).fill(c.data[0]!)
  if (c.data.length === width && c.dims[c.dims.length - 1] === width && c.dims.slice(0, -1).every((d) => d === 1)) return Float64Array.from(c.data)
  throw invalid(`The ${op} bias has dims [${c.dims.join(', ')}]; a layer of ${width} outputs needs [${width}] or [1, ${width}].`)
}

/** A linear layer from a [k, n] (or transposed [n, k]) weight matrix, scaled by alpha. */
function linear(w: Constant, transposed: boolean, alpha: number, width: number, op: string): HeLinearLayer {
  if (w.dims.length !== 2) throw invalid(`The ${op} weights have dims [${w.dims.join(', ')}]; a 2-D matrix is needed.`)
  const [rows, cols] = w.dims as [number, number]
  const [inputs, outputs] = transposed ? [cols, rows] : [rows, cols]
  if (inputs !== width) throw invalid(`The ${op} layer takes ${inputs} inputs but follows ${width} columns.`)
  const weights = new Float64Array(inputs * outputs)
  for (let j = 0; j < outputs; j++) {
    for (let i = 0; i < inputs; i++) weights[j * inputs + i] = alpha * w.data[transposed ? j * cols + i : i * cols + j]!
  }
  return { kind: 'linear', inputs, outputs, weights, bias: new Float64Array(outputs) }
}

function decode(bytes: Uint8Array): GraphProto {
  let graph: GraphProto | null | undefined
  try {
    graph = onnx.ModelProto.decode(bytes).graph
  } catch (err) {
    throw invalid(`The model is not an ONNX model (${err instanceof Error ? err.message : String(err)}).`)
  }
  if (graph === null || graph === undefined) throw invalid('The ONNX model has no graph.')
  return graph
}

/** Compiles an ONNX model for encrypted inference (see the module doc for what it may contain). */
export function compileHeModel(bytes: Uint8Array, options: CompileHeOptions = {}): HeModel {
  const sigmoidWhere = options.sigmoid ?? 'client'
  if (sigmoidWhere !== 'client' && sigmoidWhere !== 'poly') throw heError('HE_UNSUPPORTED_OP', `sigmoid must be 'client' or 'poly', not ${JSON.stringify(sigmoidWhere)}.`, { op: 'Sigmoid' })
  const graph = decode(bytes)
  const constants = new Map<string, Constant>()
  for (const t of graph.initializer ?? []) constants.set(t.name ?? '', tensorValues(t))
  const inputs = (graph.input ?? []).filter((i) => !constants.has(i.name ?? ''))
  if (inputs.length !== 1) throw unsupported(`${inputs.length} graph inputs`, 'the model must take exactly one input, the rows [batch, features].')
  const input = inputs[0]!
  const shape = input.type?.tensorType?.shape?.dim ?? []
  const fixed = shape.length === 2 && shape[1]?.dimValue !== undefined && shape[1]?.dimValue !== null ? Number(shape[1].dimValue) : undefined
  if (shape.length !== 2 && shape.length !== 0) throw unsupported(`an input of rank ${shape.length}`, 'the input must be rows [batch, features].')

  let act = input.name ?? ''
  let width = fixed ?? -1
  let sigmoid = false
  const layers: HeLayer[] = []
  // The last layer while its output is still `act`, so that an Add can become its bias.
  let open: HeLinearLayer | undefined
  const constant = (name: string | undefined, op: string): Constant => {
    const c = constants.get(name ?? '')
    if (c === undefined) throw unsupported(op, `its input "${name ?? ''}" must be a constant (an initializer).`)
    return c
  }
  const addLinear = (layer: HeLinearLayer) => {
    if (layers.length === 0 && width === -1) width = layer.inputs
    layers.push(layer)
    open = layer
    width = layer.outputs
  }

  for (const node of graph.node ?? []) {
    const op = node.opType ?? ''
    const ins = node.input ?? []
    const outs = node.output ?? []
    if (op === 'Constant') {
      const t = node.attribute?.find((a) => a.name === 'value')?.t
      if (t === undefined || t === null) throw unsupported('Constant', 'only the "value" tensor form is supported.')
      constants.set(outs[0] ?? '', tensorValues(t))
      continue
    }
    if (!ins.includes(act)) throw unsupported(op, 'every operator must continue the one chain from the input to the output.')
    if (outs.length !== 1) throw unsupported(op, 'it must have exactly one output.')
    if (sigmoid && op !== 'Identity') throw unsupported('Sigmoid', 'only as the last operation of the model.')
    const out = outs[0]!
    const wasOpen = open
    open = undefined
    switch (op) {
      case 'Identity':
        open = wasOpen
        break
      case 'Gemm': {
        if (ins[0] !== act || (attribute(node, 'transA') ?? 0) !== 0) throw unsupported('Gemm', 'the rows must be its first input, not transposed.')
        if (width === -1) width = constant(ins[1], op).dims[(attribute(node, 'transB') ?? 0) === 1 ? 1 : 0] ?? -1
        const layer = linear(constant(ins[1], op), (attribute(node, 'transB') ?? 0) === 1, attribute(node, 'alpha') ?? 1, width, op)
        if (ins[2] !== undefined && ins[2] !== '') {
          const beta = attribute(node, 'beta') ?? 1
          layer.bias = broadcastBias(constant(ins[2], op), layer.outputs, op).map((b) => beta * b)
        }
        addLinear(layer)
        break
      }
      case 'MatMul':
        if (ins[0] !== act) throw unsupported('MatMul', 'the rows must be its first input (x·W).')
        if (width === -1) width = constant(ins[1], op).dims[0] ?? -1
        addLinear(linear(constant(ins[1], op), false, 1, width, op))
        break
      case 'Add': {
        if (wasOpen === undefined) throw unsupported('Add', 'only as the bias right after a MatMul or Gemm.')
        const bias = broadcastBias(constant(ins[0] === act ? ins[1] : ins[0], op), wasOpen.outputs, op)
        wasOpen.bias = wasOpen.bias.map((b, j) => b + bias[j]!)
        open = wasOpen
        break
      }
      case 'Mul':
        if (ins[0] !== act || ins[1] !== act) throw unsupported('Mul', 'only as a square activation, Mul(x, x).')
        layers.push({ kind: 'square' })
        break
      case 'Pow': {
        const e = constant(ins[1], op)
        if (ins[0] !== act || e.data.length !== 1 || e.data[0] !== 2) throw unsupported('Pow', 'only as a square activation, Pow(x, 2).')
        layers.push({ kind: 'square' })
        break
      }
      case 'Sigmoid':
        sigmoid = true
        break
      default:
        throw unsupported(op, 'use Gemm or MatMul+Add layers, square activations (Mul(x, x) or Pow(x, 2)) and an optional final Sigmoid.')
    }
    act = out
  }

  const outputs = graph.output ?? []
  if (outputs.length !== 1 || outputs[0]?.name !== act) throw unsupported(`the graph outputs ${outputs.map((o) => o.name).join(', ')}`, 'the model must have one output, the end of its chain.')
  const first = layers.findIndex((l) => l.kind === 'linear')
  if (first === -1) throw unsupported('a model without a Gemm or MatMul layer', 'there is nothing to compute.')
  if (fixed !== undefined && (layers[first] as HeLinearLayer).inputs !== fixed) throw invalid(`The input has ${fixed} features but the first layer takes ${(layers[first] as HeLinearLayer).inputs}.`)
  const clientSigmoid = sigmoid && sigmoidWhere === 'client'
  if (sigmoid && !clientSigmoid) layers.push({ ...SIGMOID_CUBIC })
  return {
    features: (layers[first] as HeLinearLayer).inputs,
    outputs: width,
    depth: layers.reduce((d, l) => d + layerDepth(l), 0),
    clientSigmoid,
    needsRelinKeys: layers.some((l) => l.kind !== 'linear'),
    layers,
  }
}
