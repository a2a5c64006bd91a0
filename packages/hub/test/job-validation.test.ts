import { ERROR_CODES, W3aiError, type Job, type JobSubmit } from '@w3ai/protocol'
import { JobsClient } from '@w3ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_INLINE_ELEMENTS, MAX_PARAMS_BYTES, MAX_WASM_ARGS, MAX_WASM_ARG_CHARS, validateJob } from '../src/domains/compute/validate.js'
import { backends, codeOf } from './helpers.js'
import { chunks, startStorageNet, type StorageNet } from './storage-net.js'

/** Submissions refused before they are queued: input roles and params per executor, checked in validate.ts. */
const CID = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e'
const TENSORS = { a: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, b: { type: 'int64', dims: [2], data: ['9007199254740993', -1] } }
const SPEC = {
  inputShape: [4],
  layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }],
  optimizer: { type: 'adam' },
  loss: 'sparseCategoricalCrossentropy',
  epochs: 1,
}

type Body = Pick<JobSubmit, 'executor' | 'inputs' | 'params'>

function refusal(body: Body): { code: string; message: string } {
  try {
    validateJob(body)
  } catch (err) {
    return { code: err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`, message: (err as Error).message }
  }
  return { code: 'accepted', message: '' }
}
const code = (body: Body): string => refusal(body).code
const onnx = (tensors: unknown): Body => ({ executor: 'onnx', inputs: { model: CID }, params: { tensors } })
const train = (params: unknown): Body => ({ executor: 'train', inputs: { dataset: CID }, params })
const wasm = (params: unknown): Body => ({ executor: 'wasm', inputs: { module: CID, input: CID }, params })

describe('validateJob', () => {
  it('accepts the submissions each executor can run', () => {
    const ok: Body[] = [
      onnx(TENSORS),
      onnx({ flag: { type: 'bool', dims: [2], data: [true, 0] }, empty: { type: 'float32', dims: [0, 4], data: [] } }),
      { executor: 'onnx', inputs: { model: CID, input: CID } },
      { executor: 'onnx', inputs: { model: CID, input: CID }, params: {} },
      train({ spec: SPEC }),
      train({ spec: SPEC, csv: { header: true, labelColumn: 'species', delimiter: ';' } }),
      train({ spec: SPEC, csv: { labelColumn: -1 } }),
      wasm(undefined),
      wasm({}),
      wasm({ args: ['--upper', 'x'.repeat(MAX_WASM_ARG_CHARS)] }),
      { executor: 'wasm', inputs: { module: CID } },
    ]
    for (const body of ok) expect(refusal(body), JSON.stringify(body).slice(0, 200)).toEqual({ code: 'accepted', message: '' })
  })

  it('refuses input roles an executor does not take, naming them', () => {
    const r = refusal({ executor: 'onnx', inputs: { model: CID, foo: CID }, params: { tensors: TENSORS } })
    expect(r.code).toBe('VALIDATION_FAILED')
    expect(r.message).toContain('"foo"')
    expect(r.message).toContain('"model", "input"')
    expect(code({ executor: 'train', inputs: { dataset: CID, model: CID }, params: { spec: SPEC } })).toBe('VALIDATION_FAILED')
    expect(code({ executor: 'wasm', inputs: { module: CID, dataset: CID } })).toBe('VALIDATION_FAILED')
    expect(code({ executor: 'quantum' as never, inputs: {} })).toBe('VALIDATION_FAILED')
  })

  it('refuses a job without the input its executor needs', () => {
    expect(refusal({ executor: 'onnx', inputs: {}, params: { tensors: TENSORS } })).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('"model" input') })
    expect(code({ executor: 'train', inputs: {}, params: { spec: SPEC } })).toBe('COMPUTE_BAD_INPUT')
    expect(code({ executor: 'wasm', inputs: { input: CID } })).toBe('COMPUTE_BAD_INPUT')
  })

  it('refuses params that are not an object or carry unknown keys', () => {
    expect(code({ executor: 'wasm', inputs: { module: CID }, params: ['--upper'] })).toBe('VALIDATION_FAILED')
    expect(code({ executor: 'onnx', inputs: { model: CID, input: CID }, params: 'tensors' })).toBe('VALIDATION_FAILED')
    expect(refusal(train({ spec: SPEC, epochs: 3 }))).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('"epochs"') })
  })

  it('onnx: takes tensors from a stored input or inline, exactly one of the two', () => {
    expect(refusal({ executor: 'onnx', inputs: { model: CID } })).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('neither') })
    expect(refusal({ executor: 'onnx', inputs: { model: CID, input: CID }, params: { tensors: TENSORS } })).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('both') })
  })

  it('onnx: refuses inline tensors that break the JSON tensor rules, with the node-side codes', () => {
    expect(code(onnx([TENSORS.a]))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: [1, 2, 3] }))).toBe('COMPUTE_BAD_INPUT')
    expect(refusal(onnx({ a: { type: 'complex64', dims: [1], data: [1] } }))).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('unknown type "complex64"') })
    expect(code(onnx({ a: { type: 'float32', dims: [-1], data: [] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: { type: 'float32', dims: [1.5], data: [1] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: { type: 'float32', dims: '3', data: [1, 2, 3] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: { type: 'float32', dims: [1] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(refusal(onnx({ px: { type: 'uint8', dims: [2], data: [1, 300] } }))).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('input "px": data[1] = 300') })
    expect(code(onnx({ a: { type: 'int32', dims: [1], data: [0.5] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: { type: 'float32', dims: [1], data: ['1'] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(onnx({ a: { type: 'int64', dims: [1], data: [2 ** 60] } }))).toBe('COMPUTE_BAD_INPUT')
    expect(refusal(onnx({ a: { type: 'float32', dims: [2, 3], data: [1, 2, 3] } }))).toMatchObject({ code: 'COMPUTE_SHAPE_MISMATCH', message: expect.stringContaining('hold 6 elements but data has 3') })
  })

  it(`onnx: refuses more than ${MAX_INLINE_ELEMENTS} inline elements with COMPUTE_INPUT_TOO_LARGE (413)`, () => {
    expect(code(onnx({ a: { type: 'float32', dims: [MAX_INLINE_ELEMENTS + 1], data: [] } }))).toBe('COMPUTE_INPUT_TOO_LARGE')
    const half = Array.from({ length: MAX_INLINE_ELEMENTS / 2 + 1 }, () => 0)
    const r = refusal(onnx({ a: { type: 'uint8', dims: [half.length], data: half }, b: { type: 'uint8', dims: [half.length], data: half } }))
    expect(r).toMatchObject({ code: 'COMPUTE_INPUT_TOO_LARGE', message: expect.stringContaining(`${MAX_INLINE_ELEMENTS + 2} elements in all`) })
    expect(ERROR_CODES.COMPUTE_INPUT_TOO_LARGE.status).toBe(413)
  })

  it(`caps params at ${MAX_PARAMS_BYTES} bytes of JSON and refuses params that are not JSON`, () => {
    expect(refusal(wasm({ args: ['x'.repeat(MAX_PARAMS_BYTES)] }))).toMatchObject({ code: 'COMPUTE_INPUT_TOO_LARGE', message: expect.stringContaining('Store large inputs in W3S') })
    expect(code(wasm({ args: [1n] }))).toBe('VALIDATION_FAILED')
  })

  it('train: checks the spec with the compute validator (COMPUTE_BAD_SPEC naming the field)', () => {
    expect(refusal(train(undefined))).toMatchObject({ code: 'COMPUTE_BAD_SPEC', message: expect.stringContaining('must be a JSON object') })
    expect(code(train({ csv: {} }))).toBe('COMPUTE_BAD_SPEC')
    const units = refusal(train({ spec: { ...SPEC, layers: [{ type: 'dense', units: 0 }, SPEC.layers[1]] } }))
    expect(units).toMatchObject({ code: 'COMPUTE_BAD_SPEC', message: expect.stringContaining('layers[0].units') })
    expect(refusal(train({ spec: { ...SPEC, loss: 'binaryCrossentropy' } })).message).toContain('binaryCrossentropy needs a last dense layer with 1 unit')
    const cliSample = refusal(train({ spec: { layers: [{ type: 'dense', units: 2 }], loss: 'meanSquaredError', epochs: 1 } }))
    expect(cliSample.code).toBe('COMPUTE_BAD_SPEC')
  })

  it('train: checks the CSV options', () => {
    expect(code(train({ spec: SPEC, csv: 'header' }))).toBe('COMPUTE_BAD_INPUT')
    expect(refusal(train({ spec: SPEC, csv: { format: 'idx' } }))).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('"format"') })
    expect(code(train({ spec: SPEC, csv: { header: 'yes' } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(train({ spec: SPEC, csv: { labelColumn: 1.5 } }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(train({ spec: SPEC, csv: { delimiter: '|' } }))).toBe('COMPUTE_BAD_INPUT')
  })

  it(`wasm: args are at most ${MAX_WASM_ARGS} strings of at most ${MAX_WASM_ARG_CHARS} characters`, () => {
    expect(code(wasm({ args: '--upper' }))).toBe('COMPUTE_BAD_INPUT')
    expect(code(wasm({ args: Array.from({ length: MAX_WASM_ARGS + 1 }, () => 'a') }))).toBe('COMPUTE_BAD_INPUT')
    expect(refusal(wasm({ args: ['ok', 'x'.repeat(MAX_WASM_ARG_CHARS + 1)] }))).toMatchObject({ code: 'COMPUTE_BAD_INPUT', message: expect.stringContaining('params.args[1]') })
    expect(code(wasm({ args: [1] }))).toBe('COMPUTE_BAD_INPUT')
  })
})

describe.each(backends())('job submission on %s', (backend) => {
  let net: StorageNet
  let jobs: JobsClient
  let object: string

  beforeAll(async () => {
    net = await startStorageNet(backend, 3, { compute: { spotCheckRate: 0 } })
    const alice = await net.account('alice')
    jobs = new JobsClient(alice.hub, alice.identity)
    const bytes = Buffer.from('stands in for a model, a dataset and a module')
    object = (await alice.storage.put(chunks(bytes), bytes.length, { redundancy: { k: 2, n: 3, repairThreshold: 3 } })).cid
  }, 90_000)
  afterAll(async () => net?.close(), 60_000)

  it('refuses bad jobs with their stable code and creates no job', async () => {
    const cases: Array<[JobSubmit, string]> = [
      [{ executor: 'onnx', inputs: { model: object } }, 'COMPUTE_BAD_INPUT'],
      [{ executor: 'onnx', inputs: { model: object, foo: object }, params: { tensors: TENSORS } }, 'VALIDATION_FAILED'],
      [{ executor: 'onnx', inputs: { model: object }, params: { tensors: { a: { type: 'float32', dims: [2, 2], data: [1] } } } }, 'COMPUTE_SHAPE_MISMATCH'],
      [{ executor: 'onnx', inputs: { model: object }, params: { tensors: { a: { type: 'float32', dims: [4096, 4096], data: [] } } } }, 'COMPUTE_INPUT_TOO_LARGE'],
      [{ executor: 'train', inputs: { dataset: object }, params: { spec: { ...SPEC, epochs: 0 } } }, 'COMPUTE_BAD_SPEC'],
      [{ executor: 'wasm', inputs: { module: object }, params: { args: [42] } }, 'COMPUTE_BAD_INPUT'],
      [{ executor: 'wasm', inputs: { input: object } }, 'COMPUTE_BAD_INPUT'],
    ]
    for (const [body, expected] of cases) expect(await codeOf(jobs.submit(body)), JSON.stringify(body)).toBe(expected)
    expect(await jobs.list()).toEqual([])
  })

  it('accepts valid jobs of every executor', async () => {
    const submitted: Job[] = [
      await jobs.submit({ executor: 'onnx', inputs: { model: object }, params: { tensors: TENSORS } }),
      await jobs.submit({ executor: 'onnx', inputs: { model: object, input: object } }),
      await jobs.submit({ executor: 'train', inputs: { dataset: object }, params: { spec: SPEC, csv: { labelColumn: -1 } } }),
      await jobs.submit({ executor: 'wasm', inputs: { module: object, input: object }, params: { args: ['--upper'] } }),
    ]
    for (const job of submitted) expect(job.status).toBe('queued')
    expect((await jobs.list()).map((j) => j.id).sort()).toEqual(submitted.map((j) => j.id).sort())
    for (const job of submitted) await jobs.cancel(job.id)
  })
})
