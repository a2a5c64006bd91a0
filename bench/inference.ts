/**
 * Inference benchmark: two convolutional classifiers (MNIST-sized 28×28×1 and CIFAR-sized 32×32×3,
 * random weights, exported to ONNX by @w3ai/compute), each served by a deployment on a devnet, requests sent through the hub by the SDK (signed JSON; the raw 0-255
 * pixels as a Float32Array, which the SDK sends as base64 of its bytes) at batch 1 and batch 256. Baseline in the same run: onnxruntime-node called
 * directly in this process on the same model and inputs, one request after another.
 *
 *   npm run bench -- inference [--model all|mnist-cnn|cifar-cnn] [--requests1 600] [--requests256 40] [--concurrency1 8] [--concurrency256 2] [--nodes 2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import { startDevnet } from '@w3ai/cli'
import { ensureBackend, exportToOnnx } from '@w3ai/compute'
import { generateIdentity } from '@w3ai/crypto'
import { DeploymentsClient, HubClient, StorageClient, type TensorMap } from '@w3ai/sdk'
import * as ort from 'onnxruntime-node'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    requests1: { type: 'string', default: '600' },
    requests256: { type: 'string', default: '40' },
    concurrency1: { type: 'string', default: '8' },
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

/** Runs `count` requests with `concurrency` loops; each call's latency is recorded. */
async function drive(count: number, concurrency: number, batch: number, call: (i: number) => Promise<void>): Promise<Measure> {
  const latencies: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const start = performance.now()
        await call(i)
        latencies.push(performance.now() - start)
      }
    }),
  )
  return summarize(latencies, batch, performance.now() - t0)
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

interface CaseResult {
  model: string
  description: string
  onnxKiB: number
  direct: { batch1: Measure; batch256: Measure }
  hub: { batch1: Measure & { concurrency: number }; batch256: Measure & { concurrency: number } }
  perSampleRatioBatch1: number
  perSampleRatioBatch256: number
}

const R1 = Number(values.requests1)
const R256 = Number(values.requests256)
const C1 = Number(values.concurrency1)
const C256 = Number(values.concurrency256)

/** onnxruntime in this process, one request at a time. */
async function direct(modelBytes: Uint8Array, inputs1: TensorMap[], inputs256: TensorMap[]): Promise<{ batch1: Measure; batch256: Measure }> {
  const session = await ort.InferenceSession.create(modelBytes)
  const feeds = (m: TensorMap) => ({ input: new ort.Tensor('float32', m.input!.data as Float32Array, m.input!.dims) })
  const feeds1 = inputs1.map(feeds)
  const feeds256 = inputs256.map(feeds)
  for (let i = 0; i < 20; i++) await session.run(feeds1[i % feeds1.length]!)
  for (let i = 0; i < 3; i++) await session.run(feeds256[i % feeds256.length]!)
  const batch1 = await drive(R1, 1, 1, async (i) => void (await session.run(feeds1[i % feeds1.length]!)))
  const batch256 = await drive(R256, 1, 256, async (i) => void (await session.run(feeds256[i % feeds256.length]!)))
  await session.release()
  return { batch1, batch256 }
}

async function runCase(c: ModelCase, storage: StorageClient, deployments: DeploymentsClient, nodes: number): Promise<CaseResult> {
  const modelBytes = buildModel(c)
  const inputs1 = Array.from({ length: 16 }, (_, i) => images(c.shape, 1, i + 1))
  const inputs256 = Array.from({ length: 4 }, (_, i) => images(c.shape, 256, i + 100))
  console.log(`\n${c.name}: ${c.description}, ${(modelBytes.length / 1024).toFixed(0)} KiB ONNX; ${R1} requests at batch 1, ${R256} at batch 256`)
  const base = await direct(modelBytes, inputs1, inputs256)

  async function* once(): AsyncGenerator<Uint8Array> {
    yield modelBytes
  }
  const stored = await storage.put(once(), modelBytes.length, { redundancy: nodes > 1 ? { k: 1, n: 2, repairThreshold: 2 } : { k: 1, n: 1, repairThreshold: 1 } })
  const deployment = await deployments.create({ model: stored.cid, replicas: 1, maxBatch: 256 })
  await deployments.waitReady(deployment.id, { timeoutMs: 120_000 })
  for (let i = 0; i < 20; i++) await deployments.infer(deployment.id, inputs1[i % inputs1.length]!)
  for (let i = 0; i < 3; i++) await deployments.infer(deployment.id, inputs256[i % inputs256.length]!)
  const hub1 = await drive(R1, C1, 1, async (i) => void (await deployments.infer(deployment.id, inputs1[i % inputs1.length]!)))
  const hub256 = await drive(R256, C256, 256, async (i) => void (await deployments.infer(deployment.id, inputs256[i % inputs256.length]!)))
  await deployments.stop(deployment.id)

  const rows = [
    ['onnxruntime direct (baseline)', 1, 1, base.batch1],
    ['through the hub', 1, C1, hub1],
    ['onnxruntime direct (baseline)', 256, 1, base.batch256],
    ['through the hub', 256, C256, hub256],
  ] as const
  printTable(
    `Inference, ${c.name}: through hub → serving node (warm session, batching) vs onnxruntime direct`,
    ['path', 'batch', 'concurrency', 'requests/s', 'samples/s', 'p50 ms', 'p99 ms', 'µs/sample', 'vs direct'],
    rows.map(([path, batch, conc, m]) => [path, batch, conc, m.requestsPerSec, m.samplesPerSec, m.p50Ms, m.p99Ms, m.perSampleUs, `${(m.perSampleUs / (batch === 1 ? base.batch1 : base.batch256).perSampleUs).toFixed(2)}×`]),
  )
  const ratio256 = hub256.perSampleUs / base.batch256.perSampleUs
  console.log(`${c.name}, batch 256: ${ratio256.toFixed(2)}× the direct time per sample (target ≤ 1.5×): ${ratio256 <= 1.5 ? 'met' : 'NOT met'}`)
  return {
    model: c.name,
    description: c.description,
    onnxKiB: Math.round(modelBytes.length / 1024),
    direct: base,
    hub: { batch1: { ...hub1, concurrency: C1 }, batch256: { ...hub256, concurrency: C256 } },
    perSampleRatioBatch1: hub1.perSampleUs / base.batch1.perSampleUs,
    perSampleRatioBatch256: ratio256,
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
    const path = await writeResult('inference', { nodes, machineCores: cpus().length, cases: results, target: { perSampleRatioBatch256: 1.5 } })
    console.log(`\nwrote ${path}`)
  } finally {
    await devnet.stop()
    await rm(home, { recursive: true, force: true })
  }
}

await main()
