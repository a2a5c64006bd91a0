/**
 * Federated against centralized accuracy on Fashion-MNIST: FedAvg over 10 clients split
 * Dirichlet(0.5), against the same MLP trained on the pooled rows with the same budget (the same
 * number of example-passes per round, batch size and learning rate), both measured in this run on
 * the 10,000 test images after every round. Writes the two curves as a table,
 * bench/results/fl-accuracy.json and an SVG chart bench/results/fl-accuracy.svg.
 *
 *   npm run bench -- fl-accuracy [--rows 12000] [--rounds 20] [--clients 10] [--alpha 0.5] [--hidden 64] [--epochs 1] [--seed 1]
 *
 * Needs the Debian package dataset-fashion-mnist (apt-get install -y dataset-fashion-mnist).
 */
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseIdx } from '@w3ai/compute'
import { createStrategy, evaluate, initParameters, partitionRows, runSimulation, subset, trainLocally, type LabelledData, type ModelSpec } from '@w3ai/federated'
import { permutation, seededRandom } from '@w3ai/util'
import { printTable, RESULTS_DIR, writeResult } from './lib/report.js'

const DATA_DIR = '/usr/share/datasets/fashion-mnist'
const FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '12000' },
    rounds: { type: 'string', default: '20' },
    clients: { type: 'string', default: '10' },
    alpha: { type: 'string', default: '0.5' },
    hidden: { type: 'string', default: '64' },
    epochs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
})
const config = {
  rows: Number(values.rows),
  rounds: Number(values.rounds),
  clients: Number(values.clients),
  alpha: Number(values.alpha),
  hidden: Number(values.hidden),
  seed: Number(values.seed),
  train: { epochs: Number(values.epochs), batchSize: 32, learningRate: 0.1 },
}

if (FILES.some((f) => !existsSync(join(DATA_DIR, f)))) {
  console.error(`Fashion-MNIST is missing under ${DATA_DIR}: install it with \`apt-get install -y dataset-fashion-mnist\` and run the bench again.`)
  process.exit(2)
}

/** An IDX pair as simulation data, pixels scaled to [0, 1]. */
function load(images: string, labels: string): LabelledData {
  const d = parseIdx(readFileSync(join(DATA_DIR, images)), readFileSync(join(DATA_DIR, labels)))
  return { features: d.features.map((v) => v / 255), labels: Int32Array.from(d.labels), count: d.count, featureCount: d.featureCount }
}

const fullTrain = load(FILES[0]!, FILES[1]!)
const test = load(FILES[2]!, FILES[3]!)
const train = subset(fullTrain, permutation(fullTrain.count, seededRandom(config.seed)).subarray(0, Math.min(config.rows, fullTrain.count)))
const clients = partitionRows(train.labels, { clients: config.clients, scheme: { kind: 'dirichlet', alpha: config.alpha }, seed: config.seed }).map((rows) => subset(train, rows))
const spec: ModelSpec = { inputs: train.featureCount, hidden: config.hidden, classes: 10 }
const initial = initParameters(spec, seededRandom(config.seed))

let started = performance.now()
const federated = runSimulation({ strategy: createStrategy({ name: 'fedavg', minTrainClients: config.clients }), clients, test, rounds: config.rounds, seed: config.seed, hidden: config.hidden, train: config.train, initial })
const federatedMs = performance.now() - started

// The baseline: the pooled rows, one round = the same epochs over the same rows as all clients together.
started = performance.now()
let params = initial
const centralized: number[] = []
for (let round = 1; round <= config.rounds; round++) {
  params = trainLocally(spec, train, 'pooled', params, {}, config.train, seededRandom(config.seed * 1000 + round)).parameters
  centralized.push(evaluate(spec, params, test).accuracy)
}
const centralizedMs = performance.now() - started

const fedCurve = federated.rounds.map((r) => r.accuracy)
const every = Math.max(1, Math.round(config.rounds / 10))
printTable(
  `Fashion-MNIST, ${train.count} training rows, FedAvg over ${config.clients} clients Dirichlet(${config.alpha}) vs centralized, MLP ${spec.inputs}-${spec.hidden}-10, ${config.train.epochs} epoch(s) per round, test accuracy on ${test.count} images`,
  ['round', 'FedAvg', 'centralized', 'FedAvg / centralized'],
  fedCurve.map((a, i) => [i + 1, a, centralized[i]!, a / centralized[i]!]).filter((_, i) => (i + 1) % every === 0 || i === 0),
)
const last = config.rounds - 1
console.log(`\nwall time: FedAvg ${(federatedMs / 1000).toFixed(1)} s, centralized ${(centralizedMs / 1000).toFixed(1)} s`)

/** A two-line chart of accuracy per round. */
function svg(series: Array<{ name: string; color: string; values: number[] }>): string {
  const [w, h, left, bottom, top, right] = [640, 360, 50, 40, 20, 150]
  const rounds = series[0]!.values.length
  const lo = Math.floor(Math.min(...series.flatMap((s) => s.values)) * 10) / 10
  const x = (i: number) => left + ((w - left - right) * i) / Math.max(1, rounds - 1)
  const y = (v: number) => Number((top + (h - top - bottom) * (1 - (v - lo) / (1 - lo))).toFixed(1))
  const ticks = Array.from({ length: Math.round((1 - lo) * 10) + 1 }, (_, k) => lo + k / 10)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...ticks.map((t) => `<line x1="${left}" x2="${w - right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/><text x="${left - 6}" y="${y(t) + 4}" text-anchor="end">${t.toFixed(1)}</text>`),
    `<text x="${(left + w - right) / 2}" y="${h - 8}" text-anchor="middle">round (1..${rounds})</text>`,
    `<text x="14" y="${(top + h - bottom) / 2}" transform="rotate(-90 14 ${(top + h - bottom) / 2})" text-anchor="middle">test accuracy</text>`,
    ...series.map((s, k) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/><text x="${w - right + 10}" y="${top + 20 + 18 * k}" fill="${s.color}">${s.name}</text>`),
    '</svg>',
  ]
  return parts.join('\n') + '\n'
}
const chart = join(RESULTS_DIR, 'fl-accuracy.svg')
await writeFile(chart, svg([
  { name: `FedAvg (${config.clients} clients)`, color: '#1f77b4', values: fedCurve },
  { name: 'centralized', color: '#d62728', values: centralized },
]))
const path = await writeResult('fl-accuracy', {
  dataset: 'fashion-mnist',
  trainRows: train.count,
  testRows: test.count,
  ...config,
  model: `mlp ${spec.inputs}-${spec.hidden}-10`,
  fedavg: fedCurve,
  centralized,
  fedavgFinal: fedCurve[last],
  centralizedFinal: centralized[last],
  fedavgOverCentralized: fedCurve[last]! / centralized[last]!,
  federatedMs,
  centralizedMs,
  chart: 'fl-accuracy.svg',
})
console.log(`wrote ${path} and ${chart}`)
