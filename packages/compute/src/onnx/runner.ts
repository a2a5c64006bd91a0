/**
 * The `onnx` executor: runs user-supplied ONNX models with onnxruntime-node on JSON tensors.
 * Sessions are expensive to create (graph optimisation), so they are kept per model CID in an LRU;
 * model bytes can also persist in cacheDir so a later task may refer to the model by CID alone.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { InferenceSession, type Tensor } from 'onnxruntime-node'
import { Lru } from '@w3ai/util'
import { executorError } from '../errors.js'
import { DEFAULT_MAX_ELEMENTS, jsonMapToOrt, ortMapToJson, type JsonTensorMap } from '../tensor/json-tensor.js'
import { batchSizes, concatFeeds, splitOutputs } from './batch.js'
import { checkFeeds, type ModelIo } from './check-inputs.js'
import { isCid, modelCid } from './model-cid.js'
import { disableOrtTelemetry } from './telemetry.js'

// Before any session exists, so onnxruntime's environment starts without telemetry.
disableOrtTelemetry()

export interface OnnxRunnerOptions {
  /** Folder where model bytes are kept by CID; without it models live only in memory. */
  cacheDir?: string
  /** Sessions kept open at once, least recently used closed first. Default 4. */
  maxCachedModels?: number
  /** Largest tensor accepted, in elements. Default 2^26. */
  maxInputElements?: number
  /** Passed to every InferenceSession (e.g. intraOpNumThreads to respect a sandbox's CPU share). */
  sessionOptions?: InferenceSession.SessionOptions
}

/** A model by its bytes (cached under their CID) or by the CID of bytes given before. */
export type ModelRef = Uint8Array | string

export interface ModelInfo {
  cid: string
  inputs: ModelIo[]
  outputs: ModelIo[]
}

export interface OnnxRunner {
  /** Loads (or finds) a model and describes its inputs and outputs. */
  load(model: ModelRef): Promise<ModelInfo>
  /** Runs one request; inputs are checked against the model first. */
  run(model: ModelRef, inputs: JsonTensorMap): Promise<JsonTensorMap>
  /** Runs many requests, as one concatenated run when shapes allow, else one by one. */
  runBatch(model: ModelRef, inputsList: readonly JsonTensorMap[]): Promise<JsonTensorMap[]>
  /** runBatch on onnxruntime tensors (already checked for type and shape), for callers that hold typed arrays. */
  runTensorBatch(model: ModelRef, feedsList: ReadonlyArray<Record<string, Tensor>>): Promise<Array<Record<string, Tensor>>>
  /** Closes one model's session (once its running requests finish). */
  unload(cid: string): void
  /** CIDs with an open session, least recently used first. */
  cachedModels(): string[]
  /** Releases every session; the runner can still be used afterwards (sessions reopen). */
  close(): Promise<void>
}

interface Entry {
  info: ModelInfo
  session: InferenceSession
  inflight: number
  evicted: boolean
}

function describe(meta: readonly InferenceSession.ValueMetadata[]): ModelIo[] {
  return meta.map((m) =>
    m.isTensor ? { name: m.name, type: m.type, shape: [...m.shape] } : { name: m.name, type: 'non-tensor', shape: [] },
  )
}

/** Creates an ONNX runner; see OnnxRunnerOptions for the defaults. */
export function createOnnxRunner(options: OnnxRunnerOptions = {}): OnnxRunner {
  const maxElements = options.maxInputElements ?? DEFAULT_MAX_ELEMENTS
  const sessions = new Lru<string, Promise<Entry>>({
    maxEntries: Math.max(1, options.maxCachedModels ?? 4),
    onEvict: (_cid, pending) => {
      void pending.then((entry) => {
        entry.evicted = true
        if (entry.inflight === 0) void entry.session.release()
      }, () => undefined)
    },
  })

  async function bytesFor(model: ModelRef): Promise<{ cid: string; bytes?: Uint8Array }> {
    if (typeof model !== 'string') return { cid: modelCid(model), bytes: model }
    if (!isCid(model)) throw executorError('COMPUTE_BAD_INPUT', `"${model}" is not a model CID.`)
    return { cid: model }
  }

  async function readCached(cid: string): Promise<Uint8Array> {
    if (options.cacheDir !== undefined) {
      const bytes = await readFile(join(options.cacheDir, `${cid}.onnx`)).catch(() => undefined)
      // A file that no longer hashes to its name is treated as absent rather than trusted.
      if (bytes !== undefined && modelCid(bytes) === cid) return bytes
    }
    throw executorError('COMPUTE_MODEL_NOT_FOUND', `Model ${cid} is not cached on this node; send the model bytes.`, { cid })
  }

  async function persist(cid: string, bytes: Uint8Array): Promise<void> {
    if (options.cacheDir === undefined) return
    await mkdir(options.cacheDir, { recursive: true })
    const target = join(options.cacheDir, `${cid}.onnx`)
    const temp = `${target}.${process.pid}.${Date.now()}.tmp`
    await writeFile(temp, bytes)
    await rename(temp, target)
  }

  async function open(cid: string, given: Uint8Array | undefined): Promise<Entry> {
    const bytes = given ?? (await readCached(cid))
    let session: InferenceSession
    try {
      session = await InferenceSession.create(bytes, options.sessionOptions ?? {})
    } catch (error) {
      throw executorError('COMPUTE_MODEL_INVALID', `The model could not be loaded by onnxruntime: ${(error as Error).message}`, { cid })
    }
    if (given !== undefined) await persist(cid, given)
    return { info: { cid, inputs: describe(session.inputMetadata), outputs: describe(session.outputMetadata) }, session, inflight: 0, evicted: false }
  }

  async function acquire(model: ModelRef): Promise<Entry> {
    const { cid, bytes } = await bytesFor(model)
    let pending = sessions.get(cid)
    if (pending === undefined) {
      pending = open(cid, bytes)
      sessions.set(cid, pending)
      // A failed load must not stay cached, or the next request with good bytes would fail too.
      pending.catch(() => sessions.delete(cid))
    }
    return pending
  }

  async function withSession<T>(model: ModelRef, use: (entry: Entry) => Promise<T>): Promise<T> {
    const entry = await acquire(model)
    entry.inflight++
    try {
      return await use(entry)
    } finally {
      entry.inflight--
      if (entry.evicted && entry.inflight === 0) void entry.session.release()
    }
  }

  async function runFeeds(entry: Entry, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    try {
      return (await entry.session.run(feeds)) as Record<string, Tensor>
    } catch (error) {
      throw executorError('COMPUTE_RUN_FAILED', `onnxruntime failed to run model ${entry.info.cid}: ${(error as Error).message}`, { cid: entry.info.cid })
    }
  }

  async function runTensorBatch(model: ModelRef, feedsList: ReadonlyArray<Record<string, Tensor>>): Promise<Array<Record<string, Tensor>>> {
    return withSession(model, async (entry) => {
      for (const feeds of feedsList) checkFeeds(entry.info.inputs, feeds)
      const sizes = batchSizes(entry.info.inputs, feedsList)
      if (sizes !== undefined) {
        const split = splitOutputs(await runFeeds(entry, concatFeeds(entry.info.inputs, feedsList)), sizes)
        if (split !== undefined) return split
      }
      const results: Array<Record<string, Tensor>> = []
      for (const feeds of feedsList) results.push(await runFeeds(entry, feeds))
      return results
    })
  }

  return {
    async load(model) {
      return (await acquire(model)).info
    },

    run(model, inputs) {
      return withSession(model, async (entry) => {
        const feeds = jsonMapToOrt(inputs, maxElements)
        checkFeeds(entry.info.inputs, feeds)
        return ortMapToJson(await runFeeds(entry, feeds))
      })
    },

    async runBatch(model, inputsList) {
      const feedsList = inputsList.map((inputs) => jsonMapToOrt(inputs, maxElements))
      return (await runTensorBatch(model, feedsList)).map(ortMapToJson)
    },

    runTensorBatch,

    unload: (cid) => sessions.evict(cid),

    cachedModels: () => sessions.keys(),

    async close() {
      const pending = sessions.values()
      sessions.clear()
      const entries = await Promise.allSettled(pending)
      for (const result of entries) {
        if (result.status !== 'fulfilled') continue
        result.value.evicted = true
        if (result.value.inflight === 0) await result.value.session.release()
      }
    },
  }
}
