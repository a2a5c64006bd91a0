/**
 * Inference inputs and outputs as binary tensor frames (`application/vnd.w3ai.tensors`). Inputs a
 * frame cannot carry exactly as given (an unknown type, a value that does not fit its type, data
 * whose length disagrees with dims) are sent as JSON instead, so the node answers them with the
 * same codes as ever.
 */
import { encodeTensorFrame, FRAME_ELEMENT_BYTES, type FrameData, type FrameElementType, type FrameTensor } from '@w3ai/protocol'

type Values = ArrayLike<number | string | boolean> | ArrayBufferView | string

const INT_RANGES: Partial<Record<FrameElementType, [number, number]>> = {
  int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767], uint16: [0, 65535], int32: [-2147483648, 2147483647], uint32: [0, 4294967295],
}
const CTORS = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
} as const

const isFrameType = (t: string): t is FrameElementType => Object.hasOwn(FRAME_ELEMENT_BYTES, t)

/** One tensor's data as a frame carries it, or undefined when only JSON can say it as given. */
function frameData(type: FrameElementType, count: number, data: Values): ArrayBufferView | undefined {
  const size = FRAME_ELEMENT_BYTES[type]
  if (typeof data === 'string') {
    const bytes = Buffer.from(data, 'base64')
    return bytes.length === count * size && data.length % 4 === 0 ? bytes : undefined
  }
  if (ArrayBuffer.isView(data)) return data.byteLength === count * size ? data : undefined
  if (data.length !== count) return undefined
  const out = new CTORS[type](count)
  for (let i = 0; i < count; i++) {
    const v = data[i]
    if (type === 'float32' || type === 'float64') {
      if (typeof v !== 'number' || !Number.isFinite(v)) return undefined
      ;(out as Float32Array)[i] = v
    } else if (type === 'bool') {
      if (v !== true && v !== false && v !== 0 && v !== 1) return undefined
      ;(out as Uint8Array)[i] = v === true || v === 1 ? 1 : 0
    } else if (type === 'int64' || type === 'uint64') {
      if (!((typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,20}$/.test(v)))) return undefined
      const big = BigInt(v)
      if (type === 'int64' ? big < -(1n << 63n) || big >= 1n << 63n : big < 0n || big >= 1n << 64n) return undefined
      ;(out as BigInt64Array)[i] = big
    } else {
      const [lo, hi] = INT_RANGES[type] as [number, number]
      if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) return undefined
      ;(out as Int32Array)[i] = v
    }
  }
  return out
}

/** The inputs as one frame, or undefined when some input must go as JSON. */
export function inputsFrame(inputs: Record<string, { type: string; dims: number[]; data: Values }>): Uint8Array | undefined {
  const tensors: Record<string, { type: string; dims: number[]; data: ArrayBufferView }> = {}
  for (const [name, t] of Object.entries(inputs)) {
    if (!isFrameType(t.type) || !t.dims.every((d) => Number.isSafeInteger(d) && d >= 0)) return undefined
    const data = frameData(t.type, t.dims.reduce((a, d) => a * d, 1), t.data)
    if (data === undefined) return undefined
    tensors[name] = { type: t.type, dims: t.dims, data }
  }
  return encodeTensorFrame(tensors)
}

/** A frame tensor's values as a plain array, as JSON answers carry them (int64 past 2^53 as decimal strings). */
export function plainValues(t: FrameTensor): Array<number | string> {
  const data: FrameData = t.data
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data, (v) => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()))
  }
  return Array.from(data as ArrayLike<number>)
}
