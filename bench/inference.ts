/**
 * Inference benchmark: an MNIST-sized convolutional classifier (28×28×1 → conv 32 → pool → conv 64 →
 * pool → dense 128 → dense 10, random weights, exported to ONNX by @w3ai/compute) served by a
 * deployment on a devnet, requests sent through the hub by the SDK (signed, JSON tensors of raw
 * 0-255 pixels) at batch 1 and batch 256. Baseline in the same run: onnxruntime-node called
 * directly in this process on the same model and inputs, one request after another.
 *
 *   npm run bench -- inference [--requests1 600] [--requests256 40] [--concurrency1 8] [--concurrency256 2] [--nodes 2]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
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

function buildModel(): Uint8Array {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  })
  const bytes = exportToOnnx(model)
  model.dispose()
  return bytes
}

/** `n` images of raw pixels (integers 0..255, as a client would send them). */
function images(n: number, seed: number): TensorMap {
  const data = new Array<number>(n * 784)
  let x = seed
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    data[i] = x % 256
  }
  return { input: { type: 'float32', dims: [n, 28, 28, 1], data } }
}

async function main(): Promise<void> {
  await ensureBackend('cpu')
  const modelBytes = buildModel()
  const R1 = Number(values.requests1)
  const R256 = Number(values.requests256)
  const C1 = Number(values.concurrency1)
  const C256 = Number(values.concurrency256)
  const inputs1 = Array.from({ length: 16 }, (_, i) => images(1, i + 1))
  const inputs256 = Array.from({ length: 4 }, (_, i) => images(256, i + 100))
  console.log(`model: CNN 28x28x1 -> 10 classes, ${(modelBytes.length / 1024).toFixed(0)} KiB ONNX; ${R1} requests at batch 1, ${R256} at batch 256`)

  // Baseline: onnxruntime in this process, one request at a time.
  const session = await ort.InferenceSession.create(modelBytes)
  const feeds = (m: TensorMap) => ({ input: new ort.Tensor('float32', Float32Array.from(m.input!.data as number[]), m.input!.dims) })
  const feeds1 = inputs1.map(feeds)
  const feeds256 = inputs256.map(feeds)
  for (let i = 0; i < 20; i++) await session.run(feeds1[i % feeds1.length]!)
  await session.run(feeds256[0]!)
  const direct1 = await drive(R1, 1, 1, async (i) => void (await session.run(feeds1[i % feeds1.length]!)))
  const direct256 = await drive(R256, 1, 256, async (i) => void (await session.run(feeds256[i % feeds256.length]!)))
  await session.release()

  // Through the hub: a devnet, the model stored in W3S and deployed on one node.
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-inference-'))
  const devnet = await startDevnet({ home, nodes: Number(values.nodes), hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200' } })
  try {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: devnet.hubUrl, identity, timeoutMs: 120_000 })
    await hub.createAccount({ name: 'bench', encryptionKey: identity.encryptionKey })
    const storage = new StorageClient(hub, identity)
    async function* once(): AsyncGenerator<Uint8Array> {
      yield modelBytes
    }
    const nodes = Number(values.nodes)
    const stored = await storage.put(once(), modelBytes.length, { redundancy: nodes > 1 ? { k: 1, n: 2, repairThreshold: 2 } : { k: 1, n: 1, repairThreshold: 1 } })
    const deployments = new DeploymentsClient(hub, identity)
    const deployment = await deployments.create({ model: stored.cid, replicas: 1, maxBatch: 256 })
    await deployments.waitReady(deployment.id, { timeoutMs: 120_000 })
    for (let i = 0; i < 20; i++) await deployments.infer(deployment.id, inputs1[i % inputs1.length]!)
    await deployments.infer(deployment.id, inputs256[0]!)
    const hub1 = await drive(R1, C1, 1, async (i) => void (await deployments.infer(deployment.id, inputs1[i % inputs1.length]!)))
    const hub256 = await drive(R256, C256, 256, async (i) => void (await deployments.infer(deployment.id, inputs256[i % inputs256.length]!)))

    const rows = [
      ['onnxruntime direct (baseline)', 1, 1, direct1],
      ['through the hub', 1, C1, hub1],
      ['onnxruntime direct (baseline)', 256, 1, direct256],
      ['through the hub', 256, C256, hub256],
    ] as const
    printTable(
      'Inference: requests through hub → serving node (warm session, batching) vs onnxruntime direct',
      ['path', 'batch', 'concurrency', 'requests/s', 'samples/s', 'p50 ms', 'p99 ms', 'µs/sample', 'vs direct'],
      rows.map(([path, batch, conc, m]) => [path, batch, conc, m.requestsPerSec, m.samplesPerSec, m.p50Ms, m.p99Ms, m.perSampleUs, `${(m.perSampleUs / (batch === 1 ? direct1 : direct256).perSampleUs).toFixed(2)}×`]),
    )
    const ratio256 = hub256.perSampleUs / direct256.perSampleUs
    console.log(`\nbatch 256: ${ratio256.toFixed(2)}× the direct time per sample (target ≤ 1.5×) — ${ratio256 <= 1.5 ? 'met' : 'NOT met'}`)
    const path = await writeResult('inference', {
      model: 'CNN 28x28x1: conv3x3x32-pool-conv3x3x64-pool-dense128-dense10 (random weights, ONNX export)',
      nodes,
      direct: { batch1: direct1, batch256: direct256 },
      hub: { batch1: { ...hub1, concurrency: C1 }, batch256: { ...hub256, concurrency: C256 } },
      perSampleRatioBatch256: ratio256,
      perSampleRatioBatch1: hub1.perSampleUs / direct1.perSampleUs,
      target: { perSampleRatioBatch256: 1.5 },
    })
    console.log(`wrote ${path}`)
  } finally {
    await devnet.stop()
    await rm(home, { recursive: true, force: true })
  }
}

await main()
