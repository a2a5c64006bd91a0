/**
 * Inference benchmark: two convolutional classifiers (MNIST-sized 28×28×1 and CIFAR-sized 32×32×3,
 * random weights, exported to ONNX by @w3ai/compute), each served by a deployment on a devnet, at
 * batch 1 and batch 256, by the SDK three ways: through the hub with binary tensor frames (the
 * default), through the hub as JSON (base64 of the Float32Array, how the SDK sent them before),
 * and straight to the serving node with a hub-signed ticket (`direct: true`). Baseline in the same
 * run: onnxruntime-node called directly in this process on the same model and inputs, one request
 * after another. Batch 1 is latency (one request in flight, as the baseline); batch 256 is
 * throughput with `--concurrency256` in flight.
 *
 * overheadBatch256 = baseline samples/s ÷ path samples/s at batch 256;
 * overheadBatch1P50Ms = path p50 − baseline p50 at batch 1.
 *
 *   npm run bench -- inference [--model all|mnist-cnn|cifar-cnn] [--requests1 600] [--requests256 40] [--concurrency1 1] [--concurrency256 2] [--nodes 2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { startDevnet } from '@w3ai/cli'
import { ensureBackend, exportToOnnx } from '@w3ai/compute'
import { generateIdentity } from '@w3ai/crypto'
import { DeploymentsClient, HubClient, StorageClient, type InferOptions, type TensorMap } from '@w3ai/sdk'
import * as ort from 'onnxruntime-node'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    requests1: { type: 'string', default: '600' },
    requests256: { type: 'string', default: '40' },
    concurrency1: { type: 'string', default: '1' },
    concurrency256: { type: 'string', default: '2' },
    nodes: { type: 'string', default: '2' },
    model: { type: 'string', default: 'all' },
  },
})

interface Measure {
  requests: number
  batch: number
  requestsPerSec: number
  samplesPerSec: number
  p50Ms: number
  p99Ms: number
  /** Wall time per sample, in microseconds. */
  perSampleUs: number
}

function summarize(latencies: number[], batch: number, wallMs: number): Measure {
  const sorted = [...latencies].sort((a, b) => a - b)
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
  const requestsPerSec = latencies.length / (wallMs / 1000)
  return { requests: latencies.length, batch, requestsPerSec, samplesPerSec: requestsPerSec * batch, p50Ms: at(0.5), p99Ms: at(0.99), perSampleUs: (wallMs * 1000) / (latencies.length * batch) }
}

interface ModelCase {
  name: string
  description: string
  /** One sample's shape (height, width, channels). */
  shape: [number, number, number]
  layers: () => tf.layers.Layer[]
}

const MODELS: ModelCase[] = [
  {
    name: 'mnist-cnn',
    description: 'CNN 28x28x1: conv3x3x32-pool-conv3x3x64-pool-dense128-dense10',
    shape: [28, 28, 1],
    layers: () => [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  },
  {
    name: 'cifar-cnn',
    description: 'CNN 32x32x3: 2x conv3x3x64-pool, 2x conv3x3x128-pool, dense256-dense10 (VGG-style)',
    shape: [32, 32, 3],
    layers: () => [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.conv2d({ filters: 128, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 256, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  },
]

function buildModel(c: ModelCase): Uint8Array {
  const model = tf.sequential({ layers: c.layers() })
  const bytes = exportToOnnx(model)
  model.dispose()
  return bytes
}

/** `n` images of raw pixels (0..255 in a Float32Array, as a client holds them; the SDK sends its bytes). */
function images(shape: [number, number, number], n: number, seed: number): TensorMap {
  const data = new Float32Array(n * shape[0] * shape[1] * shape[2])
  let x = seed
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    data[i] = x % 256
  }
  return { input: { type: 'float32', dims: [n, ...shape], data } }
}

type PathMeasure = { batch1: Measure & { concurrency: number }; batch256: Measure & { concurrency: number } }

interface Overhead {
  /** Baseline samples/s over this path's at batch 256 (1 = no overhead). */
  overheadBatch256: number
  /** This path's p50 minus the baseline's at batch 1, in ms. */
  overheadBatch1P50Ms: number
}

interface CaseResult extends Overhead {
  model: string
  description: string
  onnxKiB: number
  /** onnxruntime in this process (the baseline). */
  direct: { batch1: Measure; batch256: Measure }
  /** Through the hub, binary frames (the SDK's default). */
  hub: PathMeasure
  /** Through the hub, JSON bodies (the SDK before binary frames). */
  hubJson: PathMeasure
  /** Straight to the serving node with a hub-signed ticket. */
  ticket: PathMeasure
  hubJsonOverhead: Overhead
  /** The direct-ticket path's overheads. */
  directTicket: Overhead
}

const R1 = Number(values.requests1)
const R256 = Number(values.requests256)
const C1 = Number(values.concurrency1)
const C256 = Number(values.concurrency256)

/** One way of running a request, at batch 1 and at batch 256. */
interface Path {
  name: string
  call: (inputs: TensorMap) => Promise<unknown>
  /** Requests in flight at batch 256 (batch 1 is latency: one at a time, as the baseline). */
  concurrency256: number
}

/**
 * Runs every path's requests in interleaved rounds (a few requests of each path in turn), so
 * each path meets the same machine load: on a shared machine load drifts over a run.
 */
async function interleaved(paths: Path[], inputs: TensorMap[], count: number, perRound: number, batch: number): Promise<Measure[]> {
  const latencies = paths.map((): number[] => [])
  const wall = paths.map(() => 0)
  for (let done = 0; done < count; done += perRound) {
    const n = Math.min(perRound, count - done)
    for (const [k, p] of paths.entries()) {
      const concurrency = batch === 1 ? C1 : p.concurrency256
      const t0 = performance.now()
      let next = 0
      await Promise.all(
        Array.from({ length: Math.min(concurrency, n) }, async () => {
          for (let i = next++; i < n; i = next++) {
            const start = performance.now()
            await p.call(inputs[(done + i) % inputs.length]!)
            latencies[k]!.push(performance.now() - start)
          }
        }),
      )
      wall[k]! += performance.now() - t0
    }
  }
  return paths.map((_, k) => summarize(latencies[k]!, batch, wall[k]!))
}

async function runCase(c: ModelCase, storage: StorageClient, deployments: DeploymentsClient, nodes: number): Promise<CaseResult> {
  const modelBytes = buildModel(c)
  const inputs1 = Array.from({ length: 16 }, (_, i) => images(c.shape, 1, i + 1))
  const inputs256 = Array.from({ length: 4 }, (_, i) => images(c.shape, 256, i + 100))
  console.log(`\n${c.name}: ${c.description}, ${(modelBytes.length / 1024).toFixed(0)} KiB ONNX; ${R1} requests at batch 1, ${R256} at batch 256 per path, interleaved`)

  async function* once(): AsyncGenerator<Uint8Array> {
    yield modelBytes
  }
  const stored = await storage.put(once(), modelBytes.length, { redundancy: nodes > 1 ? { k: 1, n: 2, repairThreshold: 2 } : { k: 1, n: 1, repairThreshold: 1 } })
  const deployment = await deployments.create({ model: stored.cid, replicas: 1, maxBatch: 256 })
  await deployments.waitReady(deployment.id, { timeoutMs: 120_000 })
  const session = await ort.InferenceSession.create(modelBytes)
  const paths: Path[] = [
    { name: 'onnxruntime direct (baseline)', concurrency256: 1, call: (m) => session.run({ input: new ort.Tensor('float32', m.input!.data as Float32Array, m.input!.dims) }) },
    { name: 'hub, binary frames (SDK default)', concurrency256: C256, call: (m) => deployments.inferTensors(deployment.id, m) },
    { name: 'hub, JSON (SDK before)', concurrency256: C256, call: (m) => deployments.infer(deployment.id, m, { wire: 'json' }) },
    { name: 'node direct, ticket', concurrency256: C256, call: (m) => deployments.inferTensors(deployment.id, m, { direct: true }) },
  ]
  for (const p of paths) {
    for (let i = 0; i < 20; i++) await p.call(inputs1[i % inputs1.length]!)
    for (let i = 0; i < 3; i++) await p.call(inputs256[i % inputs256.length]!)
  }
  const m1 = await interleaved(paths, inputs1, R1, 20, 1)
  const m256 = await interleaved(paths, inputs256, R256, 4, 256)
  await session.release()
  await deployments.stop(deployment.id)
  const measureOf = (k: number): PathMeasure => ({ batch1: { ...m1[k]!, concurrency: C1 }, batch256: { ...m256[k]!, concurrency: paths[k]!.concurrency256 } })
  const base = { batch1: m1[0]!, batch256: m256[0]! }
  const [hub, hubJson, ticket] = [measureOf(1), measureOf(2), measureOf(3)]

  const overhead = (m: PathMeasure): Overhead => ({ overheadBatch256: base.batch256.samplesPerSec / m.batch256.samplesPerSec, overheadBatch1P50Ms: m.batch1.p50Ms - base.batch1.p50Ms })
  const rows = [
    ...paths.map((p, k) => [p.name, 1, k === 0 ? 1 : C1, m1[k]!] as const),
    ...paths.map((p, k) => [p.name, 256, p.concurrency256, m256[k]!] as const),
  ]
  printTable(
    `Inference, ${c.name}: SDK → hub → serving node (warm session, batching), SDK → node with a ticket, vs onnxruntime direct`,
    ['path', 'batch', 'concurrency', 'requests/s', 'samples/s', 'p50 ms', 'p99 ms', 'overhead'],
    rows.map(([path, batch, conc, m]) => {
      const b = batch === 1 ? base.batch1 : base.batch256
      const o = batch === 1 ? `+${(m.p50Ms - b.p50Ms).toFixed(2)} ms p50` : `${(b.samplesPerSec / m.samplesPerSec).toFixed(2)}×`
      return [path, batch, conc, m.requestsPerSec, m.samplesPerSec, m.p50Ms, m.p99Ms, o]
    }),
  )
  const result = { hub: overhead(hub), json: overhead(hubJson), ticket: overhead(ticket) }
  for (const [name, o] of [['hub', result.hub], ['direct ticket', result.ticket]] as const) {
    const met = o.overheadBatch256 <= 1.5 && o.overheadBatch1P50Ms <= 3
    console.log(`${c.name}, ${name}: ${o.overheadBatch256.toFixed(2)}× at batch 256 (target ≤ 1.5×), +${o.overheadBatch1P50Ms.toFixed(2)} ms p50 at batch 1 (target ≤ 3 ms): ${met ? 'met' : 'NOT met'}`)
  }
  return {
    model: c.name,
    description: c.description,
    onnxKiB: Math.round(modelBytes.length / 1024),
    direct: base,
    hub,
    hubJson,
    ticket,
    ...result.hub,
    hubJsonOverhead: result.json,
    directTicket: result.ticket,
  }
}

async function main(): Promise<void> {
  await ensureBackend('cpu')
  const cases = values.model === 'all' ? MODELS : MODELS.filter((m) => m.name === values.model)
  if (cases.length === 0) throw new Error(`--model must be all or one of ${MODELS.map((m) => m.name).join(', ')}`)
  const nodes = Number(values.nodes)
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-inference-'))
  const devnet = await startDevnet({ home, nodes, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200' } })
  try {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: devnet.hubUrl, identity, timeoutMs: 120_000 })
    await hub.createAccount({ name: 'bench', encryptionKey: identity.encryptionKey })
    const storage = new StorageClient(hub, identity)
    const deployments = new DeploymentsClient(hub, identity)
    const results: CaseResult[] = []
    for (const c of cases) results.push(await runCase(c, storage, deployments, nodes))
    const path = await writeResult('inference', { nodes, machineCores: cpus().length, loadAverage: loadavg(), cases: results, target: { overheadBatch256: 1.5, overheadBatch1P50Ms: 3 } })
    console.log(`\nwrote ${path}`)
  } finally {
    await devnet.stop()
    await rm(home, { recursive: true, force: true })
  }
}

await main()
