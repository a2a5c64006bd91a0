/**
 * Compute end to end on a real devnet (hub and node processes running tasks in sandboxes):
 * ONNX inference equal to onnxruntime run directly, a WASI module over a stored input, a
 * Byzantine node outvoted under `verify: 2`, and a killed node's task completed elsewhere.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { startDevnet, type Devnet } from '@w3ai/cli'
import { createNodeAgent, sandboxExecute, type ExecuteTask } from '@w3ai/node'
import { generateIdentity } from '@w3ai/crypto'
import { HubClient, JobsClient, StorageClient } from '@w3ai/sdk'
import type { Job } from '@w3ai/protocol'
import * as ort from 'onnxruntime-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { linearModel, randomDense } from '../../compute/test/helpers/onnx-models.js'
import { infiniteLoopWat, uppercaseWat, wat } from '../../compute/test/wasm-fixtures.js'
import { argmaxRows, digitsSplit, tfjsProbabilities } from '../../compute/test/helpers/digits.js'
import { ensureBackend, loadTfjsModel } from '@w3ai/compute'
import { tempHome, until } from './helpers.js'
import { chunks } from './storage-net.js'

describe('compute jobs on a real devnet', () => {
  let devnet: Devnet
  let home: { dir: string; cleanup: () => Promise<void> }
  let storage: StorageClient
  let jobs: JobsClient
  let hub: HubClient
  const extra: Array<{ stop(): Promise<void> }> = []

  const store = async (bytes: Uint8Array): Promise<string> =>
    (await storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid

  beforeAll(async () => {
    home = await tempHome('w3ai-compute-e2e-')
    devnet = await startDevnet({
      home: home.dir,
      nodes: 6,
      hubPort: 0,
      logLevel: 'warn',
      env: { W3AI_TASK_LEASE_MS: '5000', W3AI_TASK_TIME_MS: '15000', W3AI_TASK_POLL_MS: '200', W3AI_SPOT_CHECK_RATE: '0', W3AI_TASK_SLOTS: '1' },
    })
    const identity = generateIdentity('account')
    hub = new HubClient({ url: devnet.hubUrl, identity })
    await hub.createAccount({ name: 'compute', encryptionKey: identity.encryptionKey })
    storage = new StorageClient(hub, identity)
    jobs = new JobsClient(hub, identity)
  }, 120_000)

  afterAll(async () => {
    for (const p of extra) await p.stop().catch(() => undefined)
    await devnet?.stop()
    await home?.cleanup()
  }, 60_000)

  it('serves a stored ONNX model: outputs equal onnxruntime run directly', async () => {
    const layer = randomDense(4, 3, 11)
    const model = linearModel(layer)
    const session = await ort.InferenceSession.create(model)
    const data = [0.1, 0.2, 0.3, 0.4, 1, 2, 3, 4]
    const tensors = { [session.inputNames[0]!]: { type: 'float32', dims: [2, 4], data } }
    const job = await jobs.submit({ executor: 'onnx', inputs: { model: await store(model) }, params: { tensors } })
    const done = await jobs.wait(job.id, { timeoutMs: 60_000 })
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded')
    const direct = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(data), [2, 4]) })
    const expected = Array.from(direct[session.outputNames[0]!]!.data as Float32Array)
    const outputs = (done.result as { outputs: Record<string, { dims: number[]; data: number[] }> }).outputs
    const got = outputs[session.outputNames[0]!]!
    expect(got.dims).toEqual([2, 3])
    got.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5))
  }, 90_000)

  it('runs a WASI module over a stored input', async () => {
    const module = await store(wat(uppercaseWat()))
    const input = await store(Buffer.from('hello from w3ai'))
    const done = await jobs.wait((await jobs.submit({ executor: 'wasm', inputs: { module, input } })).id, { timeoutMs: 60_000 })
    expect(done.status).toBe('succeeded')
    expect(Buffer.from((done.result as { stdout: string }).stdout, 'base64').toString()).toBe('HELLO FROM W3AI')
  }, 90_000)

  it('stops a module that loops forever with a clear error, and the node stays healthy', async () => {
    const module = await store(wat(infiniteLoopWat))
    const input = await store(Buffer.from('x'))
    const done = await jobs.wait((await jobs.submit({ executor: 'wasm', inputs: { module, input }, params: {}, maxAttempts: 1 })).id, { timeoutMs: 90_000 })
    expect(done.status).toBe('failed')
    expect(JSON.stringify(done.error)).toContain('COMPUTE_TIMEOUT')
    expect((await hub.listNodes({ status: 'online' })).total).toBeGreaterThanOrEqual(6)
  }, 120_000)

  it('completes a long task elsewhere when its node is killed, recording the result once', async () => {
    const module = await store(wat(slowUppercaseWat))
    const input = await store(Buffer.from('survive'))
    const job = await jobs.submit({ executor: 'wasm', inputs: { module, input } })
    let runner: string | undefined
    await until(async () => {
      runner = (await jobs.get(job.id)).history.find((e) => e.kind === 'leased')?.nodeId ?? undefined
      return runner !== undefined
    }, 30_000)
    devnet.nodes.find((n) => n.id === runner)!.kill('SIGKILL')
    const done = await jobs.wait(job.id, { timeoutMs: 90_000 })
    expect(done.status).toBe('succeeded')
    expect(Buffer.from((done.result as { stdout: string }).stdout, 'base64').toString()).toBe('SURVIVE')
    const kinds = done.history.map((e) => e.kind)
    expect(kinds).toContain('expired')
    expect(kinds.filter((k) => k === 'succeeded')).toHaveLength(1)
    expect(done.history.filter((e) => e.kind === 'leased').map((e) => e.nodeId)).not.toEqual([runner])
  }, 150_000)

  it('trains an MLP on digits as a job (>= 95% test accuracy) and serves its ONNX export with the same predictions', async () => {
    const split = digitsSplit(7)
    const dataset = await store(split.trainCsv)
    const spec = {
      inputShape: [64],
      layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
      optimizer: { type: 'adam', learningRate: 0.01 },
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
      epochs: 20,
      batchSize: 32,
      validationSplit: 0.1,
      seed: 7,
      normalize: 'max',
    }
    const trained = await jobs.wait((await jobs.submit({ executor: 'train', inputs: { dataset }, params: { spec } })).id, { timeoutMs: 240_000 })
    expect(trained.status, JSON.stringify(trained.error)).toBe('succeeded')
    // Per-epoch metrics of the attempt that succeeded: a slow box may let an earlier lease of the
    // same task expire mid-training, and that attempt's epochs come before its last lease.
    const winner = trained.history.find((e) => e.kind === 'succeeded')!.taskId
    const lastLease = trained.history.findLastIndex((e) => e.kind === 'leased' && e.taskId === winner)
    const epochs = trained.history.slice(lastLease).filter((e) => e.kind === 'progress' && e.taskId === winner)
    expect(epochs.map((e) => (e.detail as { epoch: number }).epoch)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    const result = trained.result as { onnx: string; tfjs: { modelJson: unknown; weightsBin: string } }
    const stored = await jobs.storeTrainedModel(trained, storage, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })
    const n = split.test.count
    const tensors = { input: { type: 'float32', dims: [n, 64], data: Array.from(split.test.features) } }
    const served = await jobs.wait((await jobs.submit({ executor: 'onnx', inputs: { model: stored.onnx }, params: { tensors } })).id, { timeoutMs: 120_000 })
    expect(served.status, JSON.stringify(served.error)).toBe('succeeded')
    const probs = (served.result as { outputs: { output: { data: number[] } } }).outputs.output.data
    const onnxPredictions = argmaxRows(probs, 10)
    const accuracy = onnxPredictions.filter((p, i) => p === split.test.labels[i]).length / n
    expect(accuracy).toBeGreaterThanOrEqual(0.95)
    await ensureBackend()
    const model = await loadTfjsModel({ modelJson: result.tfjs.modelJson as never, weightsBin: new Uint8Array(Buffer.from(result.tfjs.weightsBin, 'base64')) })
    const preprocess = (trained.result as { preprocess?: { offset: number[]; scale: number[] } }).preprocess
    const features = preprocess === undefined ? split.test.features : split.test.features.map((v, i) => (v - preprocess.offset[i % 64]!) * preprocess.scale[i % 64]!)
    expect(argmaxRows(tfjsProbabilities(model, features, [n, 64]), 10)).toEqual(onnxPredictions)
  }, 400_000)

  it('completes all of 100 small tasks while 2 of 5 nodes are killed', async () => {
    const alive = devnet.nodes.filter((n) => n.alive)
    expect(alive.length).toBeGreaterThanOrEqual(4)
    // Pieces on 5 nodes, any 2 rebuild: the inputs outlive the loss of any two nodes.
    const durable = async (bytes: Uint8Array): Promise<string> => (await storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 5, repairThreshold: 4 } })).cid
    const module = await durable(wat(uppercaseWat()))
    const input = await durable(Buffer.from('many'))
    const ids: string[] = []
    for (let i = 0; i < 100; i++) {
      ids.push((await jobs.submit({ executor: 'wasm', inputs: { module, input }, maxAttempts: 5 })).id)
      if (i === 30) for (const n of alive.slice(0, 2)) n.kill('SIGKILL')
    }
    const mine = new Set(ids)
    const finished = async (): Promise<Job[]> => (await jobs.list()).filter((j) => mine.has(j.id) && ['succeeded', 'failed', 'cancelled'].includes(j.status))
    await until(async () => (await finished()).length === 100, 300_000)
    const failed = (await finished()).filter((j) => j.status !== 'succeeded')
    expect(failed.map((j) => [j.id, j.error])).toEqual([])
    for (const id of ids.filter((_, i) => i % 10 === 0)) {
      const j = await jobs.get(id)
      expect(Buffer.from((j.result as { stdout: string }).stdout, 'base64').toString()).toBe('MANY')
      expect(j.history.filter((e) => e.kind === 'succeeded')).toHaveLength(1)
    }
  }, 400_000)

  it('outvotes a node that corrupts its results (verify 2) and lowers its reputation', async () => {
    // A Byzantine node: a real agent whose executor runs the task, then nudges every number and reverses every string.
    const lie: ExecuteTask = async (task, context) => corrupt(await sandboxExecute(task, context))
    const liar = createNodeAgent(
      { hubUrl: devnet.hubUrl, home: join(home.dir, 'nodes', 'liar'), diskGb: 20, region: 'eu-west', location: { lat: 48.85, lon: 2.35 }, logLevel: 'warn', tasks: { slots: 1, pollMs: 200, timeMs: 15_000 } },
      { execute: lie },
    )
    extra.push(liar)
    await liar.start()
    await until(async () => (await hub.getNode(liar.id)).status === 'online', 20_000)
    // Leave the liar and two honest nodes, so it takes part in most verified jobs.
    const alive = devnet.nodes.filter((n) => n.alive)
    for (const n of alive.slice(2)) n.kill('SIGKILL')
    await until(async () => (await hub.listNodes({ status: 'online' })).total === 3, 20_000)
    const module = await store(wat(uppercaseWat()))
    const results: string[] = []
    for (let i = 0; i < 6; i++) {
      const input = await store(Buffer.from(`job ${i} ${randomBytes(4).toString('hex')}`))
      const done = await jobs.wait((await jobs.submit({ executor: 'wasm', inputs: { module, input }, verify: 2 })).id, { timeoutMs: 90_000 })
      expect(done.status).toBe('succeeded')
      results.push(Buffer.from((done.result as { stdout: string }).stdout, 'base64').toString())
    }
    results.forEach((r, i) => expect(r.startsWith(`JOB ${i} `)).toBe(true))
    const rep = (await hub.getNode(liar.id)).reputation!
    expect(rep.failed).toBeGreaterThan(0)
    expect(rep.score).toBeLessThan(1)
  }, 300_000)
})

/** A wrong answer of the same shape: every number nudged, every string reversed. */
function corrupt(value: unknown): unknown {
  if (typeof value === 'number') return value + 1
  if (typeof value === 'string') return [...value].reverse().join('') + '!'
  if (Array.isArray(value)) return value.map(corrupt)
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, corrupt(v)]))
  return value
}

/** Upper-cases stdin after a few seconds of busy work: a task long enough to kill its node. */
const slowUppercaseWat = uppercaseWat().replace(
  '(local $n i32) (local $i i32) (local $c i32)',
  '(local $n i32) (local $i i32) (local $c i32) (local $spin i32) (loop $busy (local.set $spin (i32.add (local.get $spin) (i32.const 1))) (br_if $busy (i32.lt_u (local.get $spin) (i32.const 1000000000))))',
)
