/**
 * A job's result in a form worth showing: ONNX output names, shapes and first values, a WASI module's stdout
 * (as text when it is printable), a training run's final metrics. Results are untrusted JSON, so
 * every field is checked before use.
 */
import { epochsOf, type EpochPoint } from './history.js'

export type ResultSummary =
  | { kind: 'none' }
  | { kind: 'onnx'; outputs: Array<{ name: string; dims: number[]; type: string | null; values: number[]; more: number }> }
  | { kind: 'wasm'; bytes: number; text: string | null; stderr: string; stderrTruncated: boolean }
  | { kind: 'train'; final: EpochPoint | null; epochs: number; samples: { train: number; validation: number } | null; backend: string | null; durationMs: number | null; classes: string[] | null }
  | { kind: 'other'; json: string }

const MAX_JSON = 2000
/** Output values shown per tensor; the rest are counted. */
export const MAX_VALUES = 12

export function summarizeResult(executor: string, result: unknown): ResultSummary {
  if (result === null || result === undefined) return { kind: 'none' }
  const r = result as Record<string, unknown>
  if (executor === 'onnx' && isRecord(r.outputs)) {
    return {
      kind: 'onnx',
      outputs: Object.entries(r.outputs).map(([name, t]) => {
        const tensor = isRecord(t) ? t : {}
        const data = Array.isArray(tensor.data) ? tensor.data.filter((v): v is number => typeof v === 'number') : []
        return {
          name,
          dims: Array.isArray(tensor.dims) ? tensor.dims.filter((d): d is number => typeof d === 'number') : [],
          type: typeof tensor.type === 'string' ? tensor.type : null,
          values: data.slice(0, MAX_VALUES),
          more: Math.max(0, data.length - MAX_VALUES),
        }
      }),
    }
  }
  if (executor === 'wasm' && typeof r.stdout === 'string') {
    const bytes = fromBase64(r.stdout)
    return {
      kind: 'wasm',
      bytes: bytes?.length ?? 0,
      text: bytes === null ? null : printable(bytes),
      stderr: typeof r.stderr === 'string' ? r.stderr : '',
      stderrTruncated: r.stderrTruncated === true,
    }
  }
  if (executor === 'train' && Array.isArray(r.history)) {
    const epochs = epochsOf([], r)
    const samples = isRecord(r.samples) && typeof r.samples.train === 'number' && typeof r.samples.validation === 'number' ? { train: r.samples.train, validation: r.samples.validation } : null
    return {
      kind: 'train',
      final: epochs[epochs.length - 1] ?? null,
      epochs: epochs.length,
      samples,
      backend: typeof r.backend === 'string' ? r.backend : null,
      durationMs: typeof r.durationMs === 'number' ? r.durationMs : null,
      classes: Array.isArray(r.classes) ? r.classes.map(String) : null,
    }
  }
  const json = JSON.stringify(result, null, 2)
  return { kind: 'other', json: json.length > MAX_JSON ? `${json.slice(0, MAX_JSON)}…` : json }
}

/** A job error as `{code, message}`, whatever shape it arrived in. */
export function errorOf(error: unknown): { code: string; message: string } | null {
  if (error === null || error === undefined) return null
  if (isRecord(error)) return { code: typeof error.code === 'string' ? error.code : 'ERROR', message: typeof error.message === 'string' ? error.message : JSON.stringify(error) }
  return { code: 'ERROR', message: String(error) }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

function fromBase64(text: string): Uint8Array | null {
  try {
    const binary = atob(text)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

/** UTF-8 text without control characters other than tab and line breaks, else null. */
export function printable(bytes: Uint8Array): string | null {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return null
  }
  return /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text) ? null : text
}
