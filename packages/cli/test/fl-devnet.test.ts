/**
 * Federated learning's acceptance run on a real devnet: a hub process and ten node processes.
 * The digits dataset, less a held-out test part, is split Dirichlet(0.5) over ten clients with
 * `w3ai dataset partition`; each node registers its split with `w3ai node dataset add` (nothing is
 * uploaded; the first node also holds the test part). Then `w3ai fl run --wait --json`, each a real
 * CLI process, trains the same model with the same seed five ways, side by side on the one devnet:
 * FedAvg, FedAvg under secagg+, FedAvg under ckks (the CLI decrypting each round as the owner), and
 * decentralized over a ring and over the multigraph (the silos' mean model is what is evaluated).
 * FedAvg reaches 95% within 30 rounds, secagg+ and ckks end within half a point of it (the mean of
 * the last five rounds, as one digit of the held-out part is 0.28 points), the ring
 * reaches 93% in 30 rounds and the multigraph in 60; the stored ONNX model serves.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Deployment, DatasetList, InferResponse } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import { parseJson, tempHome, testEnv, w3ai, w3aiInProcess, type RunResult } from './helpers.js'

const CLIENTS = 10
const ROUNDS = 30
const TEST_ROWS = 360

interface Trained {
  id: string
  status: string
  modelCid: string | null
  rounds: Array<{ round: number; accuracy: number; loss: number; participants: number; dropouts: number }>
}

/** The digits rows (64 pixels 0..16, then the label), shuffled with a fixed seed. */
async function digitsRows(): Promise<string[]> {
  const text = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8')
  const rows = text.trim().split('\n')
  let state = 12345
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[rows[i], rows[j]] = [rows[j] as string, rows[i] as string]
  }
  return rows
}

/** The training every run shares; each run overrides what makes it different. */
const BASE_CONFIG = {
  model: {
    inputShape: [64],
    layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
    optimizer: { type: 'adam', learningRate: 0.01 },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    batchSize: 32,
  },
  inputScale: 1 / 16,
  datasets: Array.from({ length: CLIENTS }, (_, i) => `digits-${i}`),
  evaluation: { dataset: 'digits-test' },
  rounds: ROUNDS,
  localEpochs: 2,
  strategy: { name: 'fedavg' },
  seed: 1,
  // Ten node processes and five trainings share two cores here: nobody should miss a round.
  roundTimeoutMs: 300_000,
}

const RUNS = {
  fedavg: {},
  secagg: { secure: 'secagg+' },
  ckks: { secure: 'ckks' },
  ring: { mode: 'decentralized', topology: { arch: 'ring' } },
  // The multigraph's rounds are shorter (slow links carry a model only every few rounds) but each
  // mixes less, so it gets twice the rounds: measured here, it passes 93% after about 40.
  multigraph: { mode: 'decentralized', topology: { arch: 'multigraph' }, rounds: 2 * ROUNDS },
} as const

describe('federated learning acceptance on a devnet of ten nodes', () => {
  let devnet: Devnet
  let home: { path: string; remove: () => Promise<void> }
  let test: string[]
  let runs: Record<keyof typeof RUNS, Promise<Trained>>
  const started = Date.now()
  const cli = async (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', home.path])
  const best = (t: Trained): number => Math.max(...t.rounds.map((r) => r.accuracy))
  // The held-out part has 360 rows, so one digit is 0.28 points and a single round's accuracy moves
  // by more than half a point from round to round: where a run ends is its last five rounds' mean.
  const end = (t: Trained): number => t.rounds.slice(-5).reduce((sum, r) => sum + r.accuracy, 0) / 5

  /** `w3ai fl run --config … --wait --json` as its own process; resolves with what it printed. */
  const train = async (name: string, overrides: object): Promise<Trained> => {
    const file = join(home.path, `fl-${name}.json`)
    await writeFile(file, JSON.stringify({ ...BASE_CONFIG, name: `digits-${name}`, ...overrides }))
    const began = Date.now()
    const run = await w3ai(['fl', 'run', '--config', file, '--wait', '--json', '--home', home.path], testEnv(), 900_000)
    if (run.code !== 0) throw new Error(`fl run ${name} exited ${run.code}: ${run.stderr}${run.stdout}`)
    const result = parseJson<Trained>(run.stdout)
    process.stderr.write(`fl-devnet ${name} (${((Date.now() - began) / 1000).toFixed(0)} s): ${result.rounds.map((r) => r.accuracy.toFixed(3)).join(' ')}\n`)
    return result
  }

  beforeAll(async () => {
    home = await tempHome('w3ai-fl-devnet-')
    devnet = await startDevnet({ home: home.path, nodes: CLIENTS, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200' } })
    const rows = await digitsRows()
    test = rows.slice(0, TEST_ROWS)
    const data = join(home.path, 'data')
    await mkdir(data)
    await writeFile(join(data, 'train.csv'), rows.slice(TEST_ROWS).join('\n') + '\n')
    await writeFile(join(data, 'test.csv'), test.join('\n') + '\n')
    const split = await w3aiInProcess(['dataset', 'partition', join(data, 'train.csv'), '--clients', String(CLIENTS), '--dirichlet', '0.5', '--seed', '7', '--out', join(data, 'clients'), '--json'])
    expect(split.code, split.stderr).toBe(0)
    const summary = parseJson<{ clients: Array<{ rows: number; labels: Record<string, number> }> }>(split.stdout)
    // Label skew: some client lacks at least one digit.
    expect(summary.clients.some((c) => Object.keys(c.labels).length < 10)).toBe(true)
    for (let i = 0; i <= CLIENTS; i++) {
      const [name, file] = i < CLIENTS ? [`digits-${i}`, join(data, 'clients', `client-${i}.csv`)] : ['digits-test', join(data, 'test.csv')]
      const added = await w3aiInProcess(['node', 'dataset', 'add', name, '--path', file, '--home', devnet.nodes[i % CLIENTS]!.home, '--json'])
      expect(added.code, added.stderr).toBe(0)
    }
    expect((await cli('account', 'create', '--json')).code).toBe(0)
    const deadline = Date.now() + 30_000
    let listed: DatasetList = { datasets: [], nextCursor: null }
    while (listed.datasets.length < CLIENTS + 1 && Date.now() < deadline) {
      listed = await devnet.client.request<DatasetList>('GET', '/v1/datasets?limit=100')
      await new Promise((r) => setTimeout(r, 200))
    }
    // All five trainings run at once; each test below waits for the ones it judges.
    const entries = Object.entries(RUNS).map(([name, overrides]) => [name, train(name, overrides)] as const)
    for (const [, p] of entries) p.catch(() => undefined)
    runs = Object.fromEntries(entries) as typeof runs
  }, 240_000)

  afterAll(async () => {
    if (runs !== undefined) await Promise.allSettled(Object.values(runs))
    await devnet?.stop()
    await home?.remove()
    // The whole file's duration, for the report: devnet start, five trainings, storing and serving.
    process.stderr.write(`fl-devnet: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }, 900_000)

  it('learns the nodes\' datasets from their registrations (names, schemas, rows; no data)', async () => {
    const listed = await devnet.client.request<DatasetList>('GET', '/v1/datasets?limit=100')
    expect(listed.datasets.map((d) => d.name).sort()).toEqual([...BASE_CONFIG.datasets, 'digits-test'].sort())
    expect(listed.datasets.find((d) => d.name === 'digits-test')).toMatchObject({ rows: TEST_ROWS, schema: { features: 64, shape: [64], maxLabel: 9 }, nodeStatus: 'online' })
  })

  it('trains FedAvg over ten non-IID clients to 95% held-out accuracy within 30 rounds, and serves the ONNX model it stored', async () => {
    const result = await runs.fedavg
    expect(result.status).toBe('succeeded')
    expect(result.rounds.map((r) => [r.round, r.participants, r.dropouts])).toEqual(Array.from({ length: ROUNDS }, (_, i) => [i + 1, CLIENTS, 0]))
    expect(best(result)).toBeGreaterThanOrEqual(0.95)
    expect(result.rounds.at(-1)!.loss).toBeLessThan(result.rounds[0]!.loss)
    expect(result.modelCid).toMatch(/^b[a-z2-7]+$/)

    const status = await cli('fl', 'status', result.id, '--json')
    expect(parseJson<{ modelCid: string }>(status.stdout).modelCid).toBe(result.modelCid)
    const ls = await cli('fl', 'ls', '--json')
    expect(parseJson<Array<{ id: string }>>(ls.stdout).map((t) => t.id)).toContain(result.id)

    // The stored model serves: raw pixels in (the input scale is inside the ONNX graph), classes out.
    const served = await cli('model', 'serve', result.modelCid!, '--wait', '--json')
    expect(served.code, served.stderr).toBe(0)
    const deployment = parseJson<Deployment>(served.stdout)
    const sample = test.slice(0, 100).map((r) => r.split(',').map(Number))
    const input = { input: { type: 'float32', dims: [sample.length, 64], data: sample.flatMap((r) => r.slice(0, 64)) } }
    await writeFile(join(home.path, 'input.json'), JSON.stringify(input))
    const inferred = await cli('model', 'infer', deployment.id, '--input', join(home.path, 'input.json'), '--json')
    expect(inferred.code, inferred.stderr).toBe(0)
    const probabilities = Object.values(parseJson<InferResponse>(inferred.stdout).outputs)[0]!.data as number[]
    const correct = sample.filter((row, i) => {
      const p = probabilities.slice(i * 10, i * 10 + 10)
      return p.indexOf(Math.max(...p)) === row[64]
    }).length
    expect(correct / sample.length).toBeGreaterThan(0.9)
  }, 900_000)

  it('ends secagg+ and ckks runs of the same seed within half a point of FedAvg', async () => {
    const [plain, secagg, ckks] = await Promise.all([runs.fedavg, runs.secagg, runs.ckks])
    for (const r of [secagg, ckks]) {
      expect(r.status).toBe('succeeded')
      expect(r.rounds.map((x) => x.participants)).toEqual(Array(ROUNDS).fill(CLIENTS))
      expect(Math.abs(end(r) - end(plain)), `${end(r)} vs ${end(plain)}`).toBeLessThanOrEqual(0.005)
    }
    // Under ckks the secret key (and the model key) stay in the owner's home, readable by the owner only.
    const keyFile = join(home.path, 'fl', `${ckks.id}.json`)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({ trainingId: ckks.id, secretKey: { kind: 'ckks-secret-key' }, round: ROUNDS })
  }, 900_000)

  it('reaches 93% with no aggregator, over a ring in 30 rounds and over the multigraph in 60', async () => {
    const [ring, multigraph] = await Promise.all([runs.ring, runs.multigraph])
    for (const [r, rounds] of [[ring, ROUNDS], [multigraph, 2 * ROUNDS]] as const) {
      expect(r.status).toBe('succeeded')
      expect(r.rounds).toHaveLength(rounds)
      expect(best(r), r.rounds.map((x) => x.accuracy.toFixed(3)).join(' ')).toBeGreaterThanOrEqual(0.93)
    }
  }, 900_000)
})
