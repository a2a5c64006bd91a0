/** The `he` executor: job validation on the hub, and a task run in a sandbox child like a node runs it. */
import { W3aiError } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtinExecutors } from '../src/executors/registry.js'
import { compileHeModel, HE_PRESETS, HeClient } from '../src/he/index.js'
import { runSandboxed, SandboxError } from '../src/index.js'
import { FEATURES, logisticOnnx } from './helpers/breast-cancer.js'

const executors = builtinExecutors()
const he = executors.get('he')
const onnx = logisticOnnx({ weights: Float64Array.from({ length: FEATURES }, (_, f) => Math.cos(f) / 3), bias: -0.2 })
const model = compileHeModel(onnx)
const rows = Array.from({ length: 50 }, (_, r) => Float64Array.from({ length: FEATURES }, (_, f) => Math.sin(r + f * 5)))
const stored = { model: 'bafkmodel', input: 'bafkinput', keys: 'bafkkeys' }

let client: HeClient
let other: HeClient
beforeAll(async () => {
  ;[client, other] = await Promise.all([HeClient.create(HE_PRESETS.depth1), HeClient.create(HE_PRESETS.depth1)])
})
afterAll(() => {
  client.close()
  other.close()
})

const codeOf = (fn: () => void): string => {
  try {
    fn()
    return 'accepted'
  } catch (err) {
    return err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`
  }
}

/** Runs a task as a node does: payload from the opened inputs, a sandbox child, the result as JSON. */
async function runTask(inputs: Record<string, Uint8Array>, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const payload = await he.payload(params, async (role) => inputs[role])
  const { result } = await runSandboxed({ executor: 'he', payload, limits: { timeMs: 60_000, memoryMb: 1024 } })
  return he.toJson!(result) as Record<string, unknown>
}

describe('the he executor', () => {
  it('takes model, input and keys, and params.sigmoid client or poly', () => {
    expect(codeOf(() => executors.validate('he', {}, stored))).toBe('accepted')
    expect(codeOf(() => executors.validate('he', { sigmoid: 'poly' }, stored))).toBe('accepted')
    expect(codeOf(() => executors.validate('he', { sigmoid: 'exact' }, stored))).toBe('VALIDATION_FAILED')
    expect(codeOf(() => executors.validate('he', { tensors: {} }, stored))).toBe('VALIDATION_FAILED')
    expect(codeOf(() => executors.validate('he', {}, { model: 'a', input: 'b' }))).toBe('COMPUTE_BAD_INPUT')
    expect(he.resources({})).toEqual({ memoryGb: 1 })
  })

  it('runs in a sandbox child: the result JSON decrypts to the model on the requester\'s rows', async () => {
    const json = await runTask({ model: onnx, input: client.encryptRows(rows, FEATURES), keys: client.evaluationKeys(model) })
    expect(json).toMatchObject({ rows: rows.length, outputs: 1, clientSigmoid: true, keyId: client.keyId })
    expect(Object.keys(json).sort()).toEqual(['clientSigmoid', 'keyId', 'output', 'outputs', 'rows'])
    const outputs = client.decryptOutputs(Buffer.from(json['output'] as string, 'base64'), model)
    rows.forEach((row, i) => {
      const z = -0.2 + row.reduce((s, v, f) => s + v * Math.fround(Math.cos(f) / 3), 0)
      expect(outputs[i]![0]).toBeCloseTo(1 / (1 + Math.exp(-z)), 5)
    })
  }, 120_000)

  it('keeps the HE code of a refusal across the sandbox (a batch under another key: HE_KEY_MISMATCH)', async () => {
    const err = await runTask({ model: onnx, input: other.encryptRows(rows, FEATURES), keys: client.evaluationKeys(model) }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SandboxError)
    expect((err as SandboxError).code).toBe('HE_KEY_MISMATCH')
  }, 120_000)
})
