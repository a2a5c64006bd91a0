import { EXECUTORS, JOB_EXECUTORS, W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { BUILTIN_DESCRIPTORS, ExecutorDescriptors, builtinExecutors, type ExecutorDescriptor } from '../src/executors/registry.js'
import { trainDescriptor } from '../src/executors/train.js'
import { trainTaskExecutor, type TrainTaskResult } from '../src/executors/train-task.js'
import { BUILTIN_EXECUTORS } from '../src/sandbox/registry.js'
import { onnx } from '../src/onnx/proto.js'

const codeOf = (fn: () => void): string => {
  try {
    fn()
    return 'accepted'
  } catch (err) {
    return err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`
  }
}

/** A descriptor only this test knows: sums `params.numbers`; results agree within the tolerance. */
const sumExecutor: ExecutorDescriptor = {
  name: 'sum',
  inputRoles: { required: [], optional: ['numbers'] },
  paramKeys: ['numbers'],
  validate(params) {
    if (!Array.isArray(params['numbers']) || !params['numbers'].every((n) => typeof n === 'number')) {
      throw new W3aiError('COMPUTE_BAD_INPUT', 'params.numbers must be an array of numbers.')
    }
  },
  resources: () => ({ memoryGb: 1 }),
  sandbox: () => ({ module: 'file:///nowhere/sum.js', exportName: 'sumExecutor' }),
  payload: async (params) => params,
  deterministic: (r) => ({ total: (r as { total: number }).total }),
  compare: (a, b, tolerance) => Math.abs((a as { total: number }).total - (b as { total: number }).total) <= tolerance,
}

describe('executor descriptors', () => {
  it('are the wire enum: every built-in descriptor is in JOB_EXECUTORS and the other way round', () => {
    expect(builtinExecutors().names()).toEqual([...JOB_EXECUTORS].sort())
    // Nodes advertise them among their capabilities.
    for (const name of JOB_EXECUTORS) expect(EXECUTORS as readonly string[]).toContain(name)
  })

  it('give the sandbox its entries (one per descriptor)', () => {
    expect(Object.keys(BUILTIN_EXECUTORS).sort()).toEqual(BUILTIN_DESCRIPTORS.map((d) => d.name).sort())
    for (const d of BUILTIN_DESCRIPTORS) expect(BUILTIN_EXECUTORS[d.name]).toEqual(d.sandbox())
  })

  it('name exactly one servable executor, onnx', () => {
    expect(builtinExecutors().servable().name).toBe('onnx')
    expect(() => builtinExecutors().register({ ...sumExecutor, servable: true })).toThrow(/already serves models/)
  })

  it('take a test-only executor through validation, resources and comparison', () => {
    const executors = builtinExecutors().register(sumExecutor)
    expect(executors.names()).toContain('sum')
    expect(codeOf(() => executors.validate('sum', { numbers: [1, 2] }, {}))).toBe('accepted')
    expect(codeOf(() => executors.validate('sum', { numbers: ['x'] }, {}))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => executors.validate('sum', { numbers: [1], other: 1 }, {}))).toBe('VALIDATION_FAILED')
    expect(codeOf(() => executors.validate('sum', { numbers: [1] }, { model: 'bafy' }))).toBe('VALIDATION_FAILED')
    expect(codeOf(() => new ExecutorDescriptors().validate('sum', {}, {}))).toBe('VALIDATION_FAILED')
    expect(executors.get('sum').resources({})).toEqual({ memoryGb: 1 })
    expect(executors.compare('sum', { total: 3, ms: 1 }, { total: 3.05, ms: 9 }, 0.1)).toBe(true)
    expect(executors.compare('sum', { total: 3 }, { total: 4 }, 0.1)).toBe(false)
    expect(executors.deterministic('sum', { total: 3, ms: 1 })).toEqual({ total: 3 })
  })

  it('check the built-in executors with their codes (roles, params)', () => {
    const executors = builtinExecutors()
    expect(codeOf(() => executors.validate('wasm', {}, {}))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => executors.validate('wasm', { args: ['a'] }, { module: 'bafy' }))).toBe('accepted')
    expect(codeOf(() => executors.validate('train', { spec: { nope: 1 } }, { dataset: 'bafy' }))).toBe('COMPUTE_BAD_SPEC')
    expect(codeOf(() => executors.validate('onnx', {}, { model: 'bafy' }))).toBe('COMPUTE_BAD_INPUT')
    expect(codeOf(() => executors.validate('quantum', {}, {}))).toBe('VALIDATION_FAILED')
  })
})

describe('the train descriptor compares the deterministic part of a result', () => {
  const rows = Array.from({ length: 60 }, (_, i) => {
    const a = ((i * 37) % 11) / 10
    const b = ((i * 13) % 7) / 7
    return `${a},${b},${a + b > 0.9 ? 1 : 0}`
  })
  const spec = {
    inputShape: [2],
    layers: [{ type: 'dense', units: 4, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }],
    optimizer: { type: 'adam', learningRate: 0.05 },
    loss: 'sparseCategoricalCrossentropy',
    metrics: ['accuracy'],
    epochs: 2,
    batchSize: 8,
    seed: 7,
  }
  const trainOnce = async (): Promise<TrainTaskResult> =>
    (await trainTaskExecutor.run({ spec, dataset: new TextEncoder().encode(rows.join('\n')) }, { progress: () => undefined, limits: {} as never })) as TrainTaskResult
  /** The result with one float of the TF.js weights and of the ONNX initializers moved by `delta`. */
  const nudged = (r: TrainTaskResult, delta: number): TrainTaskResult => {
    const weights = Buffer.from(r.tfjs.weightsBin, 'base64')
    weights.writeFloatLE(weights.readFloatLE(0) + delta, 0)
    const model = onnx.ModelProto.decode(Buffer.from(r.onnx, 'base64'))
    const init = model.graph!.initializer!.find((t) => t.dataType === onnx.TensorProto.DataType.FLOAT && (t.rawData?.byteLength ?? 0) >= 4)!
    const raw = Buffer.from(init.rawData!)
    raw.writeFloatLE(raw.readFloatLE(0) + delta, 0)
    init.rawData = raw
    return { ...r, tfjs: { ...r.tfjs, weightsBin: weights.toString('base64') }, onnx: Buffer.from(onnx.ModelProto.encode(model).finish()).toString('base64') }
  }

  it('two seeded runs on one backend agree bit for bit except their wall-clock durationMs', async () => {
    const a = await trainOnce()
    const b = { ...(await trainOnce()), durationMs: a.durationMs + 1234 }
    const { durationMs: _a, ...restA } = a
    const { durationMs: _b, ...restB } = b
    expect(restA).toEqual(restB)
    expect(trainDescriptor.compare(a, b, 0)).toBe(true)
    expect(trainDescriptor.deterministic!(a)).toEqual(trainDescriptor.deterministic!(b))
    expect(trainDescriptor.deterministic!(a)).not.toHaveProperty('durationMs')
  }, 120_000)

  it('holds weights and metrics to the tolerance, and everything else exactly', async () => {
    const a = await trainOnce()
    const close = nudged(a, 1e-4)
    expect(trainDescriptor.compare(a, close, 0)).toBe(false)
    expect(trainDescriptor.compare(a, close, 1e-3)).toBe(true)
    expect(trainDescriptor.compare(a, nudged(a, 0.5), 1e-3)).toBe(false)
    const history = a.history.map((h, i) => (i === 0 ? { ...h, loss: h.loss + 1e-5 } : h))
    expect(trainDescriptor.compare(a, { ...a, history }, 0)).toBe(false)
    expect(trainDescriptor.compare(a, { ...a, history }, 1e-3)).toBe(true)
    expect(trainDescriptor.compare(a, { ...a, backend: 'cpu' }, 1e-3)).toBe(false)
    expect(trainDescriptor.compare(a, { ...a, samples: { ...a.samples, train: a.samples.train + 1 } }, 1e-3)).toBe(false)
  }, 120_000)
})
