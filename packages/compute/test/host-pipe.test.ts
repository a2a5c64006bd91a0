import { describe, expect, it } from 'vitest'
import { encodeHostFrame, HostFrameReader, packTensors, unpackTensors, type HostFrame } from '../src/serving/host-pipe.js'
import { decodeReply, decodeRequest, encodeReply, encodeRequest, type HostReply, type HostRequest } from '../src/serving/protocol.js'
import type { CheckedTensor } from '../src/tensor/json-tensor-check.js'

const bytesOf = (buffers: Buffer[]): Buffer => Buffer.concat(buffers)

function readAll(stream: Buffer, cut: (n: number) => number[]): HostFrame[] {
  const frames: HostFrame[] = []
  const reader = new HostFrameReader((f) => frames.push(f))
  let at = 0
  for (const size of cut(stream.length)) {
    // Each chunk a buffer of its own, as a socket hands them over.
    reader.push(Buffer.from(stream.subarray(at, at + size)))
    at += size
  }
  expect(at).toBe(stream.length)
  return frames
}

/** Chunk sizes cycling through `sizes` until `n` bytes are covered. */
const chunks = (sizes: number[]) => (n: number): number[] => {
  const out: number[] = []
  for (let left = n, i = 0; left > 0; i++) {
    const s = Math.min(left, sizes[i % sizes.length]!)
    out.push(s)
    left -= s
  }
  return out
}

/** One tensor of every type a model host carries, with values that exercise each type's range. */
function everyType(rows: number): Record<string, CheckedTensor> {
  const n = rows * 3
  const fill = <T extends { length: number; [i: number]: number | bigint }>(a: T, f: (i: number) => number | bigint): T => {
    for (let i = 0; i < a.length; i++) a[i] = f(i) as never
    return a
  }
  return {
    f32: { type: 'float32', dims: [rows, 3], data: fill(new Float32Array(n), (i) => i / 3 - 7.25) },
    f64: { type: 'float64', dims: [rows, 3], data: fill(new Float64Array(n), (i) => Math.PI * i) },
    i8: { type: 'int8', dims: [rows, 3], data: fill(new Int8Array(n), (i) => (i % 256) - 128) },
    u8: { type: 'uint8', dims: [rows, 3], data: fill(new Uint8Array(n), (i) => i % 256) },
    i16: { type: 'int16', dims: [rows, 3], data: fill(new Int16Array(n), (i) => -i * 7) },
    u16: { type: 'uint16', dims: [rows, 3], data: fill(new Uint16Array(n), (i) => (i * 13) % 65536) },
    i32: { type: 'int32', dims: [rows, 3], data: fill(new Int32Array(n), (i) => -i * 100_003) },
    u32: { type: 'uint32', dims: [rows, 3], data: fill(new Uint32Array(n), (i) => 4_000_000_000 - i) },
    i64: { type: 'int64', dims: [rows, 3], data: fill(new BigInt64Array(n), (i) => -(2n ** 60n) + BigInt(i)) },
    u64: { type: 'uint64', dims: [rows, 3], data: fill(new BigUint64Array(n), (i) => 2n ** 63n + BigInt(i)) },
    bool: { type: 'bool', dims: [rows, 3], data: fill(new Uint8Array(n), (i) => i % 2) },
  }
}

function expectSameTensors(actual: Record<string, CheckedTensor>, expected: Record<string, CheckedTensor>): void {
  expect(Object.keys(actual)).toEqual(Object.keys(expected))
  for (const [name, t] of Object.entries(expected)) {
    const a = actual[name]!
    expect(a.type).toBe(t.type)
    expect(a.dims).toEqual(t.dims)
    expect(a.data.constructor).toBe(t.data.constructor)
    expect(Array.from(a.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>))
    // A view aligned for its type (typed arrays demand it), not a copy of the stream.
    expect(a.data.byteOffset % (t.data as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT).toBe(0)
  }
}

describe('model host pipe framing', () => {
  it('carries every tensor type through a request and a reply, bit for bit', () => {
    const feeds = [everyType(2), everyType(5)]
    const request: HostRequest = { id: 7, op: 'run', cid: 'bafy-test', feeds }
    const [frame] = readAll(bytesOf(encodeRequest(request)), (n) => [n])
    const back = decodeRequest(frame!)
    expect(back).toMatchObject({ id: 7, op: 'run', cid: 'bafy-test' })
    const run = back as Extract<HostRequest, { op: 'run' }>
    expect(run.feeds).toHaveLength(2)
    run.feeds.forEach((f, i) => expectSameTensors(f, feeds[i]!))

    const reply: HostReply = { id: 7, ok: true, outputs: [everyType(1)], runMs: 1.5 }
    const [r] = readAll(bytesOf(encodeReply(reply)), (n) => [n])
    const decoded = decodeReply(r!) as Extract<HostReply, { ok: true }>
    expect(decoded).toMatchObject({ id: 7, ok: true, runMs: 1.5 })
    expectSameTensors(decoded.outputs![0]!, everyType(1))
  })

  it('reassembles frames from any chunking: byte by byte, odd sizes, a length field split in two', () => {
    const messages: HostRequest[] = [
      { id: 1, op: 'load', bytes: Uint8Array.from({ length: 1001 }, (_, i) => i % 251) },
      { id: 2, op: 'run', cid: 'c', feeds: [everyType(3)] },
      { id: 3, op: 'unload', cid: 'c' },
      { id: 4, op: 'run', cid: 'c', feeds: [{ x: { type: 'float32', dims: [1, 3], data: new Float32Array([1, 2, 3]) } }] },
    ]
    const stream = Buffer.concat(messages.flatMap(encodeRequest))
    for (const cut of [chunks([1]), chunks([2, 3, 5, 7]), chunks([3, 1000]), chunks([4093]), (n: number) => [n]]) {
      const frames = readAll(stream, cut)
      expect(frames.map((f) => f.header.id)).toEqual([1, 2, 3, 4])
      const decoded = frames.map(decodeRequest)
      expect(Array.from((decoded[0] as { bytes: Uint8Array }).bytes)).toEqual(Array.from((messages[0] as { bytes: Uint8Array }).bytes))
      expectSameTensors((decoded[1] as { feeds: Array<Record<string, CheckedTensor>> }).feeds[0]!, everyType(3))
      expect(decoded[2]).toEqual({ id: 3, op: 'unload', cid: 'c' })
      expect(Array.from((decoded[3] as { feeds: Array<Record<string, CheckedTensor>> }).feeds[0]!.x!.data as Float32Array)).toEqual([1, 2, 3])
    }
  })

  it('reads many frames out of one chunk, and a frame that starts in the middle of one', () => {
    const many = Array.from({ length: 200 }, (_, i) => encodeHostFrame({ id: i, op: 'unload', cid: `m${i}` }))
    const stream = Buffer.concat(many.flat())
    expect(readAll(stream, (n) => [n]).map((f) => f.header.id)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    const frames = readAll(stream, chunks([Math.floor(stream.length / 3) + 5]))
    expect(frames.map((f) => f.header.cid)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`))
  })

  it('carries a large tensor (a batch of 256 CIFAR images) in 64 KiB chunks', () => {
    const data = new Float32Array(256 * 32 * 32 * 3)
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) % 1000 / 7
    const buffers = encodeRequest({ id: 9, op: 'run', cid: 'big', feeds: [{ input: { type: 'float32', dims: [256, 32, 32, 3], data } }] })
    // The writer hands the tensor's own memory to the socket, not a copy.
    expect(buffers.some((b) => b.buffer === data.buffer)).toBe(true)
    const [frame] = readAll(bytesOf(buffers), chunks([65536]))
    const x = (decodeRequest(frame!) as Extract<HostRequest, { op: 'run' }>).feeds[0]!.input!
    expect(x.dims).toEqual([256, 32, 32, 3])
    expect((x.data as Float32Array).length).toBe(data.length)
    expect(Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength).equals(Buffer.from(data.buffer))).toBe(true)
  })

  it('keeps tensors that are views into a larger buffer at an odd offset, and empty tensors', () => {
    const backing = new Uint8Array(64)
    backing.set([9, 8, 7, 6, 5], 3)
    const feeds = [{ v: { type: 'uint8' as const, dims: [5], data: backing.subarray(3, 8) }, e: { type: 'float32' as const, dims: [0, 4], data: new Float32Array(0) } }]
    const blobs: ArrayBufferView[] = []
    const meta = packTensors(feeds, blobs)
    const [frame] = readAll(bytesOf(encodeHostFrame({ feeds: meta }, blobs)), chunks([5]))
    const [back] = unpackTensors(frame!.header.feeds, frame!.blobs)
    expect(Array.from(back!.v!.data as Uint8Array)).toEqual([9, 8, 7, 6, 5])
    expect(back!.e!.dims).toEqual([0, 4])
    expect((back!.e!.data as Float32Array).length).toBe(0)
  })

  it('refuses a frame that declares an impossible length', () => {
    const reader = new HostFrameReader(() => undefined)
    const bad = Buffer.alloc(8)
    bad.writeUInt32LE(2, 0)
    expect(() => reader.push(bad)).toThrow(/declares 2 bytes/)
  })
})
