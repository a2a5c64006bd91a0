/**
 * The JSON tensor format that tasks carry: `{ name: { type, dims, data } }` with data flattened in
 * row-major order. It is the wire shape between clients, hub and nodes, so it is validated strictly
 * (json-tensor-check.ts: dims product = data length, values fit the type) before native code sees it.
 */
import { Tensor } from 'onnxruntime-node'
import { executorError } from '../errors.js'
import { checkJsonTensor, checkJsonTensorMap, DEFAULT_MAX_ELEMENTS, isTensorType, type CheckedTensor, type JsonTensor, type JsonTensorMap } from './json-tensor-check.js'

export {
  DEFAULT_MAX_ELEMENTS, TENSOR_TYPES, checkJsonTensor, checkJsonTensorMap, elementCount, isTensorType,
  type CheckedTensor, type JsonTensor, type JsonTensorMap, type TensorData, type TensorType,
} from './json-tensor-check.js'

/** An onnxruntime Tensor over a checked tensor's typed array (no copy). */
export const toOrt = (t: CheckedTensor): Tensor => new Tensor(t.type, t.data as Tensor.DataTypeMap[typeof t.type], t.dims)

/** Validates one JSON tensor and builds the onnxruntime Tensor; throws COMPUTE_BAD_INPUT / COMPUTE_SHAPE_MISMATCH / COMPUTE_INPUT_TOO_LARGE. */
export function jsonToOrt(json: unknown, name = 'tensor', maxElements = DEFAULT_MAX_ELEMENTS): Tensor {
  return toOrt(checkJsonTensor(json, name, maxElements))
}

/** Validates a whole input map; the names are checked against the model elsewhere. */
export function jsonMapToOrt(inputs: unknown, maxElements = DEFAULT_MAX_ELEMENTS): Record<string, Tensor> {
  const out: Record<string, Tensor> = {}
  for (const [name, tensor] of Object.entries(checkJsonTensorMap(inputs, maxElements))) out[name] = toOrt(tensor)
  return out
}

/** Converts an onnxruntime Tensor back to JSON (int64 beyond 2^53 becomes a decimal string, bool 0/1). */
export function ortToJson(tensor: Tensor, name = 'output'): JsonTensor {
  if (!isTensorType(tensor.type)) {
    throw executorError('COMPUTE_RUN_FAILED', `Output "${name}" has type ${tensor.type}, which the JSON format does not carry.`)
  }
  const dims = [...tensor.dims]
  const source = tensor.data
  let data: Array<number | string>
  if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
    data = Array.from(source, (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()))
  } else {
    data = Array.from(source as ArrayLike<number>)
  }
  return { type: tensor.type, dims, data }
}

/** Converts every output of a run to JSON. */
export function ortMapToJson(outputs: Record<string, Tensor>): JsonTensorMap {
  const out: JsonTensorMap = {}
  for (const [name, tensor] of Object.entries(outputs)) out[name] = ortToJson(tensor, name)
  return out
}
