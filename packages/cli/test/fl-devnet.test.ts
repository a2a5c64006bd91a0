/**
 * Federated learning end to end on a real devnet (a hub process and three node processes): the
 * digits dataset is split over the three nodes, a held-out part kept by the first as well, each registered with
 * `w3ai node dataset add` (nothing uploaded), `w3ai fl run --wait --json` trains FedAvg for a few
 * rounds, the accuracy on the held-out part rises, and the ONNX model it stored serves inference;
 * then the same training under CKKS, this process decrypting every round as the owner.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import type { Deployment, DatasetList, InferResponse } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import { parseJson, tempHome, w3aiInProcess } from './helpers.js'

const CLIENTS = 3
const ROUNDS = 4

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

describe('federated learning on a devnet', () => {
  let devnet: Devnet
  let home: { path: string; remove: () => Promise<void> }
  let test: string[]
  const started = Date.now()
  const cli = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => w3aiInProcess([...args, '--home', home.path])

  beforeAll(async () => {
    home = await tempHome('w3ai-fl-devnet-')
    devnet = await startDevnet({ home: home.path, nodes: CLIENTS, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200' } })
    const rows = await digitsRows()
    test = rows.slice(0, 300)
    const parts = Array.from({ length: CLIENTS }, (_, i) => rows.slice(300).filter((_, j) => j % CLIENTS === i))
    await mkdir(join(home.path, 'data'))
    for (const [i, part] of [...parts, test].entries()) {
      const file = join(home.path, 'data', `part-${i}.csv`)
      await writeFile(file, part.join('\n') + '\n')
      const name = i < CLIENTS ? `digits-${i}` : 'digits-test'
      const added = await w3aiInProcess(['node', 'dataset', 'add', name, '--path', file, '--home', devnet.nodes[i % CLIENTS]!.home, '--json'])
      expect(added.code, added.stderr).toBe(0)
    }
    expect((await cli('account', 'create', '--json')).code).toBe(0)
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
    // The whole file's duration, for the report: devnet start, training, storing and serving.
    process.stderr.write(`fl-devnet: ${((Date.now() - started) / 1000).toFixed(1)} s\n`)
  }, 60_000)

  it('learns the nodes\' datasets from their registrations (names, schemas, rows; no data)', async () => {
    const deadline = Date.now() + 20_000
    let listed: DatasetList = { datasets: [], nextCursor: null }
    while (listed.datasets.length < CLIENTS + 1 && Date.now() < deadline) {
      listed = await devnet.client.request<DatasetList>('GET', '/v1/datasets')
      await new Promise((r) => setTimeout(r, 200))
    }
    expect(listed.datasets.map((d) => d.name)).toEqual(['digits-0', 'digits-1', 'digits-2', 'digits-test'])
    expect(listed.datasets[3]).toMatchObject({ rows: 300, schema: { features: 64, shape: [64], maxLabel: 9 }, nodeStatus: 'online' })
  }, 30_000)

  it('trains FedAvg over three nodes with rising held-out accuracy and stores the model as ONNX', async () => {
    const config = {
      name: 'digits',
      model: {
        inputShape: [64],
        layers: [{ type: 'dense', units: 32, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
        optimizer: { type: 'adam', learningRate: 0.01 },
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
        batchSize: 32,
      },
      inputScale: 1 / 16,
      datasets: ['digits-0', 'digits-1', 'digits-2'],
      evaluation: { dataset: 'digits-test' },
      rounds: ROUNDS,
      localEpochs: 2,
      strategy: { name: 'fedavg' },
      seed: 1,
    }
    await writeFile(join(home.path, 'fl.json'), JSON.stringify(config))
    const run = await cli('fl', 'run', '--config', join(home.path, 'fl.json'), '--wait', '--json')
    expect(run.code, run.stderr + run.stdout).toBe(0)
    const result = parseJson<{ id: string; status: string; modelCid: string | null; rounds: Array<{ round: number; accuracy: number; loss: number; participants: number; dropouts: number }> }>(run.stdout)
    expect(result.status).toBe('succeeded')
    expect(result.rounds.map((r) => [r.round, r.participants, r.dropouts])).toEqual(Array.from({ length: ROUNDS }, (_, i) => [i + 1, CLIENTS, 0]))
    const accuracy = result.rounds.map((r) => r.accuracy)
    process.stderr.write(`fl-devnet accuracy by round: ${accuracy.map((a) => a.toFixed(3)).join(' ')}\n`)
    expect(accuracy.at(-1)!).toBeGreaterThan(accuracy[0]!)
    expect(accuracy.at(-1)!).toBeGreaterThan(0.85)
    expect(result.rounds.at(-1)!.loss).toBeLessThan(result.rounds[0]!.loss)
    expect(result.modelCid).toMatch(/^b[a-z2-7]+$/)

    const status = await cli('fl', 'status', result.id, '--json')
    expect(parseJson<{ modelCid: string }>(status.stdout).modelCid).toBe(result.modelCid)
    const ls = await cli('fl', 'ls', '--json')
    expect(parseJson<Array<{ id: string }>>(ls.stdout).map((t) => t.id)).toEqual([result.id])

    // The stored model serves: raw pixels in (the input scale is inside the ONNX graph), classes out.
    const served = await cli('model', 'serve', result.modelCid!, '--wait', '--json')
    expect(served.code, served.stderr).toBe(0)
    const deployment = parseJson<Deployment>(served.stdout)
    const sample = test.slice(0, 50).map((r) => r.split(',').map(Number))
    const input = { input: { type: 'float32', dims: [sample.length, 64], data: sample.flatMap((r) => r.slice(0, 64)) } }
    await writeFile(join(home.path, 'input.json'), JSON.stringify(input))
    const inferred = await cli('model', 'infer', deployment.id, '--input', join(home.path, 'input.json'), '--json')
    expect(inferred.code, inferred.stderr).toBe(0)
    const probabilities = Object.values(parseJson<InferResponse>(inferred.stdout).outputs)[0]!.data as number[]
    const correct = sample.filter((row, i) => {
      const p = probabilities.slice(i * 10, i * 10 + 10)
      return p.indexOf(Math.max(...p)) === row[64]
    }).length
    expect(correct / sample.length).toBeGreaterThan(0.8)
  }, 240_000)

  it('trains under ckks with this machine decrypting each round, and stores the model only it holds', async () => {
    const config = JSON.parse(await readFile(join(home.path, 'fl.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(home.path, 'fl-ckks.json'), JSON.stringify({ ...config, name: 'digits-ckks', rounds: 2, secure: 'ckks' }))
    const run = await cli('fl', 'run', '--config', join(home.path, 'fl-ckks.json'), '--wait', '--json')
    expect(run.code, run.stderr + run.stdout).toBe(0)
    const result = parseJson<{ id: string; status: string; modelCid: string | null; rounds: Array<{ participants: number; accuracy: number }> }>(run.stdout)
    expect(result.rounds.map((r) => r.participants)).toEqual([CLIENTS, CLIENTS])
    process.stderr.write(`fl-devnet ckks accuracy by round: ${result.rounds.map((r) => r.accuracy.toFixed(3)).join(' ')}\n`)
    expect(result.rounds[1]!.accuracy).toBeGreaterThan(0.85)
    expect(result.modelCid).toMatch(/^b[a-z2-7]+$/)
    // The secret key and the model key stay in the owner's home, readable by the owner only.
    const keyFile = join(home.path, 'fl', `${result.id}.json`)
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({ trainingId: result.id, secretKey: { kind: 'ckks-secret-key' }, round: 2 })
  }, 240_000)
})
