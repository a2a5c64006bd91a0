/**
 * Local inputs of `w3ai job run`: JSON files are read and checked here, before anything is
 * submitted, so a malformed tensor or spec costs no request and leaves no job behind.
 */
import { readFile, stat } from 'node:fs/promises'
import { sep } from 'node:path'
import { MAX_BODY_BYTES, W3aiError } from '@w3ai/protocol'
import { checkCid } from '../args.js'

/** Element types an inline tensor may have (onnxruntime's names, as the node's executor reads them). */
export const TENSOR_TYPES = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'] as const
export type TensorType = (typeof TENSOR_TYPES)[number]
const BYTES_PER_ELEMENT: Record<TensorType, number> = { float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1 }

/** One tensor as JSON, data flattened in row-major order. */
export interface JsonTensor {
  type: TensorType
  dims: number[]
  data: Array<number | string | boolean> | string
}
export type JsonTensorMap = Record<string, JsonTensor>

const bad = (message: string): W3aiError => new W3aiError('CLI_BAD_ARGUMENT', message)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** A JSON file's value; a missing, unreadable or unparsable file is CLI_BAD_ARGUMENT naming the flag. */
export async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw bad(code === 'ENOENT' ? `${flag}: no file at ${path}.` : `${flag}: ${path} cannot be read (${code ?? (err as Error).message}).`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw bad(`${flag}: ${path} is not valid JSON (${(err as Error).message}).`)
  }
}

function checkElement(value: unknown, type: TensorType): boolean {
  if (type === 'bool') return typeof value === 'boolean' || value === 0 || value === 1
  // 64-bit integers beyond 2^53 travel as decimal strings.
  if ((type === 'int64' || type === 'uint64') && typeof value === 'string') return /^-?\d{1,20}$/.test(value)
  if (typeof value !== 'number' || !Number.isFinite(value)) return false
  return type === 'float32' || type === 'float64' || Number.isInteger(value)
}

/** `{ name: { type, dims, data } }` with data.length = product(dims); the message names the tensor and the file. */
export function checkTensors(value: unknown, where: string): JsonTensorMap {
  if (!isObject(value) || Object.keys(value).length === 0) {
    throw bad(`${where} must be a JSON object of tensors, like {"input": {"type": "float32", "dims": [1, 3], "data": [1, 2, 3]}}.`)
  }
  for (const [name, t] of Object.entries(value)) {
    const at = `${where}: tensor ${JSON.stringify(name)}`
    if (!isObject(t)) throw bad(`${at} must be an object with type, dims and data.`)
    if (typeof t.type !== 'string' || !(TENSOR_TYPES as readonly string[]).includes(t.type)) throw bad(`${at}: type must be one of ${TENSOR_TYPES.join(', ')}.`)
    const dims = t.dims
    if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) throw bad(`${at}: dims must be an array of non-negative integers.`)
    const count = (dims as number[]).reduce((a, b) => a * b, 1)
    if (typeof t.data === 'string') {
      const size = BYTES_PER_ELEMENT[t.type as TensorType]
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t.data) || Buffer.byteLength(t.data, 'base64') !== count * size) {
        throw bad(`${at}: data as a string must be base64 of ${count * size} bytes (${count} little-endian ${t.type} values).`)
      }
      continue
    }
    if (!Array.isArray(t.data)) throw bad(`${at}: data must be an array (row-major, flattened) or a base64 string of the values' bytes.`)
    if (t.data.length !== count) throw bad(`${at}: dims ${JSON.stringify(dims)} hold ${count} values but data has ${t.data.length}.`)
    const wrong = t.data.findIndex((v) => !checkElement(v, t.type as TensorType))
    if (wrong >= 0) throw bad(`${at}: data[${wrong}] = ${JSON.stringify(t.data[wrong])} is not a ${t.type} value.`)
  }
  return value as JsonTensorMap
}

/** A JSON object file, e.g. the layer spec of `job run train --spec`. */
export async function readJsonObject(path: string, flag: string): Promise<Record<string, unknown>> {
  const value = await readJsonFile(path, flag)
  if (!isObject(value)) throw bad(`${flag}: ${path} must hold a JSON object.`)
  return value
}

/** `--input FILE|CID` of `job run onnx`: an existing file (or a path-like value) is a tensor file, anything else a CID. */
export async function onnxInput(value: string): Promise<{ tensors: JsonTensorMap } | { cid: string }> {
  const isFile = await stat(value).then(
    (s) => s.isFile(),
    () => false,
  )
  if (isFile || value.endsWith('.json') || value.includes(sep) || value.includes('/')) {
    return { tensors: checkTensors(await readJsonFile(value, '--input'), value) }
  }
  return { cid: checkCid(value) }
}

/** The hub refuses larger bodies; saying so here names the way out (store the tensors in W3S). */
export function checkInlineSize(params: unknown): void {
  const bytes = Buffer.byteLength(JSON.stringify(params))
  if (bytes > MAX_BODY_BYTES - 4096) {
    throw bad(`The inline parameters are ${bytes} bytes, more than the hub accepts in a request (${MAX_BODY_BYTES}); store the input with \`w3ai storage put\` and pass its CID instead.`)
  }
}
