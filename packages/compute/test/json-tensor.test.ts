import { describe, expect, it } from 'vitest'
import { executorErrorCode } from '../src/errors.js'
import { jsonToOrt, ortToJson } from '../src/tensor/json-tensor.js'

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return executorErrorCode(error)
  }
  return undefined
}

describe('JSON tensors', () => {
  it('round-trips float32, int32, int64, uint8 and bool through onnxruntime tensors', () => {
    const cases = [
      { type: 'float32', dims: [2, 2], data: [1.5, -2, 0, 3.25] },
      { type: 'int32', dims: [3], data: [1, -2, 2147483647] },
      { type: 'int64', dims: [2], data: [42, -7] },
      { type: 'uint8', dims: [1, 2], data: [0, 255] },
      { type: 'bool', dims: [2], data: [1, 0] },
      { type: 'float64', dims: [], data: [Math.PI] },
    ] as const
    for (const json of cases) {
      const tensor = jsonToOrt(json)
      expect(tensor.type).toBe(json.type)
      expect(ortToJson(tensor)).toEqual({ type: json.type, dims: [...json.dims], data: [...json.data] })
    }
  })

  it('carries int64 beyond 2^53 as decimal strings', () => {
    const json = { type: 'int64', dims: [1], data: ['9007199254740993'] } as const
    expect(ortToJson(jsonToOrt(json)).data).toEqual(['9007199254740993'])
  })

  it('accepts true/false for bool', () => {
    expect(ortToJson(jsonToOrt({ type: 'bool', dims: [2], data: [true, false] })).data).toEqual([1, 0])
  })

  it('refuses a data length that does not match the dims', () => {
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [2, 3], data: [1, 2, 3] }))).toBe('COMPUTE_SHAPE_MISMATCH')
  })

  it('refuses unknown types, bad dims and values outside the type', () => {
    expect(codeOf(() => jsonToOrt({ type: 'complex64', dims: [1], data: [1] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [-1], data: [] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [1.5], data: [1] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'uint8', dims: [1], data: [256] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'int32', dims: [1], data: [0.5] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [1], data: ['1'] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'int64', dims: [1], data: [2 ** 60] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [1] }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt(null))).toBe('COMPUTE_BAD_INPUT')
  })

  it('refuses tensors above the element limit before allocating them', () => {
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [1000, 1000], data: [] }, 'x', 1000))).toBe('COMPUTE_INPUT_TOO_LARGE')
  })

  it('says which input and which element is wrong', () => {
    expect(() => jsonToOrt({ type: 'uint8', dims: [2], data: [1, 300] }, 'pixels')).toThrow(/input "pixels": data\[1\] = 300/)
  })

  it('takes data as base64 of the little-endian bytes, checked against dims and type', () => {
    const values = Float32Array.from([1.5, -2, 3.25, 1e-3])
    const b64 = Buffer.from(values.buffer).toString('base64')
    const t = jsonToOrt({ type: 'float32', dims: [2, 2], data: b64 })
    expect(Array.from(t.data as Float32Array)).toEqual(Array.from(values))
    expect(t.dims).toEqual([2, 2])
    const ints = BigInt64Array.from([1n, -(2n ** 62n)])
    expect(Array.from(jsonToOrt({ type: 'int64', dims: [2], data: Buffer.from(ints.buffer).toString('base64') }).data as BigInt64Array)).toEqual([1n, -(2n ** 62n)])
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [3], data: b64 }))).toBe('COMPUTE_SHAPE_MISMATCH')
    expect(codeOf(() => jsonToOrt({ type: 'float32', dims: [4], data: 'not base64!' }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => jsonToOrt({ type: 'bool', dims: [2], data: Buffer.from([1, 2]).toString('base64') }))).toBe('COMPUTE_BAD_INPUT')
  })
})
