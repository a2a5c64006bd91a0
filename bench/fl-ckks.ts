/**
 * CKKS aggregation cost per round: each of 10 clients encrypts its update (pre-weighted, as
 * @w3ai/federated/he does), the aggregator reads and adds the messages as they arrive, the owner
 * decrypts the mean. Baseline in the same run: the plaintext round's data path (each client's
 * float32 parameters, read by the aggregator, example-weighted mean). Training is not included:
 * these are the costs secure aggregation adds to a round, not a round's length. `ckks prepared`:
 * clients encrypt with randomness an UpdateEncryptor prepared ahead (prepare ms: that work, done
 * between rounds). Also: other CKKS parameter sets at one size (time, bytes, precision), and
 * encryption split over worker threads.
 *
 * --wire binary (default): plaintext updates as raw float32 after a small header, CKKS updates in
 * the binary envelope; --wire json: both as JSON with base64 (the earlier form).
 *
 *   npm run bench -- fl-ckks [--sizes 10000,100000,1000000] [--clients 10] [--compare 100000] [--workers 2] [--wire binary|json]
 */
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { CkksContext, DEFAULT_CKKS_PARAMS, type CkksParams, type CkksPublicKey } from '@w3ai/crypto/ckks'
import { weightedMean, type Parameters } from '@w3ai/federated'
import { decryptMean, EncryptedAggregation, encryptUpdate, encryptUpdateBytes, generateJobKeys, UpdateEncryptor, type EncryptedUpdate } from '@w3ai/federated/he'
import { normal, seededRandom } from '@w3ai/util'
import { fromPlaintextBytes, plaintextBytes } from './lib/plaintext-wire.js'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    clients: { type: 'string', default: '10' },
    compare: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '2' },
    wire: { type: 'string', default: 'binary' },
  },
})
if (values.wire !== 'binary' && values.wire !== 'json') throw new Error('--wire is binary or json')
const WIRE = values.wire
const SIZES = values.sizes.split(',').map(Number)
const CLIENTS = Number(values.clients)
const COMPARE = Number(values.compare)
const WORKERS = Number(values.workers)

/** A model of `size` parameters in a few tensors, as a small dense network has them. */
function model(size: number, seed: number): Parameters {
  const random = seededRandom(seed)
  const bias = Math.min(1000, Math.floor(size / 100))
  return [size - bias, bias].map((n) => Float32Array.from({ length: n }, () => 0.1 * normal(random)))
}

const examples = (i: number): number => 100 + 37 * i

function toBase64(t: Float32Array): string {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')
}

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64')
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

interface Round {
  clientMs: number
  /** Prepared rounds: a client's preparation of its encryption (between rounds, mean over clients). */
  prepareMs: number
  aggregatorMs: number
  ownerMs: number
  bytes: number
  /** All on one machine, one after another. */
  sequentialMs: number
  /** Clients on their own nodes, in parallel: the slowest client, then aggregator and owner. */
  criticalMs: number
  mean: Parameters
}

function finish(clientMs: number[], aggregatorMs: number, ownerMs: number, bytes: number, mean: Parameters, prepareMs = 0): Round {
  const sum = clientMs.reduce((a, b) => a + b, 0)
  return { clientMs: sum / clientMs.length, prepareMs, aggregatorMs, ownerMs, bytes, sequentialMs: sum + aggregatorMs + ownerMs, criticalMs: Math.max(...clientMs) + aggregatorMs + ownerMs, mean }
}

function plaintextRound(clients: Parameters[]): Round {
  const clientMs: number[] = []
  const messages: Array<string | Uint8Array> = []
  for (const [i, parameters] of clients.entries()) {
    const t0 = performance.now()
    messages.push(WIRE === 'binary' ? plaintextBytes(parameters, examples(i)) : JSON.stringify({ parameters: parameters.map(toBase64), numExamples: examples(i) }))
    clientMs.push(performance.now() - t0)
  }
  const t1 = performance.now()
  const replies = messages.map((m) => {
    if (typeof m !== 'string') return fromPlaintextBytes(m)
    const r = JSON.parse(m) as { parameters: string[]; numExamples: number }
    return { parameters: r.parameters.map(fromBase64), numExamples: r.numExamples }
  })
  const mean = weightedMean(
    replies.map((r) => r.parameters),
    replies.map((r) => r.numExamples),
  )
  const aggregatorMs = performance.now() - t1
  const first = messages[0] ?? ''
  return finish(clientMs, aggregatorMs, 0, typeof first === 'string' ? first.length : first.byteLength, mean)
}

/** A CKKS round; `prepared`: each client's UpdateEncryptor prepared its randomness beforehand (timed apart). */
async function ckksRound(clients: Parameters[], params: CkksParams, prepared = false): Promise<Round> {
  const keys = await generateJobKeys(params)
  const encryptors = prepared ? await Promise.all(clients.map(() => UpdateEncryptor.create(keys.publicKey))) : []
  const prepareMs: number[] = []
  for (const [i, encryptor] of encryptors.entries()) {
    const t0 = performance.now()
    await encryptor.prepare((clients[i] as Parameters).reduce((a, t) => a + t.length, 0))
    prepareMs.push(performance.now() - t0)
  }
  const clientMs: number[] = []
  let aggregatorMs = 0
  let bytes = 0
  // The aggregator adds each update as it arrives and keeps only the running sum.
  const aggregation = new EncryptedAggregation({ keyId: keys.publicKey.keyId, params: keys.publicKey.params })
  for (const [i, parameters] of clients.entries()) {
    const encryptor = encryptors[i]
    const t0 = performance.now()
    const message =
      WIRE === 'binary'
        ? encryptor !== undefined ? encryptor.encryptBytes(parameters, examples(i)) : await encryptUpdateBytes(keys.publicKey, parameters, examples(i))
        : JSON.stringify(encryptor !== undefined ? encryptor.encrypt(parameters, examples(i)) : await encryptUpdate(keys.publicKey, parameters, examples(i)))
    clientMs.push(performance.now() - t0)
    bytes = typeof message === 'string' ? message.length : message.byteLength
    const t1 = performance.now()
    await aggregation.add(typeof message === 'string' ? (JSON.parse(message) as EncryptedUpdate) : message)
    aggregatorMs += performance.now() - t1
  }
  encryptors.forEach((e) => e.close())
  const t1 = performance.now()
  const total = WIRE === 'binary' ? await aggregation.resultBytes() : JSON.stringify(await aggregation.result())
  await aggregation.close()
  aggregatorMs += performance.now() - t1
  const t2 = performance.now()
  const { mean } = await decryptMean(keys.secretKey, typeof total === 'string' ? JSON.parse(total) : total)
  const meanPrepare = prepareMs.length === 0 ? 0 : prepareMs.reduce((a, b) => a + b, 0) / prepareMs.length
  return finish(clientMs, aggregatorMs, performance.now() - t2, bytes, mean, meanPrepare)
}

/** Largest error of `got` relative to the largest value of `want`. */
function relativeError(got: Parameters, want: Parameters): number {
  let largest = 0
  let worst = 0
  want.forEach((t, i) =>
    t.forEach((x, j) => {
      largest = Math.max(largest, Math.abs(x))
      worst = Math.max(worst, Math.abs(x - (got[i]?.[j] as number)))
    }),
  )
  return worst / largest
}

// Warm up: load SEAL and let V8 compile the hot paths.
await ckksRound([model(1000, 0)], DEFAULT_CKKS_PARAMS)

const rows: Array<Array<string | number>> = []
const results: Record<string, unknown>[] = []
let dataPathRatio100k: number | undefined
for (const size of SIZES) {
  const clients = Array.from({ length: CLIENTS }, (_, i) => model(size, i + 1))
  const plain = plaintextRound(clients)
  const ckks = await ckksRound(clients, DEFAULT_CKKS_PARAMS)
  const prepared = await ckksRound(clients, DEFAULT_CKKS_PARAMS, true)
  const error = relativeError(ckks.mean, plain.mean)
  for (const [name, r] of [
    ['plaintext', plain],
    ['ckks', ckks],
    ['ckks prepared', prepared],
  ] as const) {
    const err = name === 'plaintext' ? '-' : relativeError(r.mean, plain.mean).toExponential(1)
    rows.push([size.toLocaleString('en-US'), name, r.clientMs, name === 'ckks prepared' ? r.prepareMs : '-', r.aggregatorMs, r.ownerMs, r.sequentialMs, r.criticalMs, (r.bytes / 1e6).toFixed(2), (r.bytes / size).toFixed(1), err])
  }
  const overhead = { sequentialMs: ckks.sequentialMs - plain.sequentialMs, criticalMs: ckks.criticalMs - plain.criticalMs }
  if (size === 100_000) dataPathRatio100k = ckks.sequentialMs / plain.sequentialMs
  results.push({ parameters: size, clients: CLIENTS, plaintext: { ...plain, mean: undefined }, ckks: { ...ckks, mean: undefined }, ckksPrepared: { ...prepared, mean: undefined }, overheadMs: overhead, relativeError: error })
}
printTable(
  `CKKS aggregation, ${CLIENTS} clients, N=${DEFAULT_CKKS_PARAMS.polyModulusDegree}, primes ${DEFAULT_CKKS_PARAMS.coeffModulusBits.join('/')}, scale 2^${DEFAULT_CKKS_PARAMS.scaleBits} (ms, client and prepare: mean per client; bytes: one client's message, wire ${WIRE})`,
  ['params', 'round', 'client ms', 'prepare ms', 'aggregator ms', 'owner ms', 'sequential ms', 'critical ms', 'MB/update', 'B/param', 'max rel. error'],
  rows,
)

// Other parameter sets at one size: what the defaults were chosen against.
const candidates: Array<[string, CkksParams]> = [
  ['N=4096, 60 (default)', DEFAULT_CKKS_PARAMS],
  ['N=4096, 60+49 special', { polyModulusDegree: 4096, coeffModulusBits: [60, 49], scaleBits: 28 }],
  ['N=8192, 60', { polyModulusDegree: 8192, coeffModulusBits: [60], scaleBits: 28 }],
  ['N=8192, 60/40/40+60', { polyModulusDegree: 8192, coeffModulusBits: [60, 40, 40, 60], scaleBits: 40 }],
]
const compareRows: Array<Array<string | number>> = []
const compared: Record<string, unknown>[] = []
{
  const clients = Array.from({ length: CLIENTS }, (_, i) => model(COMPARE, i + 1))
  const plain = plaintextRound(clients)
  for (const [name, params] of candidates) {
    const r = await ckksRound(clients, params)
    const error = relativeError(r.mean, plain.mean)
    compareRows.push([name, r.clientMs, r.aggregatorMs, r.ownerMs, (r.bytes / 1e6).toFixed(2), error.toExponential(1)])
    compared.push({ name, params, clientMs: r.clientMs, aggregatorMs: r.aggregatorMs, ownerMs: r.ownerMs, bytes: r.bytes, relativeError: error })
  }
}
printTable(`CKKS parameter sets at ${COMPARE.toLocaleString('en-US')} parameters, ${CLIENTS} clients`, ['parameters', 'client ms', 'aggregator ms', 'owner ms', 'MB/update', 'max rel. error'], compareRows)

// One client's encryption split over worker threads (each with its own SEAL instance). Workers
// do not inherit the tsx loader: each registers it before importing the TypeScript sources.
const WORKER = `
import('tsx/esm/api').then(async ({ register }) => {
  register()
  const { parentPort } = await import('node:worker_threads')
  const { sharedCkksContext } = await import('@w3ai/crypto/ckks')
  parentPort.on('message', async ({ publicKey, values }) => {
    const encryptor = (await sharedCkksContext(publicKey.params)).encryptor(publicKey)
    const bytes = encryptor.encryptBytes(values)
    parentPort.postMessage({ bytes }, [bytes.buffer])
    encryptor.close()
  })
})`

/** Each worker encrypts a run of whole ciphertexts' worth of values; the parts come back as binary vectors. */
async function encryptWithWorkers(workers: Worker[], publicKey: CkksPublicKey, packed: Float64Array, perCiphertext: number): Promise<Uint8Array[]> {
  const perWorker = Math.ceil(Math.ceil(packed.length / perCiphertext) / workers.length) * perCiphertext
  return Promise.all(
    workers.map(
      (worker, w) =>
        new Promise<Uint8Array>((resolve) => {
          worker.once('message', (m: { bytes: Uint8Array }) => resolve(m.bytes))
          worker.postMessage({ publicKey, values: packed.subarray(w * perWorker, Math.min(packed.length, (w + 1) * perWorker)) })
        }),
    ),
  )
}

const workerRows: Array<Array<string | number>> = []
const workerResults: Record<string, unknown>[] = []
{
  const context = await CkksContext.create()
  const { publicKey } = context.generateKeys()
  const workers = Array.from({ length: WORKERS }, () => new Worker(WORKER, { eval: true }))
  const warm = new Float64Array(context.valuesPerCiphertext * WORKERS)
  await encryptWithWorkers(workers, publicKey, warm, context.valuesPerCiphertext)
  for (const size of SIZES.filter((s) => s >= 100_000)) {
    const packed = Float64Array.from({ length: size }, (_, i) => Math.sin(i))
    const encryptor = context.encryptor(publicKey)
    const t0 = performance.now()
    encryptor.encryptBytes(packed)
    const oneMs = performance.now() - t0
    encryptor.close()
    const t1 = performance.now()
    await encryptWithWorkers(workers, publicKey, packed, context.valuesPerCiphertext)
    const workersMs = performance.now() - t1
    workerRows.push([size.toLocaleString('en-US'), oneMs, workersMs, (oneMs / workersMs).toFixed(2)])
    workerResults.push({ parameters: size, oneThreadMs: oneMs, workersMs, workers: WORKERS })
  }
  await Promise.all(workers.map((w) => w.terminate()))
  context.close()
}
printTable(`One client's encryption: main thread vs ${WORKERS} worker threads (${availableParallelism()} CPUs here)`, ['params', 'main thread ms', `${WORKERS} workers ms`, 'speed-up'], workerRows)

const path = await writeResult(WIRE === 'binary' ? 'fl-ckks' : 'fl-ckks-json', {
  wire: WIRE,
  clients: CLIENTS,
  params: DEFAULT_CKKS_PARAMS,
  dataPathRatio100k,
  sizes: results,
  parameterSets: compared,
  workers: workerResults,
  note: 'sequential: every client, the aggregator and the owner on one machine one after another; critical: clients in parallel on their own nodes. Training time is not included.',
})
console.log(`\nckks/plaintext data path (sequential, no training) at 100k: ${dataPathRatio100k?.toFixed(1)}x; wrote ${path}`)
