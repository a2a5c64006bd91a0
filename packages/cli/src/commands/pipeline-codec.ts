/**
 * The codec of a `w3ai pipeline run`, built from the stored model (read here with your identity,
 * so a model you cannot read, or one the privacy level cannot run, fails before anything is
 * created). `he`: the model compiled for CKKS, parameters for its depth and a fresh key pair whose
 * secret key stays in this process. `key`: JSON tensors for the model's one input, checked against
 * its declared features.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { W3aiError, type PipelinePrivacy } from '@w3ai/protocol'
import { heCodec, keyCodec, type PipelineCodec, type StorageClient } from '@w3ai/sdk'
import { inspectOnnx } from './model.js'

/** Rows of one 8192-ring block of CKKS slots. */
const HE_BLOCK_ROWS = 4096
/** Result ciphertext blocks of one output a job's result holds (the hub keeps results under 1 MiB of JSON). */
const HE_BLOCKS_PER_RESULT = 5
/** Rows per segment the CLI picks under `key` when --segments is not given. */
const KEY_SEGMENT_ROWS = 20_480

export interface BuiltCodec {
  codec: PipelineCodec
  /** The most rows one segment may hold (its job's result must fit). */
  maxSegmentRows: number
  /** Lets go of what the codec holds (the HE keys). */
  close: () => void
}

export interface CodecRequest {
  privacy: PipelinePrivacy
  model: string
  /** Features per row, as read from --input. */
  features: number
  sigmoid?: 'client' | 'poly'
  /** Steps on this machine, for people. */
  note: (text: string) => void
}

/** The stored model's bytes, read with your identity (STORAGE_OBJECT_NOT_FOUND when it is not there or not yours to read). */
async function downloadModel(storage: Pick<StorageClient, 'get'>, cid: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  await storage.get(cid, (chunk) => void chunks.push(chunk))
  return Buffer.concat(chunks)
}

async function heCodecFor(bytes: Uint8Array, request: CodecRequest): Promise<BuiltCodec> {
  const he = await import('@w3ai/compute/he')
  const model = he.compileHeModel(bytes, request.sigmoid === undefined ? {} : { sigmoid: request.sigmoid })
  if (model.features !== request.features) {
    throw new W3aiError('HE_SHAPE_MISMATCH', `The rows have ${request.features} features; model ${request.model} takes ${model.features}.`, { expected: model.features, actual: request.features })
  }
  const params = he.heParamsForDepth(model.depth)
  request.note(`making a CKKS key pair (ring ${params.polyModulusDegree}, depth ${model.depth}); its secret key stays in this process`)
  const client = await he.HeClient.create(params)
  // The model says whether the node needs relinearization keys: none for a logistic regression.
  const keysFor = { evaluationKeys: () => client.evaluationKeys(model), encryptRows: client.encryptRows.bind(client), decryptOutputs: client.decryptOutputs.bind(client) }
  return { codec: heCodec(keysFor, model), maxSegmentRows: HE_BLOCK_ROWS * Math.max(1, Math.floor(HE_BLOCKS_PER_RESULT / model.outputs)), close: () => client.close() }
}

async function keyCodecFor(bytes: Uint8Array, request: CodecRequest): Promise<BuiltCodec> {
  const dir = await mkdtemp(join(tmpdir(), 'w3ai-pipeline-'))
  let signature: Awaited<ReturnType<typeof inspectOnnx>>
  try {
    await writeFile(join(dir, 'model.onnx'), bytes, { mode: 0o600 })
    signature = await inspectOnnx(join(dir, 'model.onnx'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  const [input, ...more] = signature.inputs
  if (input === undefined || more.length > 0) {
    throw new W3aiError('CLI_BAD_ARGUMENT', `Model ${request.model} takes ${signature.inputs.length} inputs; a pipeline feeds its rows to a model of exactly one input [batch, features].`)
  }
  const declared = input.shape?.[1]
  if (typeof declared === 'number' && declared !== request.features) {
    throw new W3aiError('COMPUTE_SHAPE_MISMATCH', `The rows have ${request.features} features; input "${input.name}" of model ${request.model} takes ${declared}.`, { expected: declared, actual: request.features })
  }
  const codec = keyCodec({ inputName: input.name, type: input.type === 'float64' ? 'float64' : 'float32' })
  return { codec, maxSegmentRows: Number.POSITIVE_INFINITY, close: () => undefined }
}

/** Reads the model and builds the codec of the privacy level (see the module doc). */
export async function buildCodec(storage: Pick<StorageClient, 'get'>, request: CodecRequest): Promise<BuiltCodec> {
  request.note(`reading model ${request.model}…`)
  const bytes = await downloadModel(storage, request.model)
  return request.privacy === 'he' ? heCodecFor(bytes, request) : keyCodecFor(bytes, request)
}

/** Segments when --segments is not given: as few as keep each segment's result within a job's. */
export function defaultSegments(rows: number, built: Pick<BuiltCodec, 'maxSegmentRows'>): number {
  return Math.max(1, Math.ceil(rows / Math.min(built.maxSegmentRows, KEY_SEGMENT_ROWS)))
}
