import { describe, expect, it } from 'vitest'
import { errorOf, printable, summarizeResult } from '../src/jobs/result.js'

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64')

describe('summarizeResult', () => {
  it('lists ONNX output names with their dims', () => {
    expect(summarizeResult('onnx', { outputs: { y: { type: 'float32', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] } } })).toEqual({ kind: 'onnx', outputs: [{ name: 'y', dims: [2, 3], type: 'float32', values: [1, 2, 3, 4, 5, 6], more: 0 }] })
    const big = summarizeResult('onnx', { outputs: { p: { type: 'float32', dims: [1, 20], data: Array.from({ length: 20 }, (_, i) => i) } } })
    expect(big).toMatchObject({ kind: 'onnx', outputs: [{ values: Array.from({ length: 12 }, (_, i) => i), more: 8 }] })
  })

  it("decodes a wasm module's stdout when it is printable text, and not otherwise", () => {
    expect(summarizeResult('wasm', { stdout: b64('HELLO\n'), stderr: 'done\n', stderrTruncated: false })).toEqual({ kind: 'wasm', bytes: 6, text: 'HELLO\n', stderr: 'done\n', stderrTruncated: false })
    const binary = summarizeResult('wasm', { stdout: b64(new Uint8Array([0, 159, 146, 150])), stderr: '' })
    expect(binary).toMatchObject({ kind: 'wasm', bytes: 4, text: null })
  })

  it("gives a train job's final metrics", () => {
    const result = { history: [{ epoch: 1, loss: 1.5, acc: 0.4 }, { epoch: 2, loss: 0.3, acc: 0.9, valLoss: 0.4, valAcc: 0.88 }], samples: { train: 320, validation: 80 }, backend: 'wasm', durationMs: 1200, onnx: 'AAAA' }
    expect(summarizeResult('train', result)).toEqual({ kind: 'train', final: { epoch: 2, loss: 0.3, acc: 0.9, valLoss: 0.4, valAcc: 0.88 }, epochs: 2, samples: { train: 320, validation: 80 }, backend: 'wasm', durationMs: 1200, classes: null })
  })

  it('shows anything else as JSON, and nothing for no result', () => {
    expect(summarizeResult('onnx', { surprise: 1 })).toEqual({ kind: 'other', json: '{\n  "surprise": 1\n}' })
    expect(summarizeResult('train', null)).toEqual({ kind: 'none' })
  })
})

describe('errorOf and printable', () => {
  it('reads errors of any shape', () => {
    expect(errorOf({ code: 'COMPUTE_TIMEOUT', message: 'slow' })).toEqual({ code: 'COMPUTE_TIMEOUT', message: 'slow' })
    expect(errorOf('boom')).toEqual({ code: 'ERROR', message: 'boom' })
    expect(errorOf(null)).toBeNull()
  })

  it('accepts text with tabs and newlines, rejects control bytes and invalid UTF-8', () => {
    expect(printable(new TextEncoder().encode('a\tb\r\nç'))).toBe('a\tb\r\nç')
    expect(printable(new Uint8Array([65, 7]))).toBeNull()
    expect(printable(new Uint8Array([0xff]))).toBeNull()
  })
})
