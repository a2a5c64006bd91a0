/**
 * `w3ai pipeline run|collect|show|ls` on a devnet of three nodes: a logistic regression stored with
 * `w3ai model add` runs over rows read from a CSV file under both privacy levels, each a real CLI
 * process, and the decrypted outputs match the plaintext model. Refusals that need the hub (a model
 * HE cannot run, a model that is not there) leave no pipeline behind.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as onnxModule from 'onnx-proto'
import type { ObjectSummary } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDevnet, type Devnet } from '../src/index.js'
import { parseJson, tempHome, testEnv, w3ai, w3aiInProcess, type RunResult } from './helpers.js'

type Onnx = typeof onnxModule.onnx
const loaded = onnxModule as unknown as { onnx?: Onnx; default?: { onnx?: Onnx } }
const onnx = (loaded.onnx ?? loaded.default?.onnx) as Onnx

const WEIGHTS = [0.8, -1.2, 0.5, 2.0]
const BIAS = -0.3
const ROWS = 40
const UNKNOWN_CID = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'

/** y = sigmoid(x · W + b) over float32[N, 4] → [N, 1]: Gemm then Sigmoid. */
function logisticModel(): Uint8Array {
  const FLOAT = onnx.TensorProto.DataType.FLOAT
  const value = (name: string, dims: Array<number | string>): onnxModule.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'w3ai-cli-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'logistic',
      node: [
        { opType: 'Gemm', input: ['x', 'W', 'B'], output: ['logit'], name: 'gemm' },
        { opType: 'Sigmoid', input: ['logit'], output: ['y'], name: 'sigmoid' },
      ],
      initializer: [
        { name: 'W', dims: [WEIGHTS.length, 1], dataType: FLOAT, floatData: WEIGHTS },
        { name: 'B', dims: [1], dataType: FLOAT, floatData: [BIAS] },
      ],
      input: [value('x', ['N', WEIGHTS.length])],
      output: [value('y', ['N', 1])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}

/** A one-node graph HE does not run: y = x + x. */
function addModel(): Uint8Array {
  const value = (name: string): onnxModule.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } },
  })
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: { name: 'add', node: [{ opType: 'Add', input: ['x', 'x'], output: ['y'] }], input: [value('x')], output: [value('y')] },
  })
  return onnx.ModelProto.encode(model).finish()
}

/** Rows of four features in -2..2 from a fixed seed. */
function rows(): number[][] {
  let state = 2024
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  return Array.from({ length: ROWS }, () => WEIGHTS.map(() => Math.round((random() * 4 - 2) * 1000) / 1000))
}

const plaintext = (row: number[]): number => 1 / (1 + Math.exp(-(row.reduce((sum, x, i) => sum + x * (WEIGHTS[i] as number), 0) + BIAS)))

interface RunJson {
  pipelineId: string
  jobIds: string[]
  privacy: string
  rows: number
  outputs: number[][]
}

describe('w3ai pipeline on a devnet of three nodes', () => {
  let devnet: Devnet
  let home: Awaited<ReturnType<typeof tempHome>>
  let modelCid: string
  let addCid: string
  let input: string
  const data = rows()
  const cli = (...args: string[]): Promise<RunResult> => w3aiInProcess([...args, '--home', home.path])

  async function ok<T>(run: Promise<RunResult>): Promise<T> {
    const r = await run
    expect(r.code, r.stdout + r.stderr).toBe(0)
    return parseJson<T>(r.stdout)
  }

  const pipelineCount = async (): Promise<number> => (await ok<unknown[]>(cli('pipeline', 'ls', '--all', '--json'))).length

  beforeAll(async () => {
    home = await tempHome('w3ai-pipeline-')
    devnet = await startDevnet({ home: home.path, nodes: 3, hubPort: 0, logLevel: 'warn', env: { W3AI_TASK_POLL_MS: '200' } })
    await ok(cli('account', 'create', '--json'))
    const files = join(home.path, 'files')
    await mkdir(files)
    await writeFile(join(files, 'logistic.onnx'), logisticModel())
    await writeFile(join(files, 'add.onnx'), addModel())
    modelCid = (await ok<ObjectSummary>(cli('model', 'add', join(files, 'logistic.onnx'), '--redundancy', '2/3', '--json'))).cid
    addCid = (await ok<ObjectSummary>(cli('model', 'add', join(files, 'add.onnx'), '--redundancy', '2/3', '--json'))).cid
    input = join(files, 'rows.csv')
    await writeFile(input, ['x1,x2,x3,x4', ...data.map((r) => r.join(','))].join('\n') + '\n')
  }, 180_000)

  afterAll(async () => {
    await devnet?.stop()
    await home?.remove()
  })

  /** `w3ai pipeline run … --wait --json` as its own process. */
  const run = async (privacy: string, ...extra: string[]): Promise<RunJson> => {
    const r = await w3ai(['pipeline', 'run', '--model', modelCid, '--input', input, '--privacy', privacy, '--segments', '2', '--wait', '--json', ...extra, '--home', home.path], testEnv(), 300_000)
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toBe('')
    return parseJson<RunJson>(r.stdout)
  }

  /** The segments' jobs ran on the executor of the privacy level, each result sealed to the owner. */
  const expectJobs = async (ids: string[], executor: string): Promise<void> => {
    for (const id of ids) {
      const job = await ok<{ executor: string; status: string; result: unknown }>(cli('job', 'status', id, '--json'))
      expect(job).toMatchObject({ executor, status: 'succeeded', result: { sealed: expect.any(Object) } })
    }
  }

  const expectPlaintext = (outputs: number[][], tolerance: number): void => {
    expect(outputs).toHaveLength(ROWS)
    outputs.forEach((out, i) => {
      expect(out).toHaveLength(1)
      expect(Math.abs((out[0] as number) - plaintext(data[i] as number[])), `row ${i}`).toBeLessThan(tolerance)
    })
  }

  it('privacy key: the node runs the model on the rows whose key was wrapped to it; outputs match the plaintext model', async () => {
    const result = await run('key')
    expect(result).toMatchObject({ pipelineId: expect.stringMatching(/^p_[0-9a-f]{24}$/), privacy: 'key', rows: ROWS })
    expect(result.jobIds).toHaveLength(2)
    expectPlaintext(result.outputs, 1e-5)

    const shown = await ok<{ id: string; status: string; segments: Array<{ stage: string; jobId: string; nodeId: string | null }> }>(cli('pipeline', 'show', result.pipelineId, '--json'))
    expect(shown.status).toBe('succeeded')
    expect(shown.segments.map((s) => s.stage)).toEqual(['done', 'done'])
    expect(shown.segments.map((s) => s.jobId).sort()).toEqual([...result.jobIds].sort())
    const human = await cli('pipeline', 'show', result.pipelineId)
    expect(human.stdout).toContain(`pipeline ${result.pipelineId} (privacy key): succeeded, ${ROWS} rows in 2 segments, 2 done`)
    await expectJobs(result.jobIds, 'onnx')
  }, 300_000)

  it('privacy key without --wait: posts the segments and prints the pipeline id; `pipeline collect` then decodes the outputs, again and again', async () => {
    const r = await cli('pipeline', 'run', '--model', modelCid, '--input', input, '--privacy', 'key', '--segments', '3')
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const id = /^submitted (p_[0-9a-f]{24}) \(40 rows in 3 segments\)$/m.exec(r.stdout)?.[1]
    expect(id, r.stdout).toBeDefined()
    expect(r.stdout).toContain(`w3ai pipeline show ${id}`)
    expect(r.stdout).toContain(`w3ai pipeline collect ${id}`)
    const shown = await ok<{ segments: Array<{ rows: number; jobId: string | null }> }>(cli('pipeline', 'show', id!, '--json'))
    expect(shown.segments.map((s) => s.rows)).toEqual([14, 13, 13])
    expect(shown.segments.every((s) => s.jobId !== null)).toBe(true)

    // Another process, with nothing of the run's but the account.
    const collected = await w3ai(['pipeline', 'collect', id!, '--json', '--home', home.path], testEnv(), 300_000)
    expect(collected.code, collected.stdout + collected.stderr).toBe(0)
    expect(collected.stderr).toBe('')
    const result = parseJson<RunJson & { status: string }>(collected.stdout)
    expect(result).toMatchObject({ pipelineId: id, status: 'succeeded', rows: ROWS })
    expectPlaintext(result.outputs, 1e-5)
    const after = await ok<{ status: string; segments: Array<{ stage: string; result: string | null }> }>(cli('pipeline', 'show', id!, '--json'))
    expect(after.status).toBe('succeeded')
    expect(after.segments.every((s) => s.stage === 'done' && s.result !== null)).toBe(true)

    // Collected already: the same outputs, the same stored results; people get the table and the outputs.
    const again = await cli('pipeline', 'collect', id!)
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(again.stdout).toContain(`pipeline ${id} (privacy key): succeeded, ${ROWS} rows in 3 segments, 3 done`)
    expect(again.stdout.split('outputs (one row per line)\n')[1]?.trim().split('\n').map(Number)).toEqual(result.outputs.map((o) => o[0]))
    const unchanged = await ok<{ segments: Array<{ result: string | null }> }>(cli('pipeline', 'show', id!, '--json'))
    expect(unchanged.segments.map((s) => s.result)).toEqual(after.segments.map((s) => s.result))
  }, 300_000)

  it('privacy he: the node computes on CKKS ciphertexts, the CLI decrypts; outputs match the plaintext model', async () => {
    const result = await run('he')
    expect(result).toMatchObject({ privacy: 'he', rows: ROWS })
    expect(result.jobIds).toHaveLength(2)
    expectPlaintext(result.outputs, 1e-3)
    await expectJobs(result.jobIds, 'he')
    const listed = await ok<Array<{ id: string; status: string; privacy: string }>>(cli('pipeline', 'ls', '--json'))
    expect(listed.find((p) => p.id === result.pipelineId)).toMatchObject({ status: 'succeeded', privacy: 'he' })
    expect((await cli('pipeline', 'ls')).stdout).toMatch(new RegExp(`^${result.pipelineId}\\s+succeeded\\s+he\\s+${ROWS}\\s+2\\s`, 'm'))

    // Only the run's process held the CKKS secret key: `pipeline collect` refuses, changing nothing.
    const refused = await cli('pipeline', 'collect', result.pipelineId, '--json')
    const { error } = parseJson<{ error: { code: string; message: string } }>(refused.stdout)
    expect([refused.code, error.code, error.message]).toEqual([2, 'CLI_BAD_ARGUMENT', expect.stringContaining('secret key lived only in')])
  }, 300_000)

  it('refuses, with nothing created, a model HE cannot run and a model that is not stored', async () => {
    const before = await pipelineCount()
    const unsupported = await cli('pipeline', 'run', '--model', addCid, '--input', input, '--privacy', 'he', '--wait', '--json')
    expect([unsupported.code, parseJson<{ error: { code: string } }>(unsupported.stdout).error.code]).toEqual([1, 'HE_UNSUPPORTED_OP'])
    const missing = await cli('pipeline', 'run', '--model', UNKNOWN_CID, '--input', input, '--privacy', 'he', '--wait', '--json')
    expect(missing.code).toBe(1)
    expect(parseJson<{ error: { code: string } }>(missing.stdout).error.code).toBe('STORAGE_OBJECT_NOT_FOUND')
    expect(await pipelineCount()).toBe(before)
  })
})
