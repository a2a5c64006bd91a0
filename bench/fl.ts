/**
 * A federated round end to end, plaintext against secagg+ and ckks, 10 clients.
 *
 * What a round is here: what one round costs when the clients run in parallel on their own nodes,
 * i.e. its critical path = a client's local training (one epoch, TF.js WASM, as the node's client
 * task trains: bench/lib/fl-local-training.ts) + the slowest client's preparation of its update
 * (plaintext: the float32 values as bytes; secagg+: every client stage of runSecAggRound, keys,
 * shares, masking, unmasking answers, each stage's slowest client plus the aggregator; ckks:
 * encryption under the owner's key into the binary envelope) + the aggregator's work (parse and example-weighted
 * mean / SecAgg+ unmasking / adding ciphertexts) + for ckks the owner's decryption. Training and
 * the slowest preparation are added (a bound, the same for every mode); message transit is not
 * counted. Every client trains as many rows, so training counts as the median of the ten: they
 * run one after another on this shared machine, and the slowest of ten mostly measures its load
 * (that figure is printed too). Each repetition trains every client once (a real round: the
 * global model is the previous plaintext mean) and hands the same trained updates to the three
 * modes, so their difference is only what secure aggregation adds. Also printed: the data path
 * alone (no training), as bench/fl-secagg.ts and bench/fl-ckks.ts measure it.
 *
 * Trainer: TF.js on its WASM backend as nodes train (not the simulation kit's plain-TS trainer:
 * a round's length is the nodes' training, and a slower trainer would flatter the ratios).
 * Model: a 784-h-10 ReLU MLP (h = 13, 126, 1258: 10,345, 100,180, 1,000,120 parameters), SGD,
 * batches of 32; data: 600 synthetic rows per client (784 features in [0, 1], 10 classes).
 * Figures are medians of --repeat rounds (--repeat-1m at 1M parameters); the machine's load
 * average is printed with them. CKKS keys are the job's, made once (not timed); SecAgg+ keys are
 * per round and timed.
 *
 * ckks is measured twice: as a node does it with an UpdateEncryptor kept across rounds, which
 * prepares its encryption randomness after sending an update, while it waits for the next global
 * model (what outlasts that wait is charged to the round), and
 * encrypting from scratch in the round (ckks-unprepared, ckksUnpreparedRatio*).
 *
 * Wire format (--wire): `binary` (default) sends every update as bytes, as a fair comparison
 * needs: plaintext as raw float32 after a small header, ckks in @w3ai/federated/he's binary
 * envelope (SEAL's ciphertext bytes), secagg+'s masked vectors as their uint32 words after a JSON
 * header; `json` is the earlier form of all three (plaintext float32 as base64 in JSON, ckks
 * ciphertexts and masked vectors as base64url in JSON). secagg+'s other messages (keys, shares,
 * reveals: a few KiB) are JSON in both.
 *
 *   npm run bench -- fl [--sizes 10000,100000,1000000] [--clients 10] [--rows 600] [--repeat 7] [--repeat-1m 3] [--wire binary|json]
 */
import { availableParallelism, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { runSecAggRound, weightedMean, type Parameters } from '@w3ai/federated'
import { decryptMean, EncryptedAggregation, encryptUpdate, encryptUpdateBytes, generateJobKeys, UpdateEncryptor, type CkksPublicKey, type CkksSecretKey, type EncryptedUpdate } from '@w3ai/federated/he'
import { hiddenUnitsFor, LocalTrainer, mlpSpec, syntheticSplit, type ClientData } from './lib/fl-local-training.js'
import { fromPlaintextBytes, plaintextBytes } from './lib/plaintext-wire.js'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    clients: { type: 'string', default: '10' },
    rows: { type: 'string', default: '600' },
    repeat: { type: 'string', default: '7' },
    'repeat-1m': { type: 'string', default: '3' },
    wire: { type: 'string', default: 'binary' },
  },
})
if (values.wire !== 'binary' && values.wire !== 'json') throw new Error('--wire is binary or json')
const WIRE = values.wire
const SIZES = values.sizes.split(',').map(Number)
const CLIENTS = Number(values.clients)
const ROWS = Number(values.rows)
const REPEAT = Number(values.repeat)
/** Rounds at 1M parameters and more, where one round of the three modes takes tens of seconds here. */
const REPEAT_LARGE = Number(values['repeat-1m'])
const SEED = 7
const ids = Array.from({ length: CLIENTS }, (_, i) => `client-${String(i).padStart(2, '0')}`)
const MODES = ['plaintext', 'secagg+', 'ckks', 'ckks-unprepared'] as const
type Mode = (typeof MODES)[number]

/** One mode's data path in one round (no training). */
interface DataPath {
  /** The slowest client's preparation of its update. */
  clientMs: number
  aggregatorMs: number
  ownerMs: number
  /** Clients in parallel: the slowest client, the aggregator, the owner (secagg+: per stage). */
  criticalMs: number
  /** ckks: the slowest client's preparation of the next round's encryption (off the critical path, but for what outlasts its wait for the next model). */
  prepareMs?: number
  /** One client's messages to the aggregator over the round, bytes on the wire. */
  bytes: number
  mean: Parameters
}

const toBase64 = (t: Float32Array): string => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64')
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

function plaintext(updates: Parameters[], examples: number[]): DataPath {
  if (WIRE === 'binary') {
    const clientMs: number[] = []
    const messages: Uint8Array[] = []
    for (const [i, parameters] of updates.entries()) {
      const t0 = performance.now()
      messages.push(plaintextBytes(parameters, examples[i] as number))
      clientMs.push(performance.now() - t0)
    }
    const t1 = performance.now()
    const replies = messages.map(fromPlaintextBytes)
    const mean = weightedMean(replies.map((r) => r.parameters), replies.map((r) => r.numExamples))
    const aggregatorMs = performance.now() - t1
    const slowest = Math.max(...clientMs)
    return { clientMs: slowest, aggregatorMs, ownerMs: 0, criticalMs: slowest + aggregatorMs, bytes: (messages[0] as Uint8Array).byteLength, mean }
  }
  const clientMs: number[] = []
  const messages: string[] = []
  for (const [i, parameters] of updates.entries()) {
    const t0 = performance.now()
    messages.push(JSON.stringify({ parameters: parameters.map(toBase64), numExamples: examples[i] }))
    clientMs.push(performance.now() - t0)
  }
  const t1 = performance.now()
  const replies = messages.map((m) => JSON.parse(m) as { parameters: string[]; numExamples: number })
  const mean = weightedMean(replies.map((r) => r.parameters.map(fromBase64)), replies.map((r) => r.numExamples))
  const aggregatorMs = performance.now() - t1
  const slowest = Math.max(...clientMs)
  return { clientMs: slowest, aggregatorMs, ownerMs: 0, criticalMs: slowest + aggregatorMs, bytes: (messages[0] ?? '').length, mean }
}

function secagg(updates: Parameters[], examples: number[], round: string): DataPath {
  const bytes = new Map<string, number>()
  const report = runSecAggRound({
    roundId: round,
    updates: updates.map((parameters, i) => ({ clientId: ids[i] as string, parameters, numExamples: examples[i] as number })),
    maxWeight: Math.max(...examples),
    wire: WIRE,
    onServerMessage: (m, length) => {
      const id = (m as { clientId: string }).clientId
      bytes.set(id, (bytes.get(id) ?? 0) + length)
    },
  })
  const slowest = Math.max(...Object.values(report.clientMs))
  return { clientMs: slowest, aggregatorMs: report.serverMs, ownerMs: 0, criticalMs: report.criticalMs, bytes: Math.max(...bytes.values()), mean: report.result.mean }
}

/**
 * A CKKS round. With `encryptors` (one per client, kept across rounds, as a node keeps its
 * UpdateEncryptor for a training) each client encrypts with randomness it prepared ahead and,
 * once its update is sent, prepares the next round's: that work overlaps the rest of the round
 * (the client waits for the next global model meanwhile: the slower clients, the aggregator, the
 * owner), and whatever of any client's preparation outlasts that wait is charged to the round. Without, each client encrypts from
 * scratch (encryptUpdate).
 */
async function ckks(updates: Parameters[], examples: number[], keys: { publicKey: CkksPublicKey; secretKey: CkksSecretKey }, encryptors?: UpdateEncryptor[]): Promise<DataPath> {
  const clientMs: number[] = []
  let aggregatorMs = 0
  let bytes = 0
  // The aggregator adds each update as it arrives and keeps only the running sum.
  const aggregation = new EncryptedAggregation({ keyId: keys.publicKey.keyId, params: keys.publicKey.params })
  for (const [i, parameters] of updates.entries()) {
    const n = examples[i] as number
    const encryptor = encryptors?.[i]
    const t0 = performance.now()
    const message =
      WIRE === 'binary'
        ? encryptor !== undefined ? encryptor.encryptBytes(parameters, n) : await encryptUpdateBytes(keys.publicKey, parameters, n)
        : JSON.stringify(encryptor !== undefined ? encryptor.encrypt(parameters, n) : await encryptUpdate(keys.publicKey, parameters, n))
    clientMs.push(performance.now() - t0)
    bytes = Math.max(bytes, typeof message === 'string' ? message.length : message.byteLength)
    const t1 = performance.now()
    await aggregation.add(typeof message === 'string' ? (JSON.parse(message) as EncryptedUpdate) : message)
    aggregatorMs += performance.now() - t1
  }
  const t1 = performance.now()
  const total = WIRE === 'binary' ? await aggregation.resultBytes() : JSON.stringify(await aggregation.result())
  await aggregation.close()
  aggregatorMs += performance.now() - t1
  const t2 = performance.now()
  const { mean } = await decryptMean(keys.secretKey, typeof total === 'string' ? JSON.parse(total) : total)
  const ownerMs = performance.now() - t2
  const prepareMs: number[] = []
  for (const [i, encryptor] of (encryptors ?? []).entries()) {
    const t3 = performance.now()
    await encryptor.prepare(parameterCount(updates[i] as Parameters))
    prepareMs.push(performance.now() - t3)
  }
  const slowest = Math.max(...clientMs)
  const slowestPrepare = Math.max(0, ...prepareMs)
  // Client i waits from sending its update until the next model: for the rest of the slowest
  // client's preparation, the aggregator's additions and the owner's decryption.
  const excess = Math.max(0, ...prepareMs.map((p, i) => p - (slowest - (clientMs[i] as number)) - aggregatorMs - ownerMs))
  return { clientMs: slowest, aggregatorMs, ownerMs, prepareMs: slowestPrepare, criticalMs: slowest + aggregatorMs + ownerMs + excess, bytes, mean }
}

const parameterCount = (parameters: Parameters): number => parameters.reduce((a, t) => a + t.length, 0)

/** One UpdateEncryptor per client, prepared for the first round (when a node joins a training: not timed). */
async function joinTraining(publicKey: CkksPublicKey, count: number): Promise<UpdateEncryptor[]> {
  const encryptors = await Promise.all(ids.map(() => UpdateEncryptor.create(publicKey)))
  for (const encryptor of encryptors) await encryptor.prepare(count)
  return encryptors
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

function maxAbsError(got: Parameters, want: Parameters): number {
  let worst = 0
  want.forEach((t, i) => t.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (got[i]?.[j] as number))))))
  return worst
}

const sizeKey = (size: number): string => (size >= 1e6 ? `${size / 1e6}m` : `${size / 1e3}k`)
const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100)
const loadAtStart = load()
const started = performance.now()

// Warm up: SEAL's WASM and V8's hot paths (TF.js is warmed per model below).
{
  const warm = [Float32Array.from({ length: 3000 }, (_, i) => Math.sin(i) / 10)]
  const keys = await generateJobKeys()
  for (let i = 0; i < 2; i++) {
    secagg(ids.map(() => warm), ids.map(() => ROWS), `warm-${i}`)
    await ckks(ids.map(() => warm), ids.map(() => ROWS), keys)
    const encryptors = await joinTraining(keys.publicKey, 3000)
    await ckks(ids.map(() => warm), ids.map(() => ROWS), keys, encryptors)
    encryptors.forEach((e) => e.close())
  }
}

const rows: Array<Array<string | number>> = []
const sizes: Record<string, unknown>[] = []
const ratios: Record<string, number> = {}
let backend = ''
for (const size of SIZES) {
  const hidden = hiddenUnitsFor(size)
  const created = await LocalTrainer.create(mlpSpec(hidden, SEED))
  const trainer = created.trainer
  backend = created.backend
  const data: ClientData[] = ids.map((_, i) => syntheticSplit(ROWS, i, SEED))
  const examples = data.map((d) => d.rows)
  let global = trainer.parameters()
  const parameters = global.reduce((a, t) => a + t.length, 0)
  const keys = await generateJobKeys()
  const encryptors = await joinTraining(keys.publicKey, parameters)
  // TF.js warms up over its first fits of a model (kernel set-up, allocations).
  for (let w = 0; w < 3; w++) await trainer.train(global, data[w] as ClientData, w)
  // Per round: the median client's training, which stands for every client's (each trains the
  // same model on as many rows, on its own node), and the slowest's. The ten trainings run one
  // after another on this shared machine, so their spread is its load: the slowest of ten noisy
  // samples would lengthen the plaintext round too and flatter the ratios.
  const trainMs: number[] = []
  const slowestTrainMs: number[] = []
  const runs: Record<Mode, DataPath[]> = { plaintext: [], 'secagg+': [], ckks: [], 'ckks-unprepared': [] }
  const errors: Record<Mode, number[]> = { plaintext: [], 'secagg+': [], ckks: [], 'ckks-unprepared': [] }
  const repeat = size >= 1e6 ? REPEAT_LARGE : REPEAT
  for (let r = 0; r < repeat; r++) {
    const updates: Parameters[] = []
    const clientTrainMs: number[] = []
    for (const [i, d] of data.entries()) {
      const t0 = performance.now()
      updates.push(await trainer.train(global, d, SEED * 1_000_003 + r * 101 + i))
      clientTrainMs.push(performance.now() - t0)
    }
    trainMs.push(median(clientTrainMs))
    slowestTrainMs.push(Math.max(...clientTrainMs))
    // The modes take turns going first, so load from other work on the machine falls on all alike.
    const order = MODES.map((_, k) => MODES[(k + r) % MODES.length] as Mode)
    const got = {} as Record<Mode, DataPath>
    for (const mode of order) {
      got[mode] =
        mode === 'plaintext'
          ? plaintext(updates, examples)
          : mode === 'secagg+'
            ? secagg(updates, examples, `bench-${size}-${r}`)
            : await ckks(updates, examples, keys, mode === 'ckks' ? encryptors : undefined)
      runs[mode].push(got[mode])
    }
    for (const mode of MODES) errors[mode].push(maxAbsError(got[mode].mean, got.plaintext.mean))
    global = got.plaintext.mean
  }
  trainer.dispose()
  encryptors.forEach((e) => e.close())
  data.forEach((d) => (d.x.dispose(), d.y.dispose()))

  const train = median(trainMs)
  const summary = Object.fromEntries(
    MODES.map((mode) => {
      const pick = (k: 'clientMs' | 'aggregatorMs' | 'ownerMs' | 'criticalMs'): number => median(runs[mode].map((p) => p[k]))
      const dataPathMs = pick('criticalMs')
      // The round's median over repetitions of (training + data path), paired per repetition.
      const roundMs = median(runs[mode].map((p, r) => (trainMs[r] as number) + p.criticalMs))
      const roundMsSlowestTraining = median(runs[mode].map((p, r) => (slowestTrainMs[r] as number) + p.criticalMs))
      const bytes = (runs[mode][0] as DataPath).bytes
      const prepareMs = median(runs[mode].map((p) => p.prepareMs ?? 0))
      return [mode, { clientMs: pick('clientMs'), prepareMs, aggregatorMs: pick('aggregatorMs'), ownerMs: pick('ownerMs'), dataPathMs, roundMs, roundMsSlowestTraining, bytes, bytesPerParameter: bytes / parameters, maxAbsError: Math.max(...errors[mode]) }]
    }),
  ) as Record<Mode, { clientMs: number; prepareMs: number; aggregatorMs: number; ownerMs: number; dataPathMs: number; roundMs: number; roundMsSlowestTraining: number; bytes: number; bytesPerParameter: number; maxAbsError: number }>
  const base = summary.plaintext
  const key = sizeKey(size)
  for (const mode of MODES) {
    const s = summary[mode]
    const roundRatio = s.roundMs / base.roundMs
    const dataPathRatio = s.dataPathMs / base.dataPathMs
    if (mode !== 'plaintext') {
      const name = { 'secagg+': 'secagg', ckks: 'ckks', 'ckks-unprepared': 'ckksUnprepared' }[mode]
      ratios[`${name}Ratio${key}`] = roundRatio
      ratios[`${name}DataPathRatio${key}`] = dataPathRatio
      ratios[`${name}RatioSlowestTraining${key}`] = s.roundMsSlowestTraining / base.roundMsSlowestTraining
    }
    rows.push([
      mode === 'plaintext' ? parameters.toLocaleString('en-US') : '', mode, train, s.clientMs, mode === 'ckks' ? s.prepareMs : '-', s.aggregatorMs, s.ownerMs, s.dataPathMs, s.roundMs,
      `${roundRatio.toFixed(2)}x`, `${dataPathRatio.toFixed(1)}x`, (s.bytes / 1e6).toFixed(2), s.bytesPerParameter.toFixed(1), mode === 'plaintext' ? '-' : s.maxAbsError.toExponential(1),
    ])
  }
  sizes.push({ nominal: size, parameters, hidden, rounds: repeat, trainMs: train, trainMsSlowestClient: median(slowestTrainMs), trainMsPerRound: trainMs, ...summary })
  console.error(`  ${parameters.toLocaleString('en-US')} parameters done (${((performance.now() - started) / 1000).toFixed(0)} s)`)
}
const loadAtEnd = load()

printTable(
  `A federated round, ${CLIENTS} clients in parallel, ${ROWS} rows each, one local epoch (TF.js ${backend}), median of ${REPEAT} rounds (${REPEAT_LARGE} at 1M) (ms). ` +
    `round = training (median client) + data path; data path = slowest client's update preparation + aggregator + owner. ckks: clients prepare their encryption between rounds ` +
    `(prepare ms, the slowest client's; charged only for what outlasts a client's wait for the next model); ckks-unprepared: encrypted from scratch in the round. MB: one client's messages to the aggregator. Wire: ${WIRE}`,
  ['params', 'mode', 'train ms', 'client ms', 'prepare ms', 'aggregator ms', 'owner ms', 'data path ms', 'round ms', 'round/plain', 'data path/plain', 'MB/client', 'B/param', 'max abs error'],
  rows,
)
console.log(`\nload average (1/5/15 min) at start ${loadAtStart.join(' / ')}, at end ${loadAtEnd.join(' / ')}; ${availableParallelism()} CPUs; ${((performance.now() - started) / 1000).toFixed(0)} s`)
console.log(
  `round time over plaintext at 100k: secagg+ ${ratios.secaggRatio100k?.toFixed(2)}x (target <= 1.3x), ckks ${ratios.ckksRatio100k?.toFixed(2)}x (target <= 1.5x; ` +
    `unprepared ${ratios.ckksUnpreparedRatio100k?.toFixed(2)}x)`,
)
console.log(
  `  with the slowest client's training in place of the median client's: secagg+ ${ratios.secaggRatioSlowestTraining100k?.toFixed(2)}x, ckks ${ratios.ckksRatioSlowestTraining100k?.toFixed(2)}x; ` +
    `data path alone: secagg+ ${ratios.secaggDataPathRatio100k?.toFixed(1)}x, ckks ${ratios.ckksDataPathRatio100k?.toFixed(1)}x`,
)
const path = await writeResult(WIRE === 'binary' ? 'fl' : 'fl-json', {
  wire: WIRE,
  clients: CLIENTS,
  rowsPerClient: ROWS,
  repeat: REPEAT,
  repeatAt1m: REPEAT_LARGE,
  localEpochs: 1,
  model: '784-h-10 ReLU MLP, SGD, batch 32, synthetic 784-feature 10-class rows',
  trainer: `TF.js (${backend}) via @w3ai/compute buildModel, as the node's federated client task trains`,
  definition:
    'roundMs: clients in parallel on their own nodes; training (the median client: every client trains the same work; the slowest of ten run on this shared machine measures its load, see roundMsSlowestTraining) + slowest client update preparation + aggregator + owner (secagg+: per stage, slowest client + aggregator), median over rounds; dataPathMs: the same without training; message transit not counted. ckks: each client (an UpdateEncryptor kept across rounds) prepares its next encryption after sending its update, while the aggregator adds and the owner decrypts; a client\'s preparation counts only for what outlasts its wait for the next model (the slower clients, aggregator and owner); prepareMs is the slowest client\'s preparation. ckks-unprepared: every client encrypts from scratch in the round (encryptUpdate)',
  targets: { secaggRatio100k: 1.3, ckksRatio100k: 1.5 },
  ...ratios,
  loadAverage: { start: loadAtStart, end: loadAtEnd },
  cpus: availableParallelism(),
  sizes,
})
console.log(`\nwrote ${path}`)
