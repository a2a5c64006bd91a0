import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as onnxModule from 'onnx-proto'
import type { Deployment, Job, ObjectSummary } from '@w3ai/protocol'
import { W3AI_BIN, type DevnetFile } from '../src/index.js'
import { checkTensors } from '../src/commands/job-inputs.js'
import { describeJob, detailText, resultSummary } from '../src/commands/job-views.js'
import type { ModelValue } from '../src/commands/model.js'
import { jobReporter } from '../src/job-progress.js'
import { freePort, parseJson, tempHome, testEnv, until, w3ai, w3aiInProcess, type RunResult } from './helpers.js'

/** Well-formed (raw, sha2-256 of "hello world") but never stored. */
const UNKNOWN_CID = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const MISSING_JOB = 'j_000000000000000000000000'
/** Three nodes hold at most three pieces per segment. */
const REDUNDANCY = ['--redundancy', '2/3']

type Home = Awaited<ReturnType<typeof tempHome>>

// onnx-proto is CommonJS: under Node's ESM loader its namespace sits on the default export.
type Onnx = typeof onnxModule.onnx
const loaded = onnxModule as unknown as { onnx?: Onnx; default?: { onnx?: Onnx } }
const onnx = (loaded.onnx ?? loaded.default?.onnx) as Onnx

/** A one-node ONNX graph: sum = a + b over float32[1,3]. */
function addModel(): Uint8Array {
  const tensor = (name: string): onnxModule.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }, { dimValue: 3 }] } } },
  })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'w3ai-cli-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'add', node: [{ opType: 'Add', input: ['a', 'b'], output: ['sum'], name: 'add' }], input: [tensor('a'), tensor('b')], output: [tensor('sum')] },
  })
  return onnx.ModelProto.encode(model).finish()
}

const TENSORS = {
  a: { type: 'float32', dims: [1, 3], data: [1, 2, 3] },
  b: { type: 'float32', dims: [1, 3], data: [10, 20, 30] },
}

function errorCode(r: RunResult): string | undefined {
  try {
    return parseJson<{ error?: { code: string } }>(r.stdout).error?.code
  } catch {
    return undefined
  }
}

/**
 * A WASI command that sleeps forever, one second at a time (poll_oneoff on a relative monotonic
 * clock), without using the CPU: a job running it stays queued or running until it is cancelled,
 * whether or not the nodes run tasks yet. Compiled with wat2wasm from:
 *
 *   (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
 *   (memory (export "memory") 1)
 *   (data (i32.const 16) "\01\00\00\00\00\00\00\00\00\ca\9a\3b\00\00\00\00")  ;; clock 1, 1e9 ns
 *   (func (export "_start") (loop $forever (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))) (br $forever)))
 */
const SLEEPING_WASM = Buffer.from(
  '0061736d01000000010c0260047f7f7f7f017f60000002260116776173695f736e617073686f745f70726576696577310b706f6c6c5f6f6e656f6666000003020101050301' +
    '0001071302066d656d6f72790200065f737461727400010a160114000340410041c000410141800110001a0c000b0b0b16010041100b10010000000000000000ca9a3b00000000',
  'hex',
)
/** A job that has not finished: nodes with a task runner may already have leased it. */
const UNFINISHED = ['queued', 'running']

/**
 * One detached devnet of three nodes for the file, an owner account and a second account. The
 * flows users run (model add, job run, --wait) go through the real `w3ai` binary; the many
 * look-ups and error checks run main() in-process, which is the same code without a tsx start-up.
 */
describe('w3ai model and job on a devnet of three nodes', () => {
  let home: Home
  let otherHome: Home
  let files: string
  let devnet: DevnetFile
  let modelCid: string
  let moduleCid: string
  let inputCid: string
  const ownerProcess = (...args: string[]): Promise<RunResult> => w3ai([...args, '--home', home.path])
  /** In-process: one call at a time (it captures this process's stdout). */
  const owner = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', home.path, '--hub', devnet.hub.url])
  const other = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', otherHome.path, '--hub', devnet.hub.url])

  async function ok<T>(run: Promise<RunResult>): Promise<T> {
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }

  /** Runs in-process calls one after another. */
  async function inTurn(calls: Array<() => Promise<RunResult>>): Promise<RunResult[]> {
    const results: RunResult[] = []
    for (const call of calls) results.push(await call())
    return results
  }

  const put = async (name: string, bytes: Uint8Array): Promise<string> => {
    const path = join(files, name)
    await writeFile(path, bytes)
    return (await ok<ObjectSummary>(owner('storage', 'put', path, ...REDUNDANCY, '--json'))).cid
  }

  const jobCount = async (): Promise<number> => (await ok<Job[]>(owner('job', 'ls', '--json'))).length

  /** A fresh wasm job of the owner that never finishes by itself. */
  const submitSleeping = (): Promise<Job> => ok<Job>(owner('job', 'run', 'wasm', '--module', moduleCid, '--input', inputCid, '--json'))

  beforeAll(async () => {
    home = await tempHome('w3ai-jobs-')
    otherHome = await tempHome('w3ai-jobs-bob-')
    files = join(home.path, 'files')
    await mkdir(files)
    const up = await ownerProcess('up', '--detach', '--nodes', '3', '--port', String(await freePort()), '--json')
    if (up.code !== 0) throw new Error(`w3ai up failed: ${up.stdout}${up.stderr}`)
    devnet = parseJson<DevnetFile>(up.stdout)
    const [alice, bob] = await inTurn([() => owner('account', 'create', '--name', 'alice', '--json'), () => other('account', 'create', '--name', 'bob', '--json')])
    if (alice!.code !== 0 || bob!.code !== 0) throw new Error(`account create failed: ${alice!.stdout}${alice!.stderr}${bob!.stdout}${bob!.stderr}`)
    const model = join(files, 'add.onnx')
    await writeFile(model, addModel())
    moduleCid = await put('sleep.wasm', SLEEPING_WASM)
    inputCid = await put('input.bin', randomBytes(100))
    modelCid = (await ok<ObjectSummary>(owner('model', 'add', model, ...REDUNDANCY, '--json'))).cid
  }, 120_000)

  afterAll(async () => {
    if (devnet !== undefined) await ownerProcess('down')
    await Promise.all([home?.remove(), otherHome?.remove()])
  })

  it('adds an ONNX model: stored in W3S, with its input and output tensors', async () => {
    const path = join(files, 'add.onnx')
    const [json, human] = await Promise.all([ownerProcess('model', 'add', path, ...REDUNDANCY, '--name', 'add.onnx', '--json'), ownerProcess('model', 'add', path, ...REDUNDANCY)])
    expect(json.code, json.stdout + json.stderr).toBe(0)
    const added = parseJson<ObjectSummary & { inputs: ModelValue[]; outputs: ModelValue[] }>(json.stdout)
    expect(added).toMatchObject({ cid: expect.stringMatching(/^b[a-z2-7]+$/), name: 'add.onnx', size: addModel().length, redundancy: { k: 2, n: 3 } })
    expect(added.inputs).toEqual([
      { name: 'a', type: 'float32', shape: [1, 3] },
      { name: 'b', type: 'float32', shape: [1, 3] },
    ])
    expect(added.outputs.map((o) => o.name)).toEqual(['sum'])
    expect(json.stderr).not.toContain('uploading')

    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^stored model b[a-z2-7]+$/m)
    expect(human.stdout).toMatch(/^inputs\s+a float32\[1,3\], b float32\[1,3\]$/m)
    expect(human.stdout).toMatch(/^outputs\s+sum float32\[1,3\]$/m)
    expect(human.stderr).toMatch(/uploading .* \(100%\)/)
  })

  it('refuses a file that is not an ONNX model, before uploading anything', async () => {
    const path = join(files, 'notes.onnx')
    await writeFile(path, 'certainly not a protobuf')
    const before = (await ok<ObjectSummary[]>(owner('storage', 'ls', '--json'))).length
    const r = await owner('model', 'add', path, ...REDUNDANCY, '--json')
    expect([r.code, errorCode(r)]).toEqual([2, 'CLI_BAD_ARGUMENT'])
    expect(parseJson<{ error: { message: string } }>(r.stdout).error.message).toContain('not an ONNX model')
    expect((await ok<ObjectSummary[]>(owner('storage', 'ls', '--json'))).length).toBe(before)
  })

  it('serves a model: serve --wait, infer, deployments, status and stop; bad arguments refused with codes', async () => {
    const served = await ok<Deployment>(ownerProcess('model', 'serve', modelCid, '--wait', '--json'))
    expect(served).toMatchObject({ status: 'ready', model: modelCid, maxBatch: 256 })
    expect(served.io?.inputs.map((i) => i.name)).toEqual(['a', 'b'])
    const input = join(files, 'serve-input.json')
    await writeFile(input, JSON.stringify(TENSORS))
    const answer = await ok<{ outputs: Record<string, unknown>; nodeId: string }>(ownerProcess('model', 'infer', served.id, '--input', input, '--json'))
    expect(answer.outputs.sum).toEqual({ type: 'float32', dims: [1, 3], data: [11, 22, 33] })
    expect(served.replicas.map((r) => r.nodeId)).toContain(answer.nodeId)
    const human = await owner('model', 'infer', served.id, '--input', input)
    expect(human.stdout).toMatch(/^sum float32\[1,3\] \[11,22,33\]$/m)
    const direct = await ok<{ outputs: Record<string, unknown>; nodeId: string }>(owner('model', 'infer', served.id, '--input', input, '--direct', '--json'))
    expect(direct.outputs.sum).toEqual({ type: 'float32', dims: [1, 3], data: [11, 22, 33] })
    expect(served.replicas.map((r) => r.nodeId)).toContain(direct.nodeId)
    expect(errorCode(await other('model', 'infer', served.id, '--input', input, '--direct', '--json'))).toBe('DEPLOYMENT_NOT_FOUND')
    expect((await ok<Deployment[]>(owner('model', 'deployments', '--json'))).map((d) => d.id)).toContain(served.id)
    expect((await owner('model', 'deployments')).stdout).toMatch(new RegExp(`^${served.id}\\s+ready\\s+1/1`, 'm'))
    expect((await owner('model', 'status', served.id)).stdout).toMatch(/^inputs\s+a float32\[1,3\], b float32\[1,3\]$/m)

    const wrong = join(files, 'wrong-shape.json')
    await writeFile(wrong, JSON.stringify({ a: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] }, b: TENSORS.b }))
    const refused: Array<[string[], string]> = [
      [['model', 'serve', 'not-a-cid'], 'STORAGE_BAD_CID'],
      [['model', 'serve', modelCid, '--replicas', '0'], 'CLI_BAD_ARGUMENT'],
      [['model', 'serve', modelCid, '--max-batch', '5000'], 'CLI_BAD_ARGUMENT'],
      [['model', 'serve', UNKNOWN_CID], 'STORAGE_OBJECT_NOT_FOUND'],
      [['model', 'infer', 'd_bad', '--input', input], 'CLI_BAD_ARGUMENT'],
      [['model', 'infer', served.id, '--input', join(files, 'missing.json')], 'CLI_BAD_ARGUMENT'],
      [['model', 'infer', 'd_000000000000000000000000', '--input', input], 'DEPLOYMENT_NOT_FOUND'],
      [['model', 'infer', served.id, '--input', wrong], 'COMPUTE_SHAPE_MISMATCH'],
      [['model', 'status', 'd_000000000000000000000000'], 'DEPLOYMENT_NOT_FOUND'],
      [['model', 'heal', 'd_bad'], 'CLI_BAD_ARGUMENT'],
      [['model', 'heal', served.id], 'DEPLOYMENT_INVALID_STATE'],
    ]
    for (const [args, code] of refused) {
      const r = await owner(...args, '--json')
      expect([errorCode(r), r.code === 0], args.join(' ')).toEqual([code, false])
    }
    expect(errorCode(await other('model', 'infer', served.id, '--input', input, '--json'))).toBe('DEPLOYMENT_NOT_FOUND')
    expect((await ok<Deployment>(owner('model', 'stop', served.id, '--json'))).status).toBe('stopped')
    expect(errorCode(await owner('model', 'stop', served.id, '--json'))).toBe('DEPLOYMENT_INVALID_STATE')
    expect(errorCode(await owner('model', 'infer', served.id, '--input', input, '--json'))).toBe('DEPLOYMENT_INVALID_STATE')
  }, 120_000)

  it('trains with --wait, stores the trained model in W3S, then serves it', async () => {
    const rows = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8').trim().split('\n').slice(0, 400)
    const dataset = await put('digits-400.csv', Buffer.from(rows.join('\n')))
    const spec = join(files, 'digits-mlp.json')
    await writeFile(spec, JSON.stringify({ inputShape: [64], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.02 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 3, batchSize: 32, seed: 3 }))
    const trained = await ok<Job & { model: { onnx: string; tfjs: string } }>(ownerProcess('job', 'run', 'train', '--spec', spec, '--dataset', dataset, '--wait', ...REDUNDANCY, '--json'))
    expect(trained.status).toBe('succeeded')
    expect(trained.model.onnx).toMatch(/^b[a-z2-7]+$/)
    expect((await ok<ObjectSummary[]>(owner('storage', 'ls', '--json'))).map((o) => o.cid)).toEqual(expect.arrayContaining([trained.model.onnx, trained.model.tfjs]))
    const served = await ok<Deployment>(ownerProcess('model', 'serve', trained.model.onnx, '--wait', '--json'))
    expect(served.io?.inputs[0]).toMatchObject({ type: 'float32', shape: ['batch', 64] })
    const input = join(files, 'digit.json')
    await writeFile(input, JSON.stringify({ input: { type: 'float32', dims: [1, 64], data: rows[0]!.split(',').slice(0, 64).map(Number) } }))
    const answer = await ok<{ outputs: { output: { dims: number[]; data: number[] } } }>(owner('model', 'infer', served.id, '--input', input, '--json'))
    expect(answer.outputs.output.dims).toEqual([1, 10])
    expect(answer.outputs.output.data.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
    await ok<Deployment>(owner('model', 'stop', served.id, '--json'))
  }, 180_000)

  it('trains with --verify 2 --wait: two nodes train the same seeded spec and their results agree (issue 8 B2)', async () => {
    const rows = gunzipSync(await readFile(new URL('../../compute/data/digits.csv.gz', import.meta.url))).toString('utf8').trim().split('\n').slice(0, 120)
    const dataset = await put('digits-120.csv', Buffer.from(rows.join('\n')))
    const spec = join(files, 'digits-tiny.json')
    await writeFile(spec, JSON.stringify({ inputShape: [64], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.02 }, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], epochs: 2, batchSize: 32, seed: 5 }))
    const trained = await ok<Job>(ownerProcess('job', 'run', 'train', '--spec', spec, '--dataset', dataset, '--verify', '2', '--wait', ...REDUNDANCY, '--json'))
    expect(trained.status).toBe('succeeded')
    expect(trained.replicas).toBe(2)
    // Each replica's result carries its own wall-clock durationMs; they agree on the rest, bit for bit.
    expect(trained.verification?.agreed).toBe(true)
    expect(trained.verification?.digests).toHaveLength(2)
    expect(new Set(trained.verification?.digests).size).toBe(1)
    const ran = new Set(trained.history.filter((e) => e.kind === 'succeeded').map((e) => e.nodeId))
    expect(ran.size).toBe(2)
  }, 180_000)

  it('submits a wasm job, shows it with status, logs and ls, and cancels it once', async () => {
    const submitted = await ownerProcess('job', 'run', 'wasm', '--module', moduleCid, '--input', inputCid, '--json')
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0)
    const job = parseJson<Job>(submitted.stdout)
    expect(job.id).toMatch(/^j_[0-9a-f]{24}$/)
    expect(job).toMatchObject({ executor: 'wasm', inputs: { module: moduleCid, input: inputCid }, finishedAt: null, result: null })
    expect(UNFINISHED).toContain(job.status)

    const [status, statusText, logs, logsText, list, listText] = await inTurn([
      () => owner('job', 'status', job.id, '--json'),
      () => owner('job', 'status', job.id),
      () => owner('job', 'logs', job.id, '--json'),
      () => owner('job', 'logs', job.id),
      () => owner('job', 'ls', '--json'),
      () => owner('job', 'ls'),
    ])
    const shown = parseJson<Job>(status!.stdout)
    expect(shown).toMatchObject({ id: job.id, verification: null, result: null })
    expect(UNFINISHED).toContain(shown.status)
    expect(shown.replicas).toBeGreaterThanOrEqual(1)
    expect(statusText!.stdout).toMatch(/^status\s+(queued|running)$/m)
    expect(statusText!.stdout).toMatch(new RegExp(`^inputs\\s+.*module=${moduleCid}`, 'm'))

    const history = parseJson<Job['history']>(logs!.stdout)
    expect(history[0]).toMatchObject({ kind: 'queued', taskId: expect.stringMatching(/^t_/) })
    expect(logsText!.stdout).toMatch(/^TIME\s+KIND\s+TASK\s+NODE\s+DETAIL$/m)
    expect(logsText!.stdout).toMatch(/\squeued\s+t_[0-9a-f]+\s/)

    expect(parseJson<Job[]>(list!.stdout).find((j) => j.id === job.id)).toMatchObject({ executor: 'wasm' })
    expect(listText!.stdout).toMatch(/^ID\s+EXECUTOR\s+STATUS\s+CREATED\s+FINISHED$/m)
    expect(listText!.stdout).toMatch(new RegExp(`^${job.id}\\s+wasm\\s+(queued|running)\\s+\\S+\\s+-$`, 'm'))

    const cancelled = await ok<Job>(owner('job', 'cancel', job.id, '--json'))
    expect(cancelled).toMatchObject({ id: job.id, status: 'cancelled', finishedAt: expect.any(String) })
    expect(cancelled.history.map((e) => e.kind)).toContain('cancelled')
    const again = await owner('job', 'cancel', job.id, '--json')
    expect([again.code, errorCode(again)]).toEqual([1, 'JOB_INVALID_STATE'])
    expect((await owner('job', 'cancel', job.id)).stderr).toMatch(/^error JOB_INVALID_STATE: Job j_[0-9a-f]+ already cancelled/)
  })

  it('--wait shows progress on stderr and exits 1 with a code when the job does not succeed', async () => {
    const child = spawn(process.execPath, [W3AI_BIN, 'job', 'run', 'wasm', '--module', moduleCid, '--input', inputCid, '--wait', '--home', home.path], {
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    const closed = once(child, 'close') as Promise<[number | null]>
    const id = await until(() => /^job (j_[0-9a-f]{24}) (queued|running): queued t_/m.exec(stderr)?.[1], 30_000, 'the first progress line')
    await ok<Job>(owner('job', 'cancel', id, '--json'))
    const [code] = await closed
    expect(code, stderr).toBe(1)
    expect(stderr).toMatch(new RegExp(`^job ${id} cancelled: cancelled t_[0-9a-f]+ \\(job cancelled\\)$`, 'm'))
    expect(stderr).toMatch(/^error JOB_INVALID_STATE: Job j_[0-9a-f]+ was cancelled/m)
    expect(stdout).toMatch(/^status\s+cancelled$/m)
  })

  it('submits onnx jobs with inline tensors or a stored input, and train jobs with a spec', async () => {
    const tensors = join(files, 'tensors.json')
    const spec = join(files, 'spec.json')
    await Promise.all([writeFile(tensors, JSON.stringify(TENSORS)), writeFile(spec, JSON.stringify({ inputShape: [3], layers: [{ type: 'dense', units: 1 }], optimizer: { type: 'sgd' }, loss: 'meanSquaredError', epochs: 1 }))])
    const [inline, stored, train, human] = await inTurn([
      () => owner('job', 'run', 'onnx', '--model', modelCid, '--input', tensors, '--verify', '2', '--tolerance', '0.001', '--priority', '-3', '--json'),
      () => owner('job', 'run', 'onnx', '--model', modelCid, '--input', inputCid, '--max-attempts', '1', '--json'),
      () => owner('job', 'run', 'train', '--spec', spec, '--dataset', inputCid, '--max-attempts', '1', '--json'),
      () => owner('job', 'run', 'onnx', '--model', modelCid, '--input', tensors),
    ])
    const [a, b, c] = await Promise.all([inline, stored, train].map((r) => ok<Job>(Promise.resolve(r!))))
    expect(a).toMatchObject({ executor: 'onnx', replicas: 2, inputs: { model: modelCid } })
    expect(b).toMatchObject({ executor: 'onnx', inputs: { model: modelCid, input: inputCid } })
    expect(c).toMatchObject({ executor: 'train', inputs: { dataset: inputCid } })
    for (const j of [a!, b!, c!]) expect(UNFINISHED).toContain(j.status)
    expect(human!.stdout).toMatch(/^submitted j_[0-9a-f]{24} \((queued|running)\)$/m)
  })

  it('runs an ONNX model to its result with --wait --json', async () => {
    const tensors = join(files, 'tensors.json')
    const wrong = join(files, 'wrong.json')
    await Promise.all([writeFile(tensors, JSON.stringify(TENSORS)), writeFile(wrong, JSON.stringify({ x: TENSORS.a }))])
    // Devnet nodes run tasks: a job that is never leased is a failure here, not a reason to skip.
    const good = await owner('job', 'run', 'onnx', '--model', modelCid, '--input', tensors, '--wait', '--json', '--timeout', '60')
    expect(good.code, good.stdout + good.stderr).toBe(0)
    expect(parseJson<Job>(good.stdout)).toMatchObject({ status: 'succeeded', error: null, result: { outputs: { sum: { type: 'float32', dims: [1, 3], data: [11, 22, 33] } } } })
    expect(good.stderr, '--json keeps stderr quiet').toBe('')
    const bad = await owner('job', 'run', 'onnx', '--model', modelCid, '--input', wrong, '--wait', '--json', '--timeout', '60')
    expect(bad.code, bad.stdout + bad.stderr).toBe(1)
    expect(parseJson<Job>(bad.stdout)).toMatchObject({ status: 'failed', error: { code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) } })
  })

  it('checks tensor and spec files before submitting anything', async () => {
    const bad = async (name: string, content: string): Promise<string> => {
      const path = join(files, name)
      await writeFile(path, content)
      return path
    }
    const paths = await Promise.all([
      bad('short.json', JSON.stringify({ a: { type: 'float32', dims: [1, 3], data: [1, 2] } })),
      bad('negative.json', JSON.stringify({ a: { type: 'float32', dims: [-1, 3], data: [] } })),
      bad('type.json', JSON.stringify({ a: { type: 'float99', dims: [1], data: [1] } })),
      bad('broken.json', '{"a": '),
    ])
    const spec = await bad('spec-broken.json', 'layers: [dense]')
    const before = await jobCount()
    const runs = await inTurn([
      ...paths.map((p) => () => owner('job', 'run', 'onnx', '--model', modelCid, '--input', p, '--json')),
      () => owner('job', 'run', 'onnx', '--model', modelCid, '--input', join(files, 'missing.json'), '--json'),
      () => owner('job', 'run', 'train', '--spec', spec, '--dataset', inputCid, '--json'),
    ])
    expect(runs.map((r) => [r.code, errorCode(r)])).toEqual(runs.map(() => [2, 'CLI_BAD_ARGUMENT']))
    const real = await ownerProcess('job', 'run', 'onnx', '--model', modelCid, '--input', paths[0]!, '--json')
    expect([real.code, errorCode(real)]).toEqual([2, 'CLI_BAD_ARGUMENT'])
    expect(await jobCount()).toBe(before)
  })

  it('rejects unknown, malformed and unreachable inputs with stable codes', async () => {
    const cases: Array<[string[], string, number]> = [
      [['run', 'wasm', '--module', UNKNOWN_CID, '--input', inputCid], 'STORAGE_OBJECT_NOT_FOUND', 1],
      [['run', 'onnx', '--model', UNKNOWN_CID], 'STORAGE_OBJECT_NOT_FOUND', 1],
      [['run', 'wasm', '--module', 'not-a-cid', '--input', inputCid], 'STORAGE_BAD_CID', 1],
      [['run', 'onnx', '--model', modelCid, '--input', 'bafy-nope'], 'STORAGE_BAD_CID', 1],
      [['run', 'wasm', '--module', moduleCid, '--input', inputCid, '--verify', '9'], 'CLI_BAD_ARGUMENT', 2],
      [['run', 'wasm', '--module', moduleCid, '--input', inputCid, '--verify', '5'], 'COMPUTE_NOT_ENOUGH_NODES', 1],
      [['status', MISSING_JOB], 'JOB_NOT_FOUND', 1],
      [['logs', MISSING_JOB], 'JOB_NOT_FOUND', 1],
      [['cancel', MISSING_JOB], 'JOB_NOT_FOUND', 1],
    ]
    const before = await jobCount()
    const results = await inTurn(cases.map(([args]) => () => owner('job', ...args, '--json')))
    results.forEach((r, i) => {
      const [args, code, exit] = cases[i]!
      expect({ args, code: errorCode(r), exit: r.code }).toEqual({ args, code, exit })
    })
    const real = await ownerProcess('job', 'status', MISSING_JOB)
    expect([real.code, real.stderr]).toEqual([1, expect.stringMatching(/^error JOB_NOT_FOUND: /)])
    expect(await jobCount()).toBe(before)
  })

  it('keeps jobs and their inputs private to their owner', async () => {
    const job = await submitSleeping()
    const [status, logs, cancel, list, run] = await inTurn([
      () => other('job', 'status', job.id, '--json'),
      () => other('job', 'logs', job.id, '--json'),
      () => other('job', 'cancel', job.id, '--json'),
      () => other('job', 'ls', '--json'),
      () => other('job', 'run', 'wasm', '--module', moduleCid, '--input', inputCid, '--json'),
    ])
    expect([status, logs, cancel].map((r) => errorCode(r!))).toEqual(['JOB_NOT_FOUND', 'JOB_NOT_FOUND', 'JOB_NOT_FOUND'])
    expect(parseJson<Job[]>(list!.stdout).map((j) => j.id)).not.toContain(job.id)
    expect(errorCode(run!)).toBe('STORAGE_ACCESS_DENIED')
    expect((await ok<Job>(owner('job', 'cancel', job.id, '--json'))).status).toBe('cancelled')
  })
})

describe('argument checking of w3ai model and job', () => {
  let home: Home
  const hub = ['--hub', 'http://127.0.0.1:1']
  beforeAll(async () => {
    home = await tempHome()
    await writeFile(join(home.path, 'ok.json'), JSON.stringify(TENSORS))
    await writeFile(join(home.path, 'not.onnx'), 'x')
  })
  afterAll(async () => home.remove())

  const cid = UNKNOWN_CID
  it.each([
    [['job', 'run', 'onnx', '--input', 'OK'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', 'x'], 'STORAGE_BAD_CID'],
    [['job', 'run', 'onnx', '--model', cid, '--verify', '0'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', cid, '--verify', '1.5'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', cid, '--tolerance', '2'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', cid, '--priority', '11'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', cid, '--max-attempts', '0'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'onnx', '--model', cid, '--wait', '--timeout', '0'], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'train', '--dataset', cid], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'train', '--spec', 'OK', '--dataset', 'x'], 'STORAGE_BAD_CID'],
    [['job', 'run', 'train', '--spec', 'HOME', '--dataset', cid], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'wasm', '--module', cid], 'CLI_BAD_ARGUMENT'],
    [['job', 'run', 'he'], 'CLI_BAD_ARGUMENT'],
    [['job', 'status', 'j_123'], 'CLI_BAD_ARGUMENT'],
    [['job', 'cancel'], 'CLI_BAD_ARGUMENT'],
    [['model', 'add', 'nope.onnx'], 'CLI_BAD_ARGUMENT'],
    [['model', 'add', 'NOT_ONNX'], 'CLI_BAD_ARGUMENT'],
  ])('w3ai %j → %s', async (args, code) => {
    const paths: Record<string, string> = { OK: join(home.path, 'ok.json'), HOME: home.path, NOT_ONNX: join(home.path, 'not.onnx') }
    const r = await w3aiInProcess([...args.map((a) => paths[a] ?? a), ...hub, '--home', home.path, '--json'])
    expect(parseJson<{ error: { code: string } }>(r.stdout).error.code).toBe(code)
    expect(r.code).toBe(code === 'CLI_BAD_ARGUMENT' ? 2 : 1)
  })

  it('says IDENTITY_NOT_FOUND before contacting the hub, for every job command', async () => {
    const ok = join(home.path, 'ok.json')
    for (const args of [['run', 'onnx', '--model', cid, '--input', ok], ['run', 'wasm', '--module', cid, '--input', cid], ['status', MISSING_JOB], ['logs', MISSING_JOB], ['cancel', MISSING_JOB], ['ls']]) {
      const r = await w3aiInProcess(['job', ...args, ...hub, '--home', home.path])
      expect(r.code, args[0]).toBe(1)
      expect(r.stderr, args[0]).toBe(`error IDENTITY_NOT_FOUND: No identity in ${home.path}; run \`w3ai account create\`.\n`)
    }
  })
})

describe('tensor files', () => {
  it('accepts tensors whose data fills their dims', () => {
    expect(checkTensors(TENSORS, 'in.json')).toBe(TENSORS)
    expect(() => checkTensors({ s: { type: 'float32', dims: [], data: [1] }, e: { type: 'int64', dims: [0, 4], data: [] } }, 'f')).not.toThrow()
    expect(() => checkTensors({ i: { type: 'int64', dims: [2], data: ['9007199254740993', -1] }, b: { type: 'bool', dims: [2], data: [true, 0] } }, 'f')).not.toThrow()
  })

  it.each([
    [[], 'must be a JSON object of tensors'],
    [{}, 'must be a JSON object of tensors'],
    [{ a: [1, 2] }, 'must be an object with type, dims and data'],
    [{ a: { dims: [1], data: [1] } }, 'type must be one of'],
    [{ a: { type: 'float32', dims: [1.5], data: [1] } }, 'dims must be an array of non-negative integers'],
    [{ a: { type: 'float32', dims: '3', data: [1, 2, 3] } }, 'dims must be an array of non-negative integers'],
    [{ a: { type: 'float32', dims: [2, 2], data: [1, 2, 3] } }, 'dims [2,2] hold 4 values but data has 3'],
    [{ a: { type: 'float32', dims: [1], data: 'x' } }, 'data as a string must be base64'],
    [{ a: { type: 'float32', dims: [1], data: 7 } }, 'data must be an array'],
    [{ a: { type: 'float32', dims: [2], data: [1, 'x'] } }, 'data[1] = "x" is not a float32 value'],
    [{ a: { type: 'int32', dims: [1], data: [0.5] } }, 'data[0] = 0.5 is not a int32 value'],
  ])('%j is CLI_BAD_ARGUMENT: %s', (value, message) => {
    expect(() => checkTensors(value, 'in.json')).toThrow(expect.objectContaining({ code: 'CLI_BAD_ARGUMENT', message: expect.stringContaining(message) }))
  })
})

describe('job views and --wait progress', () => {
  const job = (over: Partial<Job>): Job => ({
    id: 'j_0123456789abcdef01234567',
    owner: 'a_0123456789abcdef0123',
    executor: 'onnx',
    status: 'queued',
    replicas: 2,
    inputs: { model: UNKNOWN_CID },
    createdAt: '2025-01-01T00:00:00.000Z',
    finishedAt: null,
    result: null,
    error: null,
    verification: null,
    history: [],
    ...over,
  })
  const event = (kind: string, taskId: string, nodeId: string | null, detail: unknown = null): Job['history'][number] => ({ at: '2025-01-01T00:00:01.000Z', kind, taskId, nodeId, detail })

  it('prints one line per new event or status change when stderr is not a terminal', () => {
    const lines: string[] = []
    const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream
    const r = jobReporter({ quiet: false, stream })
    const queued = [event('queued', 't_1', null, { assignedNode: 'n_1' }), event('queued', 't_2', null)]
    r.onUpdate(job({ history: queued }))
    r.onUpdate(job({ history: queued }))
    r.onUpdate(job({ status: 'running', history: [...queued, event('leased', 't_1', 'n_1', { attempt: 1 })] }))
    r.onUpdate(job({ status: 'running', history: [...queued, event('leased', 't_1', 'n_1', { attempt: 1 }), event('expired', 't_1', 'n_1', { code: 'LEASE_EXPIRED' })] }))
    r.onUpdate(job({ status: 'failed', history: [...queued, event('leased', 't_1', 'n_1', { attempt: 1 }), event('expired', 't_1', 'n_1', { code: 'LEASE_EXPIRED' })] }))
    r.done()
    expect(lines).toEqual([
      'job j_0123456789abcdef01234567 queued: queued t_1 (assignedNode=n_1)\n',
      'job j_0123456789abcdef01234567 queued: queued t_2\n',
      'job j_0123456789abcdef01234567 running: leased t_1 on n_1 (attempt=1)\n',
      'job j_0123456789abcdef01234567 running: expired t_1 on n_1 (LEASE_EXPIRED)\n',
      'job j_0123456789abcdef01234567 failed\n',
    ])
  })

  it('prints nothing when quiet (--json)', () => {
    const lines: string[] = []
    const stream = { isTTY: false, write: (s: string) => lines.push(s) > 0 } as unknown as NodeJS.WriteStream
    jobReporter({ quiet: true, stream }).onUpdate(job({ history: [event('queued', 't_1', null)] }))
    expect(lines).toEqual([])
  })

  it('summarises tensor results, verification and errors', () => {
    expect(resultSummary({ outputs: { sum: { type: 'float32', dims: [1, 3], data: [11, 22, 33] } } })).toBe('outputs sum float32[1,3]')
    expect(resultSummary(null)).toBe('-')
    expect(detailText({ digest: 'fe8bd8ad34959769d7c051f1da5e020139814334c6e15d1284d5a7f32ea4e676' })).toBe('digest=fe8bd8ad34959769…')
    expect(detailText({ code: 'LEASE_EXPIRED' })).toBe('LEASE_EXPIRED')
    expect(detailText({ reason: 'job cancelled' })).toBe('job cancelled')
    expect(detailText({ nested: { a: 1 } })).toBe('{"nested":{"a":1}}')
    const text = describeJob(
      job({ status: 'failed', error: { code: 'COMPUTE_VERIFICATION_FAILED', message: 'The replicas disagreed.' }, verification: { agreed: false, digests: ['abcdef0123456789', null] } }),
    )
    expect(text).toMatch(/^verification\s+not agreed across 2 result\(s\): abcdef012345, -$/m)
    expect(text).toMatch(/^error\s+COMPUTE_VERIFICATION_FAILED: The replicas disagreed\.$/m)
  })
})
