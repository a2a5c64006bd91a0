/**
 * SecAgg+ cost per round: 10 clients and the aggregator run a whole round in one process
 * (runSecAggRound: setup, share keys, masked vectors, unmask; every message through JSON), the
 * aggregator ends with the example-weighted mean. Baseline in the same run: the plaintext round's
 * data path (each client's float32 parameters as base64 in JSON, parsed by the aggregator,
 * example-weighted mean), as bench/fl-ckks.ts has it. Training is not included: these are the
 * costs secure aggregation adds to a round, not a round's length. maxWeight is the largest client's
 * example count, as the hub sets it from the datasets' row counts. Each figure is the median of
 * --repeat runs (the machine is shared: ratios hold better than milliseconds).
 *
 *   npm run bench -- fl-secagg [--sizes 10000,100000,1000000] [--clients 10] [--repeat 5] [--drop 0]
 */
import { availableParallelism, loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { runSecAggRound, weightedMean, type Parameters } from '@w3ai/federated'
import { normal, seededRandom } from '@w3ai/util'
import { printTable, writeResult } from './lib/report.js'

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    clients: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '5' },
    drop: { type: 'string', default: '0' },
  },
})
const SIZES = values.sizes.split(',').map(Number)
const CLIENTS = Number(values.clients)
const REPEAT = Number(values.repeat)
const DROP = Number(values.drop)

/** A model of `size` parameters in two tensors, as a small dense network has them. */
function model(size: number, seed: number): Parameters {
  const random = seededRandom(seed)
  const bias = Math.min(1000, Math.floor(size / 100))
  return [size - bias, bias].map((n) => Float32Array.from({ length: n }, () => 0.1 * normal(random)))
}

const examples = (i: number): number => 100 + 37 * i
const ids = Array.from({ length: CLIENTS }, (_, i) => `client-${String(i).padStart(2, '0')}`)

function toBase64(t: Float32Array): string {
  return Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64')
}

function fromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64')
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

interface Round {
  clientMs: number
  aggregatorMs: number
  /** All on one machine, one after another. */
  sequentialMs: number
  /** Clients on their own machines, in parallel: per stage the slowest client, then the aggregator. */
  criticalMs: number
  /** One client's messages to the aggregator over the round, bytes of JSON. */
  bytes: number
  mean: Parameters
}

function plaintextRound(clients: Parameters[]): Round {
  const clientMs: number[] = []
  const messages: string[] = []
  for (const [i, parameters] of clients.entries()) {
    const t0 = performance.now()
    messages.push(JSON.stringify({ parameters: parameters.map(toBase64), numExamples: examples(i) }))
    clientMs.push(performance.now() - t0)
  }
  const t1 = performance.now()
  const replies = messages.map((m) => JSON.parse(m) as { parameters: string[]; numExamples: number })
  const mean = weightedMean(
    replies.map((r) => r.parameters.map(fromBase64)),
    replies.map((r) => r.numExamples),
  )
  const aggregatorMs = performance.now() - t1
  const sum = clientMs.reduce((a, b) => a + b, 0)
  return { clientMs: sum / CLIENTS, aggregatorMs, sequentialMs: sum + aggregatorMs, criticalMs: Math.max(...clientMs) + aggregatorMs, bytes: (messages[0] ?? '').length, mean }
}

function secaggRound(clients: Parameters[], round: number): Round {
  const bytes = new Map<string, number>()
  const dropAt = Object.fromEntries(ids.slice(0, DROP).map((id) => [id, 'collect-masked-vectors' as const]))
  const report = runSecAggRound({
    roundId: `bench-${round}`,
    updates: clients.map((parameters, i) => ({ clientId: ids[i] as string, parameters, numExamples: examples(i) })),
    dropAt,
    maxWeight: Math.max(...clients.map((_, i) => examples(i))),
    onServerMessage: (m, length) => {
      const id = (m as { clientId: string }).clientId
      bytes.set(id, (bytes.get(id) ?? 0) + length)
    },
  })
  const clientMs = Object.values(report.clientMs)
  const sum = clientMs.reduce((a, b) => a + b, 0)
  return { clientMs: sum / clientMs.length, aggregatorMs: report.serverMs, sequentialMs: sum + report.serverMs, criticalMs: report.criticalMs, bytes: bytes.get(ids[CLIENTS - 1] as string) ?? 0, mean: report.result.mean }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] as number
}

/** The median of each timing over `runs`, with the last run's bytes and mean. */
function medianRound(runs: Round[]): Round {
  const last = runs[runs.length - 1] as Round
  const pick = (k: 'clientMs' | 'aggregatorMs' | 'sequentialMs' | 'criticalMs'): number => median(runs.map((r) => r[k]))
  return { ...last, clientMs: pick('clientMs'), aggregatorMs: pick('aggregatorMs'), sequentialMs: pick('sequentialMs'), criticalMs: pick('criticalMs') }
}

function maxError(got: Parameters, want: Parameters): number {
  let worst = 0
  want.forEach((t, i) => t.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (got[i]?.[j] as number))))))
  return worst
}

const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100)
const loadAtStart = load()

// Warm up: let V8 compile the hot paths.
for (let i = 0; i < 3; i++) secaggRound(Array.from({ length: CLIENTS }, (_, c) => model(2000, c + 1)), -1 - i)

const rows: Array<Array<string | number>> = []
const results: Record<string, unknown>[] = []
const ratios: Record<string, number> = {}
for (const size of SIZES) {
  const clients = Array.from({ length: CLIENTS }, (_, i) => model(size, i + 1))
  const plainRuns: Round[] = []
  const secaggRuns: Round[] = []
  // Interleaved, so load from other work on the machine falls on both alike.
  for (let r = 0; r < REPEAT; r++) {
    plainRuns.push(plaintextRound(clients.slice(DROP)))
    secaggRuns.push(secaggRound(clients, r))
  }
  const plain = medianRound(plainRuns)
  const secagg = medianRound(secaggRuns)
  const error = maxError(secagg.mean, plain.mean)
  for (const [name, r] of [
    ['plaintext', plain],
    ['secagg+', secagg],
  ] as const) {
    rows.push([size.toLocaleString('en-US'), name, r.clientMs, r.aggregatorMs, r.sequentialMs, r.criticalMs, (r.bytes / 1e6).toFixed(2), (r.bytes / size).toFixed(2), name === 'secagg+' ? error.toExponential(1) : '-'])
  }
  const key = size >= 1e6 ? `${size / 1e6}m` : `${size / 1e3}k`
  ratios[`secaggRatio${key}`] = secagg.sequentialMs / plain.sequentialMs
  ratios[`secaggCriticalRatio${key}`] = secagg.criticalMs / plain.criticalMs
  results.push({ parameters: size, clients: CLIENTS, dropped: DROP, plaintext: { ...plain, mean: undefined }, secagg: { ...secagg, mean: undefined }, maxAbsError: error })
}
printTable(
  `SecAgg+ aggregation, ${CLIENTS} clients${DROP > 0 ? `, ${DROP} dropping after sharing keys` : ''}, median of ${REPEAT} (ms; bytes are one client's JSON messages over the round)`,
  ['params', 'round', 'client ms', 'aggregator ms', 'sequential ms', 'critical ms', 'MB/client', 'B/param', 'max abs error'],
  rows,
)
const loadAtEnd = load()
console.log(`\nload average (1/5/15 min) at start ${loadAtStart.join(' / ')}, at end ${loadAtEnd.join(' / ')}; ${availableParallelism()} CPUs`)
console.log('\nratios (secagg+ over plaintext):', Object.entries(ratios).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', '))
const path = await writeResult('fl-secagg', { clients: CLIENTS, repeat: REPEAT, dropped: DROP, loadAverage: { start: loadAtStart, end: loadAtEnd, cpus: availableParallelism() }, ...ratios, sizes: results })
console.log(`\nwrote ${path}`)
