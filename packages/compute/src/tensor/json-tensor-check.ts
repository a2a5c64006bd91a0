/**
 * Validation of the JSON tensor format `{ name: { type, dims, data } }` without onnxruntime, so
 * the hub can refuse bad inline tensors at submission (`@w3ai/compute/json-tensor`) with the same
 * codes and messages a node would: dims product = data length, every value fits the type.
 */
import { executorError } from '../errors.js'

/** Element types a JSON tensor may have (onnxruntime names). */
export const TENSOR_TYPES = [
  'float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool',
] as const
export type TensorType = (typeof TENSOR_TYPES)[number]

/** One tensor as JSON. int64/uint64 values may be decimal strings where they exceed 2^53; bool is 0/1 or true/false. */
export interface JsonTensor {
  type: TensorType
  dims: number[]
  /** The values row-major, or a base64 string of their little-endian bytes (compact for large inputs). */
  data: Array<number | string | boolean> | string
}
export type JsonTensorMap = Record<string, JsonTensor>

/** The values of a checked tensor, in the typed array onnxruntime takes for its type (bool as Uint8Array). */
export type TensorData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array

export interface CheckedTensor {
  type: TensorType
  dims: number[]
  data: TensorData
}

/** Default cap on elements per tensor (64 Mi floats = 256 MiB), so one request cannot exhaust memory. */
export const DEFAULT_MAX_ELEMENTS = 1 << 26

const INT_RANGES: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535],
  int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
}

export function isTensorType(value: unknown): value is TensorType {
  return typeof value === 'string' && (TENSOR_TYPES as readonly string[]).includes(value)
}

/** Number of elements for dims; throws unless every dim is a non-negative safe integer. */
export function elementCount(dims: readonly unknown[], where = 'tensor'): number {
  let count = 1
  for (const d of dims) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw executorError('COMPUTE_BAD_INPUT', `${where}: dims must be non-negative integers, got ${JSON.stringify(dims)}.`)
    }
    count *= d
  }
  return count
}

function bad(where: string, index: number, value: unknown, type: TensorType): never {
  throw executorError('COMPUTE_BAD_INPUT', `${where}: data[${index}] = ${JSON.stringify(value)} is not a valid ${type} value.`, { index })
}

function toBigInt(value: unknown, where: string, index: number, type: 'int64' | 'uint64'): bigint {
  let big: bigint
  if (typeof value === 'number' && Number.isSafeInteger(value)) big = BigInt(value)
  else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) big = BigInt(value)
  else bad(where, index, value, type)
  const ok = type === 'int64' ? big >= -(1n << 63n) && big < 1n << 63n : big >= 0n && big < 1n << 64n
  if (!ok) bad(where, index, value, type)
  return big
}

/** Validates one JSON tensor; throws COMPUTE_BAD_INPUT / COMPUTE_SHAPE_MISMATCH / COMPUTE_INPUT_TOO_LARGE. */
export function checkJsonTensor(json: unknown, name = 'tensor', maxElements = DEFAULT_MAX_ELEMENTS): CheckedTensor {
  const where = `input "${name}"`
  if (json === null || typeof json !== 'object') throw executorError('COMPUTE_BAD_INPUT', `${where} must be an object { type, dims, data }.`)
  const { type, dims, data } = json as Record<string, unknown>
  if (!isTensorType(type)) {
    throw executorError('COMPUTE_BAD_INPUT', `${where}: unknown type ${JSON.stringify(type)}; use one of ${TENSOR_TYPES.join(', ')}.`)
  }
  if (!Array.isArray(dims)) throw executorError('COMPUTE_BAD_INPUT', `${where}: dims must be an array of integers.`)
  if (!Array.isArray(data) && typeof data !== 'string') {
    throw executorError('COMPUTE_BAD_INPUT', `${where}: data must be a flat array of values, or a base64 string of their little-endian bytes.`)
  }
  const count = elementCount(dims, where)
  if (count > maxElements) {
    throw executorError('COMPUTE_INPUT_TOO_LARGE', `${where} has ${count} elements; the limit is ${maxElements}.`, { elements: count, limit: maxElements })
  }
  if (typeof data === 'string') return { type, dims: dims as number[], data: fromBase64(type, data, count, where) }
  if (count !== data.length) {
    throw executorError('COMPUTE_SHAPE_MISMATCH', `${where}: dims ${JSON.stringify(dims)} hold ${count} elements but data has ${data.length}.`, { expected: count, actual: data.length })
  }
  return { type, dims: dims as number[], data: fillTyped(type, data, where) }
}

const TYPED: Record<TensorType, { new (n: number): TensorData; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

/** Binary data: the elements' little-endian bytes in base64 (what typed arrays hold on every platform Node runs on). */
function fromBase64(type: TensorType, text: string, count: number, where: string): TensorData {
  // Short strings are checked character by character; long ones by length (Node's decoder skips
  // stray characters, so garbage comes out short and fails the size check below).
  if ((text.length < 4096 && !BASE64.test(text)) || text.length % 4 !== 0) throw executorError('COMPUTE_BAD_INPUT', `${where}: data is a string but not base64.`)
  const bytes = Buffer.from(text, 'base64')
  const Ctor = TYPED[type]
  if (bytes.length !== count * Ctor.BYTES_PER_ELEMENT) {
    throw executorError('COMPUTE_SHAPE_MISMATCH', `${where}: dims hold ${count} elements (${count * Ctor.BYTES_PER_ELEMENT} bytes of ${type}) but data decodes to ${bytes.length} bytes.`, { expected: count * Ctor.BYTES_PER_ELEMENT, actual: bytes.length })
  }
  const out = new Ctor(count)
  new Uint8Array(out.buffer).set(bytes)
  if (type === 'bool') {
    const flags = out as Uint8Array
    for (let i = 0; i < count; i++) if (flags[i]! > 1) bad(where, i, flags[i], type)
  }
  return out
}

function fillTyped(type: TensorType, data: unknown[], where: string): TensorData {
  const n = data.length
  switch (type) {
    case 'float32':
    case 'float64': {
      const out = type === 'float32' ? new Float32Array(n) : new Float64Array(n)
      for (let i = 0; i < n; i++) {
        const v = data[i]
        if (typeof v !== 'number' || !Number.isFinite(v)) bad(where, i, v, type)
        out[i] = v
      }
      return out
    }
    case 'bool': {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) {
        const v = data[i]
        if (v === true || v === 1) out[i] = 1
        else if (v !== false && v !== 0) bad(where, i, v, type)
      }
      return out
    }
    case 'int64':
    case 'uint64': {
      const out = type === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n)
      for (let i = 0; i < n; i++) out[i] = toBigInt(data[i], where, i, type)
      return out
    }
    default: {
      const [lo, hi] = INT_RANGES[type] as [number, number]
      const Ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[type]
      const out = new Ctor(n)
      for (let i = 0; i < n; i++) {
        const v = data[i]
        if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) bad(where, i, v, type)
        out[i] = v
      }
      return out
    }
  }
}

/** Validates a whole input map (an object of JSON tensors); the names are checked against the model elsewhere. */
export function checkJsonTensorMap(inputs: unknown, maxElements = DEFAULT_MAX_ELEMENTS): Record<string, CheckedTensor> {
  if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) {
    throw executorError('COMPUTE_BAD_INPUT', 'Inputs must be an object mapping input names to { type, dims, data }.')
  }
  const out: Record<string, CheckedTensor> = {}
  for (const [name, value] of Object.entries(inputs)) out[name] = checkJsonTensor(value, name, maxElements)
  return out
}
