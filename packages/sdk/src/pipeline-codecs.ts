/**
 * Pipeline codecs: how a segment's rows become the bytes a node computes on, and how the bytes of
 * its opened result become rows again. `heCodec` wraps an HE client (CKKS: the node never sees
 * plaintext); `keyCodec` writes the JSON tensors the onnx executor reads from its stored `input`
 * (the node sees the rows, under a key wrapped to it for that task only).
 *
 * ```ts
 * const he = await HeClient.create(heParamsForDepth(model.depth))   // from @w3ai/compute/he
 * const { outputs } = await pipelines.run({ model: cid, privacy: 'he', rows, segments: 4, codec: heCodec(he, model) })
 * ```
 */
import { W3aiError, type PipelinePrivacy } from '@w3ai/protocol'

/** Turns rows into a segment's bytes and a result's bytes back into rows (one output row per input row). */
export interface PipelineCodec {
  /** The privacy level its bytes are for; run() refuses a codec of another level. */
  readonly privacy?: PipelinePrivacy
  /** privacy he: the evaluation keys nodes compute with (public material only), stored once per pipeline. */
  keys?(): Uint8Array
  encode(rows: number[][]): Uint8Array | Promise<Uint8Array>
  /** he: the result ciphertexts (the executor's `output`); key: the opened onnx result as JSON. */
  decode(resultBytes: Uint8Array): number[][] | Promise<number[][]>
}

/** What heCodec needs of an HE client (HeClient of @w3ai/compute/he fits; the SDK does not load it). */
export interface HeClientLike {
  /** Relinearization keys are included when the model multiplies ciphertexts (`needsRelinKeys`). */
  evaluationKeys(model: { needsRelinKeys: boolean }): Uint8Array
  encryptRows(rows: number[][], features: number): Uint8Array
  decryptOutputs(bytes: Uint8Array, model: { outputs: number; clientSigmoid: boolean }): Float64Array[]
}

/** What heCodec needs of a compiled HE model (HeModel of @w3ai/compute/he fits). */
export interface HeModelLike {
  features: number
  outputs: number
  clientSigmoid: boolean
  needsRelinKeys: boolean
}

/** Rows encrypted under the client's CKKS keys; results decrypted (and the sigmoid applied when the model leaves it to the client). */
export function heCodec(client: HeClientLike, model: HeModelLike): PipelineCodec {
  return {
    privacy: 'he',
    keys: () => client.evaluationKeys(model),
    encode: (rows) => client.encryptRows(rows, model.features),
    decode: (bytes) => client.decryptOutputs(bytes, model).map((row) => Array.from(row)),
  }
}

export interface KeyCodecOptions {
  /** The model's input the rows feed (default 'input'). */
  inputName?: string
  /** The output read back (default: the model's only output, else the first). */
  outputName?: string
  /** Element type of the input tensor (default float32). */
  type?: 'float32' | 'float64'
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Rows as one JSON tensor [rows, features] (values as base64 little-endian bytes); results read from the onnx outputs. */
export function keyCodec(options: KeyCodecOptions = {}): PipelineCodec {
  const inputName = options.inputName ?? 'input'
  const type = options.type ?? 'float32'
  return {
    privacy: 'key',
    encode(rows) {
      const features = rows[0]?.length ?? 0
      const Typed = type === 'float32' ? Float32Array : Float64Array
      const values = new Typed(rows.length * features)
      rows.forEach((row, r) => {
        if (row.length !== features) throw new W3aiError('VALIDATION_FAILED', `Row ${r} has ${row.length} values; the first row has ${features}. Every row needs the same features.`, { row: r })
        values.set(row, r * features)
      })
      const tensor = { type, dims: [rows.length, features], data: littleEndianBase64(values) }
      return Buffer.from(JSON.stringify({ [inputName]: tensor }))
    },
    decode(bytes) {
      return tensorRows(pickOutput(JSON.parse(Buffer.from(bytes).toString('utf8')), options.outputName))
    },
  }
}

function littleEndianBase64(values: Float32Array | Float64Array): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength)
  if (LITTLE_ENDIAN) return bytes.toString('base64')
  const out = Buffer.alloc(bytes.length)
  values.forEach((v, i) => (values.BYTES_PER_ELEMENT === 4 ? out.writeFloatLE(v, 4 * i) : out.writeDoubleLE(v, 8 * i)))
  return out.toString('base64')
}

interface OutputTensor {
  type: string
  dims: number[]
  data: Array<number | string | boolean> | string
}

function pickOutput(result: unknown, name: string | undefined): OutputTensor {
  const outputs = (result as { outputs?: Record<string, OutputTensor> } | null)?.outputs
  if (outputs === undefined || outputs === null || typeof outputs !== 'object') throw new W3aiError('COMPUTE_BAD_INPUT', 'The onnx result has no outputs.')
  const names = Object.keys(outputs)
  const chosen = name ?? names[0]
  const tensor = chosen === undefined ? undefined : outputs[chosen]
  if (tensor === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', `The onnx result has no output ${JSON.stringify(name)}; it has ${names.map((n) => `"${n}"`).join(', ')}.`, { outputs: names })
  return tensor
}

/** A tensor [rows, ...] as rows of its trailing elements (a rank-1 tensor: one value per row). */
function tensorRows(t: OutputTensor): number[][] {
  const values = typeof t.data === 'string' ? fromBase64(t.type, t.data) : t.data.map(Number)
  const rows = t.dims[0] ?? values.length
  const width = rows === 0 ? 0 : values.length / rows
  if (!Number.isInteger(width)) throw new W3aiError('COMPUTE_SHAPE_MISMATCH', `An output of dims [${t.dims.join(', ')}] holds ${values.length} values.`)
  return Array.from({ length: rows }, (_, r) => values.slice(r * width, (r + 1) * width))
}

function fromBase64(type: string, data: string): number[] {
  const bytes = Buffer.from(data, 'base64')
  if (type === 'float32') return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(4 * i))
  if (type === 'float64') return Array.from({ length: bytes.length / 8 }, (_, i) => bytes.readDoubleLE(8 * i))
  throw new W3aiError('COMPUTE_BAD_INPUT', `An output of type ${type} as base64 is not read here; expected float32 or float64.`)
}
