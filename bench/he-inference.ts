/**
 * Encrypted inference (@w3ai/compute/he): a logistic regression on breast cancer's 30 features,
 * trained here, evaluated on CKKS ciphertexts. Rows are packed one ciphertext per feature and
 * block of 4096 (N = 8192); a batch of `--blocks` blocks is what one pipeline segment carries.
 *
 * - encryptedPredictionsPerSec: the node's side, evaluateHe on ciphertexts in → ciphertexts out
 *   (batch and keys parsed, every ciphertext loaded, the model, the result saved); median of runs.
 * - clientEncryptPerSec / clientDecryptPerSec: the requester's side, rows per second.
 * - batchLatencyMs: evaluateHe on one block of 4096 rows (median).
 * - plaintextPredictionsPerSec: onnxruntime-node in this process, the same model on the same rows,
 *   4096 rows per run, one thread (as the sandbox runs it, and as SEAL runs).
 * Also the cubic sigmoid evaluated on the node (sigmoid 'poly', depth 3 parameters), on the model
 * with its logits divided by 4 (the cubic follows the sigmoid on [-8, 8] only).
 * - pipelinePredictionsPerSec: end to end through the network. A devnet (hub and `--nodes` node
 *   processes) runs a `he` pipeline of `--pipeline-blocks` blocks in segments of at most 4 blocks
 *   (what fits a sealed result under 1 MiB): rows in → encrypted, stored in W3S, routed, computed
 *   in each node's sandbox, sealed, collected, stored, decrypted → outputs, timed from the SDK
 *   call to its answer.
 *
 *   npm run bench -- he-inference [--blocks 5] [--runs 5] [--nodes 3] [--pipeline-blocks 16]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startDevnet } from '@w3ai/cli'
import { generateIdentity } from '@w3ai/crypto'
import { heCodec, HubClient, PipelinesClient, putBytes, StorageClient } from '@w3ai/sdk'
import * as ort from 'onnxruntime-node'
import { compileHeModel, evaluateHe, evaluatePlain, HeClient, heParamsForDepth, type CompileHeOptions } from '@w3ai/compute/he'
import { breastCancerSplit, FEATURES, logisticOnnx, trainLogistic } from '../packages/compute/test/helpers/breast-cancer.js'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    blocks: { type: 'string', default: '5' },
    runs: { type: 'string', default: '5' },
    nodes: { type: 'string', default: '3' },
    'pipeline-blocks': { type: 'string', default: '16' },
  },
})
const BLOCKS = Number(values.blocks)
const RUNS = Number(values.runs)
const BLOCK_ROWS = 4096

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

/** Median milliseconds of `runs` calls (after one warm-up call), and the last call's value. */
async function timed<T>(runs: number, fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  let value = await fn()
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    value = await fn()
    ms.push(performance.now() - t0)
  }
  return { ms: median(ms), value }
}

const split = breastCancerSplit(1)
const trained = trainLogistic(split.train.rows, split.train.labels)
const dataset = [...split.train.rows, ...split.test.rows]
const rows = Array.from({ length: BLOCKS * BLOCK_ROWS }, (_, i) => dataset[i % dataset.length]!)
const onnxBytes = logisticOnnx(trained)

/** onnxruntime on `bytes`, 4096 rows per run, one thread: the median time over all rows and the probabilities. */
async function plaintext(bytes: Uint8Array): Promise<{ ms: number; probs: number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 })
  const feeds = Array.from({ length: BLOCKS }, (_, b) => {
    const data = new Float32Array(BLOCK_ROWS * FEATURES)
    for (let r = 0; r < BLOCK_ROWS; r++) data.set(rows[b * BLOCK_ROWS + r]!, r * FEATURES)
    return { x: new ort.Tensor('float32', data, [BLOCK_ROWS, FEATURES]) }
  })
  const run = await timed(RUNS, async () => {
    const out: Float32Array[] = []
    for (const feed of feeds) out.push((await session.run(feed))['y']!.data as Float32Array)
    return out
  })
  await session.release()
  return { ms: run.ms, probs: run.value.flatMap((block) => Array.from(block)) }
}

interface Variant {
  name: string
  depth: number
  params: unknown
  encryptedPredictionsPerSec: number
  clientEncryptPerSec: number
  clientDecryptPerSec: number
  batchLatencyMs: number
  segmentLatencyMs: number
  bytesPerRowIn: number
  bytesPerRowOut: number
  evaluationKeysBytes: number
  /** Rows whose class (p ≥ 0.5) is onnxruntime's. */
  predictionAgreement: number
  /** Against onnxruntime's sigmoid. */
  maxProbabilityError: number
  /** Against the compiled model in plaintext (float64): what CKKS itself costs in precision. */
  maxErrorVsPlainModel: number
}

async function measure(name: string, onnx: Uint8Array, options: CompileHeOptions): Promise<Variant> {
  const model = compileHeModel(onnx, options)
  const { probs: plainProbs } = await plaintext(onnx)
  const params = heParamsForDepth(model.depth)
  const client = await HeClient.create(params)
  try {
    const keys = client.evaluationKeys(model)
    const encrypt = await timed(Math.min(RUNS, 3), () => client.encryptRows(rows, FEATURES))
    const batch = encrypt.value
    const evaluate = await timed(RUNS, () => evaluateHe(model, keys, batch))
    const oneBlock = client.encryptRows(rows.slice(0, BLOCK_ROWS), FEATURES)
    const latency = await timed(RUNS, () => evaluateHe(model, keys, oneBlock))
    const decrypt = await timed(Math.min(RUNS, 3), () => client.decryptOutputs(evaluate.value, model))
    const probs = decrypt.value.map((p) => p[0]!)
    const agree = probs.filter((p, i) => p >= 0.5 === plainProbs[i]! >= 0.5).length
    return {
      name,
      depth: model.depth,
      params,
      encryptedPredictionsPerSec: rows.length / (evaluate.ms / 1000),
      clientEncryptPerSec: rows.length / (encrypt.ms / 1000),
      clientDecryptPerSec: rows.length / (decrypt.ms / 1000),
      batchLatencyMs: latency.ms,
      segmentLatencyMs: evaluate.ms,
      bytesPerRowIn: batch.byteLength / rows.length,
      bytesPerRowOut: evaluate.value.byteLength / rows.length,
      evaluationKeysBytes: keys.byteLength,
      predictionAgreement: agree / rows.length,
      maxProbabilityError: Math.max(...probs.map((p, i) => Math.abs(p - plainProbs[i]!))),
      maxErrorVsPlainModel: Math.max(...probs.map((p, i) => Math.abs(p - evaluatePlain(model, rows[i]!)[0]!))),
    }
  } finally {
    client.close()
  }
}

interface PipelineRun {
  nodes: number
  rows: number
  segments: number
  seconds: number
  pipelinePredictionsPerSec: number
  predictionAgreement: number
}

/** A `he` pipeline on a devnet, timed from the SDK call to the decrypted outputs. */
async function pipeline(): Promise<PipelineRun> {
  const nodes = Number(values.nodes)
  const blocks = Number(values['pipeline-blocks'])
  const pipelineRows = Array.from({ length: blocks * BLOCK_ROWS }, (_, i) => Array.from(dataset[i % dataset.length]!))
  const segments = Math.max(nodes, Math.ceil(blocks / 4))
  const home = await mkdtemp(join(tmpdir(), 'w3ai-bench-he-'))
  const devnet = await startDevnet({ home, nodes, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '100', W3AI_SPOT_CHECK_RATE: '0' } })
  const model = compileHeModel(onnxBytes)
  const client = await HeClient.create(heParamsForDepth(model.depth))
  try {
    const identity = generateIdentity('account')
    const hub = new HubClient({ url: devnet.hubUrl, identity, timeoutMs: 120_000 })
    await hub.createAccount({ name: 'bench', encryptionKey: identity.encryptionKey })
    const storage = new StorageClient(hub, identity)
    const stored = await putBytes(storage, onnxBytes, { name: 'logistic.onnx' })
    const pipelines = new PipelinesClient(hub, identity, { storage })
    const t0 = performance.now()
    const { pipeline: done, outputs } = await pipelines.run({ model: stored, privacy: 'he', rows: pipelineRows, segments, codec: heCodec(client, model), timeoutMs: 600_000 })
    const seconds = (performance.now() - t0) / 1000
    if (done.status !== 'succeeded') throw new Error(`the pipeline ended ${done.status}`)
    const agree = outputs.filter((o, i) => o[0]! >= 0.5 === evaluatePlain(model, pipelineRows[i]!)[0]! >= 0.5).length
    return { nodes, rows: pipelineRows.length, segments, seconds, pipelinePredictionsPerSec: pipelineRows.length / seconds, predictionAgreement: agree / pipelineRows.length }
  } finally {
    client.close()
    await devnet.stop()
    await rm(home, { recursive: true, force: true })
  }
}

const baseline = await plaintext(onnxBytes)
const plaintextPredictionsPerSec = rows.length / (baseline.ms / 1000)
const client = await measure('sigmoid on the client', onnxBytes, {})
// The cubic follows the sigmoid on [-8, 8] only: the same model with its logits divided by 4 stays there.
const damped = logisticOnnx({ weights: trained.weights.map((w) => w / 4), bias: trained.bias / 4 })
const poly = await measure('cubic sigmoid on the node (logits / 4)', damped, { sigmoid: 'poly' })

printTable(
  `Encrypted logistic regression, ${FEATURES} features, ${rows.length.toLocaleString('en-US')} rows (${BLOCKS} blocks of ${BLOCK_ROWS}); median of ${RUNS} runs`,
  ['variant', 'depth', 'N / primes', 'node pred/s', 'encrypt rows/s', 'decrypt rows/s', 'block ms', 'segment ms', 'B/row in', 'B/row out', 'keys B', 'agree', 'max |Δp| ort', 'max err plain'],
  [client, poly].map((v) => {
    const p = v.params as { polyModulusDegree: number; coeffModulusBits: number[] }
    return [v.name, v.depth, `${p.polyModulusDegree} / ${p.coeffModulusBits.join(',')}`, v.encryptedPredictionsPerSec, v.clientEncryptPerSec, v.clientDecryptPerSec, v.batchLatencyMs, v.segmentLatencyMs, Math.round(v.bytesPerRowIn), Math.round(v.bytesPerRowOut), v.evaluationKeysBytes, `${(100 * v.predictionAgreement).toFixed(2)}%`, v.maxProbabilityError.toExponential(1), v.maxErrorVsPlainModel.toExponential(1)]
  }),
)
const network = await pipeline()
printTable(`End to end: a he pipeline through a devnet of ${network.nodes} nodes (encrypt, store, route, compute, seal, collect, decrypt)`, ['rows', 'segments', 'seconds', 'pred/s', 'agree'], [
  [network.rows, network.segments, network.seconds.toFixed(2), network.pipelinePredictionsPerSec, `${(100 * network.predictionAgreement).toFixed(2)}%`],
])
printTable('Plaintext baseline (onnxruntime-node, 1 thread, 4096 rows per run)', ['model', 'pred/s', 'ratio to encrypted (client sigmoid)'], [
  ['logistic regression', plaintextPredictionsPerSec, (plaintextPredictionsPerSec / client.encryptedPredictionsPerSec).toFixed(1)],
])

const path = await writeResult('he-inference', {
  features: FEATURES,
  rows: rows.length,
  blocks: BLOCKS,
  rowsPerBlock: BLOCK_ROWS,
  runs: RUNS,
  params: client.params,
  encryptedPredictionsPerSec: client.encryptedPredictionsPerSec,
  clientEncryptPerSec: client.clientEncryptPerSec,
  clientDecryptPerSec: client.clientDecryptPerSec,
  batchLatencyMs: client.batchLatencyMs,
  plaintextPredictionsPerSec,
  pipelinePredictionsPerSec: network.pipelinePredictionsPerSec,
  pipeline: network,
  target: { encryptedPredictionsPerSec: 50_000, pipelinePredictionsPerSec: 5_000 },
  variants: [client, poly],
})
console.log(`\nwrote ${path}`)
