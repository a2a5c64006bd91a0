/**
 * The plaintext baseline's wire format in the federated benches: an update as raw float32 bytes,
 * so the baseline pays no JSON or base64 (numExamples, tensor count and lengths as u32, then values).
 */
import type { Parameters } from '@w3ai/federated'

/** A plaintext update as bytes: numExamples, tensor count and lengths (u32 each), then the float32 values. */
export function plaintextBytes(parameters: Parameters, numExamples: number): Uint8Array {
  const header = 4 * (2 + parameters.length)
  const out = new Uint8Array(header + 4 * parameters.reduce((a, t) => a + t.length, 0))
  const view = new DataView(out.buffer)
  view.setUint32(0, numExamples, true)
  view.setUint32(4, parameters.length, true)
  let at = header
  parameters.forEach((t, i) => {
    view.setUint32(8 + 4 * i, t.length, true)
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at)
    at += t.byteLength
  })
  return out
}

/** Reads `plaintextBytes`; tensors are views when the values are 4-byte aligned, copies otherwise. */
export function fromPlaintextBytes(bytes: Uint8Array): { parameters: Float32Array[]; numExamples: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const count = view.getUint32(4, true)
  let at = 4 * (2 + count)
  const parameters = Array.from({ length: count }, (_, i) => {
    const n = view.getUint32(8 + 4 * i, true)
    const start = bytes.byteOffset + at
    at += 4 * n
    if (at > bytes.byteLength) throw new Error('truncated plaintext update')
    return start % 4 === 0 ? new Float32Array(bytes.buffer, start, n) : new Float32Array(bytes.buffer.slice(start, start + 4 * n))
  })
  return { parameters, numExamples: view.getUint32(0, true) }
}
