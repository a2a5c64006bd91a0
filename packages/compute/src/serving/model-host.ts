/**
 * The node's side of model serving: deployments load a model into one long-lived host child,
 * and requests are checked here (JSON tensors or typed arrays against the model's inputs, each on
 * its own) and then batched: a request that finds the model idle runs at once; while a run is in
 * flight, requests for the same model queue, and the next run takes as many as fit in `maxBatch`
 * rows as one concatenated call, held up to `batchWaitMs` to fill (batch-queue.ts). A crashed or hung child fails the requests
 * it held; the next request starts a new one and reloads the model.
 */
import { fork, type ChildProcess } from 'node:child_process'
import type { Socket } from 'node:net'
import { W3aiError, isErrorCode } from '@w3ai/protocol'
import { executorError } from '../errors.js'
import { checkFeeds } from '../onnx/check-inputs.js'
import type { ModelInfo } from '../onnx/runner.js'
import { childModule } from '../sandbox/child-build.js'
import { childCommand } from '../sandbox/spawn.js'
import { checkJsonTensorMap, DEFAULT_MAX_ELEMENTS, type CheckedTensor, type JsonTensorMap } from '../tensor/json-tensor-check.js'
import { ortMapToJson } from '../tensor/json-tensor.js'
import { BatchQueue } from './batch-queue.js'
import { HostFrameReader } from './host-pipe.js'
import { decodeReply, encodeRequest, HOST_PIPE_FD, type HostMessage, type HostReply, type HostRequest } from './protocol.js'

export interface ModelHostOptions {
  /** JS heap of the host child, in MiB (onnxruntime's own memory is outside it). Default 2048. */
  memoryMb?: number
  /** A run taking longer than this kills the host (its requests fail with COMPUTE_TIMEOUT). Default 60 s. */
  runTimeoutMs?: number
  /** Largest tensor accepted, in elements. */
  maxInputElements?: number
  /** Called when the host child dies unexpectedly. */
  onCrash?: (reason: string) => void
  /** Longest a request that queued behind a run is held to fill a batch, in ms (batch-queue.ts). Default 2. */
  batchWaitMs?: number
}

export interface InferResult {
  outputs: JsonTensorMap
  /** Time of the batched run this request was part of, in the host. */
  runMs: number
  /** Requests that shared that run. */
  batchedWith: number
}

/** A run's outputs as typed arrays (what binary tensor frames carry). */
export interface TensorResult extends Omit<InferResult, 'outputs'> {
  outputs: Record<string, CheckedTensor>
}

interface Queued {
  feeds: Record<string, CheckedTensor>
  rows: number
  resolve: (r: TensorResult) => void
  reject: (e: unknown) => void
}

interface Model {
  bytes: Uint8Array
  info: ModelInfo
  queue: BatchQueue<Queued>
  /** The host generation the model is loaded in. */
  loadedIn: number
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

export class ModelHost {
  private child: ChildProcess | undefined
  private ready: Promise<ChildProcess> | undefined
  private generation = 0
  private nextId = 1
  private readonly calls = new Map<number, { resolve: (r: HostReply & { ok: true }) => void; reject: (e: unknown) => void }>()
  private readonly models = new Map<string, Model>()
  private closed = false

  constructor(private readonly o: ModelHostOptions = {}) {}

  /** Loads a model under `key` (e.g. a deployment id); returns its inputs and outputs. */
  async load(key: string, bytes: Uint8Array, maxBatch: number): Promise<ModelInfo> {
    const reply = await this.call({ op: 'load', bytes })
    const info = reply.info as ModelInfo
    const previous = this.models.get(key)
    const queue = new BatchQueue<Queued>({ maxRows: Math.max(1, maxBatch), maxWaitMs: this.o.batchWaitMs ?? 2, run: (batch) => this.runBatch(model, batch) })
    const model: Model = { bytes, info, loadedIn: this.generation, queue }
    this.models.set(key, model)
    for (const q of previous?.queue.drain() ?? []) model.queue.add(q)
    return info
  }

  async unload(key: string): Promise<void> {
    const model = this.models.get(key)
    if (model === undefined) return
    this.models.delete(key)
    for (const q of model.queue.drain()) q.reject(new W3aiError('DEPLOYMENT_NOT_READY', 'The model was unloaded.'))
    if (![...this.models.values()].some((m) => m.info.cid === model.info.cid) && this.child !== undefined) {
      await this.call({ op: 'unload', cid: model.info.cid }).catch(() => undefined)
    }
  }

  loaded(): string[] {
    return [...this.models.keys()]
  }

  info(key: string): ModelInfo | undefined {
    return this.models.get(key)?.info
  }

  /** Runs one request (JSON tensors by input name), batched with others for the same model. */
  async infer(key: string, inputs: unknown): Promise<InferResult> {
    const feeds = checkJsonTensorMap(inputs, this.o.maxInputElements ?? DEFAULT_MAX_ELEMENTS)
    const result = await this.inferTensors(key, feeds)
    return { ...result, outputs: ortMapToJson(result.outputs as never) }
  }

  /** Runs one request of typed-array tensors (a decoded binary frame), batched with others; outputs stay typed arrays. */
  inferTensors(key: string, feeds: Record<string, CheckedTensor>): Promise<TensorResult> {
    const model = this.models.get(key)
    if (model === undefined) return Promise.reject(new W3aiError('DEPLOYMENT_NOT_READY', `Deployment ${key} is not loaded on this node.`))
    try {
      checkFeeds(model.info.inputs, feeds as never)
    } catch (err) {
      return Promise.reject(err)
    }
    const first = Object.values(feeds)[0]
    const rows = first === undefined || first.dims.length === 0 ? 1 : (first.dims[0] as number)
    return new Promise<TensorResult>((resolve, reject) => model.queue.add({ feeds, rows, resolve, reject }))
  }

  async close(): Promise<void> {
    this.closed = true
    for (const model of this.models.values()) for (const q of model.queue.drain()) q.reject(new W3aiError('DEPLOYMENT_NOT_READY', 'The node is stopping.'))
    this.models.clear()
    const child = this.child
    this.child = undefined
    this.ready = undefined
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGKILL')
      await exited
    }
  }

  private async runBatch(model: Model, batch: Queued[]): Promise<void> {
    try {
      if (model.loadedIn !== this.generation || this.child === undefined) await this.reload(model)
      const feeds = batch.map((q) => q.feeds)
      const run = (): Promise<HostReply & { ok: true }> => this.call({ op: 'run', cid: model.info.cid, feeds }, this.o.runTimeoutMs ?? 60_000)
      const reply = await run().catch(async (err: unknown) => {
        // The host may have dropped the session (its cache is bounded): load it again once.
        if (!(err instanceof W3aiError && err.code === 'COMPUTE_MODEL_NOT_FOUND')) throw err
        await this.reload(model)
        return run()
      })
      const outputs = reply.outputs ?? []
      batch.forEach((q, i) => q.resolve({ outputs: outputs[i] ?? {}, runMs: reply.runMs ?? 0, batchedWith: batch.length }))
    } catch (err) {
      for (const q of batch) q.reject(err)
    }
  }

  private async reload(model: Model): Promise<void> {
    await this.call({ op: 'load', bytes: model.bytes })
    model.loadedIn = this.generation
  }

  private async call(request: DistributiveOmit<HostRequest, 'id'>, timeoutMs?: number): Promise<HostReply & { ok: true }> {
    const child = await this.start()
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.kill(child, new W3aiError('COMPUTE_TIMEOUT', `The model ran past ${timeoutMs} ms; the host was restarted.`)), timeoutMs)
      this.calls.set(id, {
        resolve: (r) => {
          if (timer !== undefined) clearTimeout(timer)
          resolve(r)
        },
        reject: (e) => {
          if (timer !== undefined) clearTimeout(timer)
          reject(e)
        },
      })
      let buffers: Buffer[]
      try {
        buffers = encodeRequest({ ...request, id } as HostRequest)
      } catch (err) {
        this.calls.get(id)?.reject(err)
        this.calls.delete(id)
        return
      }
      const pipe = child.stdio[HOST_PIPE_FD] as Socket
      const failed = (err: Error | null | undefined): void => {
        if (err !== null && err !== undefined) this.settle({ id, ok: false, code: 'COMPUTE_CRASHED', message: `The model host is gone: ${err.message}` })
      }
      // One writev: the header, then the tensors' own bytes (no copy into a message).
      pipe.cork()
      for (const [i, b] of buffers.entries()) pipe.write(b, i === buffers.length - 1 ? failed : undefined)
      pipe.uncork()
    })
  }

  private settle(reply: HostReply): void {
    const call = this.calls.get(reply.id)
    if (call === undefined) return
    this.calls.delete(reply.id)
    if (reply.ok) call.resolve(reply)
    else call.reject(isErrorCode(reply.code) ? new W3aiError(reply.code, reply.message, reply.details) : executorError('COMPUTE_RUN_FAILED', reply.message))
  }

  private kill(child: ChildProcess, reason: W3aiError): void {
    if (this.child !== child) return
    this.fail(reason)
    child.kill('SIGKILL')
  }

  /** Forgets the current child and fails everything it held. */
  private fail(reason: W3aiError): void {
    this.child = undefined
    this.ready = undefined
    for (const [id, call] of [...this.calls]) {
      this.calls.delete(id)
      call.reject(reason)
    }
  }

  private start(): Promise<ChildProcess> {
    if (this.closed) return Promise.reject(new W3aiError('DEPLOYMENT_NOT_READY', 'The node is stopping.'))
    if (this.ready !== undefined) return this.ready
    this.generation++
    const { modulePath, execArgv, env } = childCommand({ memoryMb: this.o.memoryMb ?? 2048 }, process.env, undefined, childModule('./host-child.js', import.meta.url))
    // fd 3 is IPC (ready, and the child exits when it closes); fd 4 carries requests and replies (host-pipe.ts).
    const child = fork(modulePath, [], { execArgv, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc', 'pipe'] })
    this.child = child
    const pipe = child.stdio[HOST_PIPE_FD] as Socket
    const reader = new HostFrameReader((frame) => this.settle(decodeReply(frame)))
    pipe.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk)
      } catch (err) {
        this.kill(child, new W3aiError('COMPUTE_CRASHED', `The model host sent a malformed reply (${(err as Error).message}); it was restarted.`))
      }
    })
    // A broken pipe means the child is gone; its exit fails what it held.
    pipe.on('error', () => undefined)
    let stderr = ''
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-2000)
    })
    this.ready = new Promise<ChildProcess>((resolve, reject) => {
      child.on('message', (m: HostMessage) => {
        if (m.type === 'ready') resolve(child)
      })
      child.once('exit', (code, signal) => {
        const reason = `the model host exited (${signal ?? `code ${code}`})${stderr === '' ? '' : `: ${stderr.trim().split('\n').slice(-3).join(' | ')}`}`
        reject(new W3aiError('COMPUTE_CRASHED', reason))
        if (this.child === child) {
          this.fail(new W3aiError('COMPUTE_CRASHED', reason))
          if (!this.closed) this.o.onCrash?.(reason)
        }
      })
    })
    this.ready.catch(() => undefined)
    return this.ready
  }
}
