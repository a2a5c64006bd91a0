import { describe, expect, it } from 'vitest'
import { W3aiError, decodeTensorFrame, encodeTensorFrame, isTensorFrameType } from '../src/index.js'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`
  }
  return undefined
}

/** A valid frame with one float32 tensor, and its header's end (where its data area starts). */
function sample() {
  const frame = encodeTensorFrame({ x: { type: 'float32', dims: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6.5]) } })
  return frame
}

/** A frame with the given header bytes and data. */
function frameWith(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header)
  const start = (12 + h.length + 7) & ~7
  const out = new Uint8Array(start + data.length)
  out.set([0x57, 0x33, 0x54, 0x46, 1], 0)
  new DataView(out.buffer).setUint32(8, h.length, true)
  out.set(h, 12)
  out.set(data, start)
  return out
}

describe('binary tensor frames', () => {
  it('round-trips every element type with dims and response meta', () => {
    const tensors = {
      f32: { type: 'float32', dims: [2, 2], data: new Float32Array([1.5, -2, 3.25, 0]) },
      f64: { type: 'float64', dims: [1], data: new Float64Array([Math.PI]) },
      i8: { type: 'int8', dims: [3], data: new Int8Array([-128, 0, 127]) },
      u8: { type: 'uint8', dims: [1, 1, 3], data: new Uint8Array([0, 1, 255]) },
      i16: { type: 'int16', dims: [1], data: new Int16Array([-300]) },
      u16: { type: 'uint16', dims: [1], data: new Uint16Array([65535]) },
      i32: { type: 'int32', dims: [2], data: new Int32Array([-5, 7]) },
      u32: { type: 'uint32', dims: [1], data: new Uint32Array([4e9]) },
      i64: { type: 'int64', dims: [2], data: new BigInt64Array([-(2n ** 62n), 9n]) },
      u64: { type: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
      b: { type: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) },
      empty: { type: 'float32', dims: [0, 4], data: new Float32Array(0) },
    }
    const frame = encodeTensorFrame(tensors, { nodeId: 'n_1', runMs: 1.25 })
    const decoded = decodeTensorFrame(frame)
    expect(decoded.meta).toEqual({ nodeId: 'n_1', runMs: 1.25 })
    expect(Object.keys(decoded.tensors)).toEqual(Object.keys(tensors))
    for (const [name, t] of Object.entries(tensors)) {
      const d = decoded.tensors[name]!
      expect([d.type, d.dims], name).toEqual([t.type, t.dims])
      expect(d.data.constructor, name).toBe(t.data.constructor)
      expect(Array.from(d.data as ArrayLike<number | bigint>), name).toEqual(Array.from(t.data as ArrayLike<number | bigint>))
    }
  })

  it('reads tensors in place where aligned and copies where not', () => {
    const frame = sample()
    expect(decodeTensorFrame(frame).tensors.x!.data.buffer).toBe(frame.buffer)
    const shifted = new Uint8Array(frame.length + 1)
    shifted.set(frame, 1)
    const t = decodeTensorFrame(shifted.subarray(1)).tensors.x!
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6.5])
  })

  it('refuses malformed frames with TENSOR_FRAME_MALFORMED and nothing else', () => {
    const good = sample()
    const cases: Record<string, Uint8Array> = {
      empty: new Uint8Array(0),
      short: good.subarray(0, 11),
      magic: Uint8Array.from(good, (b, i) => (i === 0 ? 0x58 : b)),
      version: Uint8Array.from(good, (b, i) => (i === 4 ? 2 : b)),
      truncated: good.subarray(0, good.length - 4),
      trailing: Uint8Array.from([...good, 0, 0, 0, 0, 0, 0, 0, 0]),
      headerPastEnd: (() => {
        const f = good.slice()
        new DataView(f.buffer).setUint32(8, 0xffffffff, true)
        return f
      })(),
      notJson: frameWith('{tensors:'),
      notUtf8: (() => {
        const f = frameWith('{"tensors":[]} ')
        f[12 + 14] = 0xff
        return f
      })(),
      notObject: frameWith('[1]'),
      noTensors: frameWith('{"nodeId":"x"}'),
      badType: frameWith('{"tensors":[{"name":"x","type":"string","dims":[1],"byteLength":4}]}', new Uint8Array(8)),
      badDims: frameWith('{"tensors":[{"name":"x","type":"uint8","dims":[-1],"byteLength":0}]}'),
      fracDims: frameWith('{"tensors":[{"name":"x","type":"uint8","dims":[1.5],"byteLength":0}]}'),
      wrongLength: frameWith('{"tensors":[{"name":"x","type":"float32","dims":[2],"byteLength":4}]}', new Uint8Array(8)),
      duplicate: frameWith('{"tensors":[{"name":"x","type":"uint8","dims":[0],"byteLength":0},{"name":"x","type":"uint8","dims":[0],"byteLength":0}]}'),
      noName: frameWith('{"tensors":[{"type":"uint8","dims":[0],"byteLength":0}]}'),
      badBool: frameWith('{"tensors":[{"name":"x","type":"bool","dims":[2],"byteLength":2}]}', new Uint8Array([1, 2, 0, 0, 0, 0, 0, 0])),
      nullEntry: frameWith('{"tensors":[null]}'),
    }
    for (const [name, bytes] of Object.entries(cases)) expect(codeOf(() => decodeTensorFrame(bytes)), name).toBe('TENSOR_FRAME_MALFORMED')
  })

  it('refuses a frame declaring more elements than allowed, before reading them', () => {
    const f = frameWith('{"tensors":[{"name":"x","type":"float32","dims":[100000,100000],"byteLength":40000000000}]}')
    expect(codeOf(() => decodeTensorFrame(f))).toBe('COMPUTE_INPUT_TOO_LARGE')
  })

  it('survives random bytes and random corruption of a good frame without a crash', () => {
    let seed = 7
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
    const good = sample()
    for (let i = 0; i < 500; i++) {
      const f = good.slice()
      for (let k = 0; k < 3; k++) f[Math.floor(rand() * f.length)] = Math.floor(rand() * 256)
      const code = codeOf(() => decodeTensorFrame(f))
      expect([undefined, 'TENSOR_FRAME_MALFORMED', 'COMPUTE_INPUT_TOO_LARGE']).toContain(code)
    }
  })

  it('refuses to encode a type it cannot carry', () => {
    expect(codeOf(() => encodeTensorFrame({ s: { type: 'string', dims: [1], data: new Uint8Array(1) } }))).toBe('VALIDATION_FAILED')
  })

  it('recognises its content type with parameters', () => {
    expect(isTensorFrameType('application/vnd.w3ai.tensors')).toBe(true)
    expect(isTensorFrameType('Application/Vnd.W3ai.Tensors; v=1')).toBe(true)
    expect(isTensorFrameType('application/json')).toBe(false)
    expect(isTensorFrameType(undefined)).toBe(false)
  })
})
