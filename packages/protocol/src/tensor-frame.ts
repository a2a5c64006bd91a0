/**
 * The binary tensor frame (`application/vnd.w3ai.tensors`): inference inputs and outputs as raw
 * little-endian bytes behind a small JSON header, so no float ever becomes text between SDK, hub
 * and serving node. Layout:
 *
 * ```
 * 0   "W3TF"              magic
 * 4   u8 version (1), 3 zero bytes
 * 8   u32 LE header length H
 * 12  H bytes of UTF-8 JSON: { "tensors": [{ "name", "type", "dims", "byteLength" }], ...meta }
 *     zero padding to a multiple of 8
 *     each tensor's bytes in header order, each starting at a multiple of 8 (zero padding between)
 * ```
 *
 * Offsets are not sent: they follow from the byte lengths, and a frame must end exactly after its
 * last tensor. Anything else is TENSOR_FRAME_MALFORMED. `meta` carries the response's `nodeId` and
 * `runMs`; a request carries none.
 */
import { W3aiError } from './errors.js'

export const TENSOR_FRAME_TYPE = 'application/vnd.w3ai.tensors'

/** Element types a frame carries (onnxruntime names) and their sizes in bytes. */
export const FRAME_ELEMENT_BYTES = {
  float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
} as const
export type FrameElementType = keyof typeof FRAME_ELEMENT_BYTES

export type FrameData =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array

export interface FrameTensor {
  type: FrameElementType
  dims: number[]
  data: FrameData
}

export interface TensorFrame {
  tensors: Record<string, FrameTensor>
  meta: Record<string, unknown>
}

const MAGIC = [0x57, 0x33, 0x54, 0x46] // "W3TF"
const VERSION = 1
const PREFIX = 12
/** Limits on what a header may declare, so a frame cannot make the reader allocate or loop much. */
export const FRAME_LIMITS = { headerBytes: 64 * 1024, tensors: 64, dims: 16, nameLength: 256 } as const

const CTORS: Record<FrameElementType, { new (buffer: ArrayBufferLike, byteOffset: number, length: number): FrameData; new (length: number): FrameData }> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
}

const align8 = (n: number): number => (n + 7) & ~7

function malformed(message: string): never {
  throw new W3aiError('TENSOR_FRAME_MALFORMED', `Malformed tensor frame: ${message}`)
}

const isType = (t: unknown): t is FrameElementType => typeof t === 'string' && Object.hasOwn(FRAME_ELEMENT_BYTES, t)

/** Encodes tensors (and response meta) as one frame; the tensors' bytes are copied once. */
export function encodeTensorFrame(tensors: Record<string, { type: string; dims: readonly number[]; data: ArrayBufferView }>, meta: Record<string, unknown> = {}): Uint8Array {
  const entries = Object.entries(tensors)
  const list = entries.map(([name, t]) => {
    if (!isType(t.type)) throw new W3aiError('VALIDATION_FAILED', `Tensor "${name}" has type ${t.type}, which a binary frame does not carry; send it as JSON.`)
    return { name, type: t.type, dims: [...t.dims], byteLength: t.data.byteLength }
  })
  const header = new TextEncoder().encode(JSON.stringify({ ...meta, tensors: list }))
  let size = align8(PREFIX + header.length)
  for (const t of list) size = align8(size) + t.byteLength
  const out = new Uint8Array(size)
  out.set(MAGIC, 0)
  out[4] = VERSION
  new DataView(out.buffer).setUint32(8, header.length, true)
  out.set(header, PREFIX)
  let at = align8(PREFIX + header.length)
  for (const [, t] of entries) {
    at = align8(at)
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
    at += t.data.byteLength
  }
  return out
}

/**
 * Decodes a frame; TENSOR_FRAME_MALFORMED for anything that is not exactly one. Tensor data are
 * views into `bytes` where they are aligned for their type, copies otherwise.
 */
export function decodeTensorFrame(bytes: Uint8Array, maxElements = 1 << 26): TensorFrame {
  if (bytes.length < PREFIX) malformed(`${bytes.length} bytes is shorter than the 12-byte prefix.`)
  if (MAGIC.some((b, i) => bytes[i] !== b)) malformed('it does not start with "W3TF".')
  if (bytes[4] !== VERSION) malformed(`version ${bytes[4]} is not 1.`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getUint32(8, true)
  if (headerLength > FRAME_LIMITS.headerBytes || PREFIX + headerLength > bytes.length) malformed(`the header declares ${headerLength} bytes; the frame has ${bytes.length - PREFIX} after the prefix.`)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)))
  } catch {
    malformed('the header is not UTF-8 JSON.')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) malformed('the header is not a JSON object.')
  const { tensors: list, ...meta } = header as { tensors?: unknown }
  if (!Array.isArray(list) || list.length > FRAME_LIMITS.tensors) malformed(`"tensors" must be an array of at most ${FRAME_LIMITS.tensors}.`)
  const tensors: Record<string, FrameTensor> = {}
  let at = align8(PREFIX + headerLength)
  for (const [i, entry] of list.entries()) {
    const { name, type, dims, byteLength } = (entry ?? {}) as Record<string, unknown>
    if (typeof name !== 'string' || name.length === 0 || name.length > FRAME_LIMITS.nameLength || Object.hasOwn(tensors, name)) malformed(`tensor ${i} needs a unique name of 1 to ${FRAME_LIMITS.nameLength} characters.`)
    if (!isType(type)) malformed(`tensor "${name}" has unknown type ${JSON.stringify(type)}; use one of ${Object.keys(FRAME_ELEMENT_BYTES).join(', ')}.`)
    if (!Array.isArray(dims) || dims.length > FRAME_LIMITS.dims || !dims.every((d) => Number.isSafeInteger(d) && d >= 0)) malformed(`tensor "${name}": dims must be at most ${FRAME_LIMITS.dims} non-negative integers.`)
    const count = (dims as number[]).reduce((a, d) => a * d, 1)
    if (count > maxElements) throw new W3aiError('COMPUTE_INPUT_TOO_LARGE', `Input "${name}" has ${count} elements; the limit is ${maxElements}.`, { elements: count, limit: maxElements })
    const size = FRAME_ELEMENT_BYTES[type]
    if (byteLength !== count * size) malformed(`tensor "${name}": dims ${JSON.stringify(dims)} of ${type} hold ${count * size} bytes, byteLength says ${JSON.stringify(byteLength)}.`)
    at = align8(at)
    if (at + count * size > bytes.length) malformed(`tensor "${name}" runs past the end of the frame.`)
    const offset = bytes.byteOffset + at
    const Ctor = CTORS[type]
    const data = offset % size === 0 ? new Ctor(bytes.buffer, offset, count) : copyOf(Ctor, bytes.subarray(at, at + count * size), count)
    if (type === 'bool' && (data as Uint8Array).some((v) => v > 1)) malformed(`tensor "${name}" is bool but holds a byte other than 0 or 1.`)
    tensors[name] = { type, dims: dims as number[], data }
    at += count * size
  }
  if (at !== bytes.length) malformed(`${bytes.length - at} bytes follow the last tensor.`)
  return { tensors, meta }
}

function copyOf(Ctor: (typeof CTORS)[FrameElementType], bytes: Uint8Array, count: number): FrameData {
  const out = new Ctor(count)
  new Uint8Array(out.buffer).set(bytes)
  return out
}

/** Whether a content-type header names the frame (parameters ignored). */
export const isTensorFrameType = (contentType: string | undefined): boolean =>
  contentType !== undefined && contentType.split(';', 1)[0]!.trim().toLowerCase() === TENSOR_FRAME_TYPE
