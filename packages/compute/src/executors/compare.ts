/** Result comparison shared by executor descriptors. */

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/**
 * Two JSON values agree when they have the same shape, equal strings, booleans and nulls, and
 * numbers within `tolerance` (0: equal; NaN agrees with NaN). Key order does not matter.
 */
export function agree(a: unknown, b: unknown, tolerance: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= tolerance || (Number.isNaN(a) && Number.isNaN(b))
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => agree(x, b[i], tolerance))
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined).sort()
    const kb = Object.keys(b).filter((k) => b[k] !== undefined).sort()
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && agree(a[k], b[k], tolerance))
  }
  return a === b
}

/** Float32 arrays (same length) whose elements differ by at most `tolerance`. */
export function floatsAgree(a: Float32Array, b: Float32Array, tolerance: number): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!
    const y = b[i]!
    if (x !== y && !(Math.abs(x - y) <= tolerance) && !(Number.isNaN(x) && Number.isNaN(y))) return false
  }
  return true
}

/** Little-endian float32 values from base64 (the layout of TF.js weights and ONNX raw data). */
export function base64Floats(b64: string): Float32Array | undefined {
  const bytes = Buffer.from(b64, 'base64')
  return bytesFloats(bytes)
}

export function bytesFloats(bytes: Uint8Array): Float32Array | undefined {
  if (bytes.byteLength % 4 !== 0) return undefined
  const copy = new Uint8Array(bytes) // aligned
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4)
}
