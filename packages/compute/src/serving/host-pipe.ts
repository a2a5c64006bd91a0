/**
 * Framing on the pipe between a node and its model host (a socket pair on fd 4 of the child): each
 * message is a small JSON header and raw byte blobs (tensors, model bytes), so tensors cross as
 * they are in memory, with no serialization. Layout of one frame:
 *
 * ```
 * 0   u32 LE frame length F (bytes after this field)
 * 4   u32 LE header length H
 * 8   H bytes of UTF-8 JSON: { ...message, blobs: [byteLength, …] }
 *     zero padding to a multiple of 8
 *     each blob's bytes, each starting at a multiple of 8 from the frame's start
 * ```
 *
 * The writer hands the blobs to the socket as they are (one writev, no copy into a frame); the
 * reader copies each chunk once into a buffer of the frame's size, so a frame's blobs are aligned
 * views into it, whatever the chunks' sizes.
 */
import { executorError } from '../errors.js'
import type { CheckedTensor, TensorData, TensorType } from '../tensor/json-tensor-check.js'

const PREFIX = 8
/** Largest frame the reader accepts (the length field is 32 bits). */
export const MAX_HOST_FRAME = 0xffff_fff0
const align8 = (n: number): number => (n + 7) & ~7
const ZEROS = Buffer.alloc(8)

export interface HostFrame {
  header: Record<string, unknown>
  /** The blobs, aligned views into one buffer holding the frame. */
  blobs: Uint8Array[]
}

const view = (b: ArrayBufferView): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/** A frame as the buffers to write, in order (the blobs are views, not copies). */
export function encodeHostFrame(header: Record<string, unknown>, blobs: readonly ArrayBufferView[] = []): Buffer[] {
  const json = Buffer.from(JSON.stringify({ ...header, blobs: blobs.map((b) => b.byteLength) }), 'utf8')
  let at = align8(PREFIX + json.length)
  const head = Buffer.alloc(at)
  head.writeUInt32LE(0, 0)
  head.writeUInt32LE(json.length, 4)
  json.copy(head, PREFIX)
  const out: Buffer[] = [head]
  for (const b of blobs) {
    const pad = align8(at) - at
    if (pad > 0) out.push(ZEROS.subarray(0, pad))
    at += pad
    if (b.byteLength > 0) out.push(view(b))
    at += b.byteLength
  }
  if (at - 4 > MAX_HOST_FRAME) throw executorError('COMPUTE_INPUT_TOO_LARGE', `A message of ${at} bytes is too large for the model host.`)
  head.writeUInt32LE(at - 4, 0)
  return out
}

/** Reassembles frames from a byte stream however it is chunked; calls `onFrame` for each whole one. */
export class HostFrameReader {
  /** The first bytes of a frame whose length field is not complete yet. */
  private partial: Buffer | undefined
  /** The frame being filled, and how much of it is. */
  private frame: Buffer | undefined
  private filled = 0

  constructor(private readonly onFrame: (frame: HostFrame) => void) {}

  push(chunk: Buffer): void {
    let at = 0
    while (at < chunk.length) {
      if (this.frame === undefined) {
        if (this.partial !== undefined) {
          chunk = Buffer.concat([this.partial, chunk.subarray(at)])
          at = 0
          this.partial = undefined
        }
        if (chunk.length - at < 4) {
          this.partial = Buffer.from(chunk.subarray(at))
          return
        }
        const length = chunk.readUInt32LE(at)
        if (length < 4 || length > MAX_HOST_FRAME) throw new Error(`model host pipe: a frame declares ${length} bytes`)
        // A fresh buffer per frame: its offset 0 is aligned, and the blobs may outlive the next frame.
        this.frame = Buffer.allocUnsafeSlow(4 + length)
        this.filled = 0
      }
      const n = Math.min(this.frame.length - this.filled, chunk.length - at)
      chunk.copy(this.frame, this.filled, at, at + n)
      this.filled += n
      at += n
      if (this.filled === this.frame.length) {
        const frame = this.frame
        this.frame = undefined
        this.onFrame(parseFrame(frame))
      }
    }
  }
}

function parseFrame(frame: Buffer): HostFrame {
  const headerLength = frame.readUInt32LE(4)
  if (PREFIX + headerLength > frame.length) throw new Error('model host pipe: the header runs past the frame')
  const header = JSON.parse(frame.toString('utf8', PREFIX, PREFIX + headerLength)) as Record<string, unknown> & { blobs?: number[] }
  const sizes = header.blobs ?? []
  delete header.blobs
  const blobs: Uint8Array[] = []
  let at = align8(PREFIX + headerLength)
  for (const size of sizes) {
    at = align8(at)
    if (at + size > frame.length) throw new Error('model host pipe: a blob runs past the frame')
    blobs.push(new Uint8Array(frame.buffer, frame.byteOffset + at, size))
    at += size
  }
  return { header, blobs }
}

/** A tensor's description in a header; its bytes are the blob of the same index. */
export interface TensorMeta {
  type: TensorType
  dims: number[]
}

const CTORS: Record<TensorType, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TensorData> = {
  float32: Float32Array, float64: Float64Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
}

/** Tensor maps as header metadata plus their data as blobs (appended to `blobs`). */
export function packTensors(list: ReadonlyArray<Record<string, CheckedTensor>>, blobs: ArrayBufferView[]): Array<Record<string, TensorMeta & { blob: number }>> {
  return list.map((tensors) => {
    const meta: Record<string, TensorMeta & { blob: number }> = {}
    for (const [name, t] of Object.entries(tensors)) {
      meta[name] = { type: t.type, dims: [...t.dims], blob: blobs.length }
      blobs.push(t.data)
    }
    return meta
  })
}

/** The inverse of packTensors: typed arrays viewing the frame's blobs. */
export function unpackTensors(list: unknown, blobs: readonly Uint8Array[]): Array<Record<string, CheckedTensor>> {
  if (!Array.isArray(list)) return []
  return list.map((meta: Record<string, TensorMeta & { blob: number }>) => {
    const out: Record<string, CheckedTensor> = {}
    for (const [name, m] of Object.entries(meta)) {
      const blob = blobs[m.blob]
      const Ctor = CTORS[m.type]
      if (blob === undefined || Ctor === undefined) throw new Error(`model host pipe: tensor "${name}" has no data`)
      const size = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT
      out[name] = { type: m.type, dims: m.dims, data: new Ctor(blob.buffer, blob.byteOffset, blob.byteLength / size) }
    }
    return out
  })
}
