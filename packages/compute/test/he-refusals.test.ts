/**
 * What encrypted inference refuses, with which code: bad parameters, keys and batches from
 * different clients or parameter sets, models deeper than the parameters, shapes that disagree,
 * secret keys where public material belongs, and garbage (which must never crash SEAL).
 */
import { W3aiError } from '@w3ai/protocol'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkHeParams, compileHeModel, evaluateHe, HE_PRESETS, HeClient, heParamsForDepth, readHeHeader, type HeModel } from '../src/he/index.js'
import { writeKeys } from '../src/he/wire.js'
import { FEATURES, logisticOnnx, squareNetOnnx } from './helpers/breast-cancer.js'
import { randomDense } from './helpers/onnx-models.js'

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn()
    return 'accepted'
  } catch (err) {
    return err instanceof W3aiError ? err.code : `not a W3aiError: ${String(err)}`
  }
}

const rows = Array.from({ length: 40 }, (_, r) => Float64Array.from({ length: FEATURES }, (_, f) => Math.sin(r * 13 + f)))
const lr: HeModel = compileHeModel(logisticOnnx({ weights: Float64Array.from({ length: FEATURES }, (_, f) => Math.cos(f) / 4), bias: 0.1 }))
const l1 = randomDense(FEATURES, 3, 5)
const l2 = randomDense(3, 1, 6)
const squareNet: HeModel = compileHeModel(squareNetOnnx(l1.w, l1.b, l2.w, l2.b))

let alice: HeClient
let bob: HeClient
let deep: HeClient
let batch: Uint8Array
let keys: Uint8Array
beforeAll(async () => {
  ;[alice, bob, deep] = await Promise.all([HeClient.create(HE_PRESETS.depth1), HeClient.create(HE_PRESETS.depth1), HeClient.create(HE_PRESETS.depth3)])
  batch = alice.encryptRows(rows, FEATURES)
  keys = alice.evaluationKeys(lr)
})
afterAll(() => {
  for (const c of [alice, bob, deep]) c.close()
})

/** A copy of `bytes` with the batch/result header's parameter hash and key id taken from `from`. */
function withHeaderOf(bytes: Uint8Array, from: Uint8Array): Uint8Array {
  const copy = bytes.slice()
  copy.set(from.subarray(8, 56), 8)
  return copy
}

describe('HE parameters', () => {
  it('accept the presets and refuse what SEAL or 128-bit security would not', async () => {
    for (const p of Object.values(HE_PRESETS)) expect(checkHeParams(p)).toEqual(p)
    for (const bad of [
      null,
      { ...HE_PRESETS.depth1, polyModulusDegree: 4096 },
      { ...HE_PRESETS.depth1, coeffModulusBits: [60, 60, 60, 60] }, // 240 bits > 218 at N = 8192
      { ...HE_PRESETS.depth1, coeffModulusBits: [60, 60] }, // no level at all
      { ...HE_PRESETS.depth1, scaleBits: 55 }, // no room left above the scale
      { ...HE_PRESETS.depth1, coeffModulusBits: [60, 40, 30] }, // special prime smaller than the others
      { ...HE_PRESETS.depth1, scaleBits: 40.5 },
    ]) {
      expect(await codeOf(() => checkHeParams(bad)), JSON.stringify(bad)).toBe('HE_BAD_PARAMS')
    }
    expect(await codeOf(() => HeClient.create({ ...HE_PRESETS.depth1, polyModulusDegree: 1024 } as never))).toBe('HE_BAD_PARAMS')
  })

  it('are picked by depth: the smallest preset that fits, HE_DEPTH_EXCEEDED past the largest', async () => {
    expect(heParamsForDepth(0)).toEqual(HE_PRESETS.depth1)
    expect(heParamsForDepth(1)).toEqual(HE_PRESETS.depth1)
    expect(heParamsForDepth(2)).toEqual(HE_PRESETS.depth3)
    expect(heParamsForDepth(3)).toEqual(HE_PRESETS.depth3)
    expect(heParamsForDepth(7)).toEqual(HE_PRESETS.depth7)
    expect(await codeOf(() => heParamsForDepth(8))).toBe('HE_DEPTH_EXCEEDED')
  })
})

describe('evaluateHe refuses', () => {
  it('a batch encrypted under another key than the evaluation keys (HE_KEY_MISMATCH)', async () => {
    expect(await codeOf(() => evaluateHe(lr, bob.evaluationKeys(lr), batch))).toBe('HE_KEY_MISMATCH')
  })

  it('a batch made with other parameters than the keys (HE_PARAMS_MISMATCH)', async () => {
    expect(await codeOf(() => evaluateHe(lr, deep.evaluationKeys(lr), batch))).toBe('HE_PARAMS_MISMATCH')
  })

  it('ciphertexts from another context under a header that claims this one (HE_PARAMS_MISMATCH)', async () => {
    const forged = withHeaderOf(deep.encryptRows(rows, FEATURES), batch)
    expect(await codeOf(() => evaluateHe(lr, keys, forged))).toBe('HE_PARAMS_MISMATCH')
  })

  it('a model deeper than the parameters allow (HE_DEPTH_EXCEEDED)', async () => {
    expect(squareNet.depth).toBe(3)
    expect(await codeOf(() => evaluateHe(squareNet, alice.evaluationKeys(squareNet), batch))).toBe('HE_DEPTH_EXCEEDED')
  })

  it('a batch whose rows have another number of features than the model takes (HE_SHAPE_MISMATCH)', async () => {
    const narrow = alice.encryptRows(rows.map((r) => r.subarray(1)), FEATURES - 1)
    expect(await codeOf(() => evaluateHe(lr, keys, narrow))).toBe('HE_SHAPE_MISMATCH')
  })

  it('keys without the relinearization keys a squaring model needs (HE_MALFORMED)', async () => {
    const deepBatch = deep.encryptRows(rows, FEATURES)
    expect(await codeOf(() => evaluateHe(squareNet, deep.evaluationKeys(lr), deepBatch))).toBe('HE_MALFORMED')
    expect(await codeOf(() => evaluateHe(squareNet, deep.evaluationKeys(squareNet), deepBatch))).toBe('accepted')
  })

  it('an exported secret, or a secret key in place of the relinearization keys (HE_NO_SECRET_KEY_HERE)', async () => {
    expect(await codeOf(() => evaluateHe(lr, alice.exportSecret(), batch))).toBe('HE_NO_SECRET_KEY_HERE')
    // The secret key's SEAL bytes sit at the end of the export, before the public key: pull them out.
    const secret = alice.exportSecret()
    const view = new DataView(secret.buffer, secret.byteOffset)
    const paramsLength = view.getUint16(6, true)
    const at = 8 + paramsLength + 32
    const secretKey = secret.subarray(at + 4, at + 4 + view.getUint32(at, true))
    const smuggled = writeKeys({ params: alice.params, keyId: alice.keyId, relinKeys: secretKey })
    expect(await codeOf(() => evaluateHe(lr, smuggled, batch))).toBe('HE_NO_SECRET_KEY_HERE')
  })

  it('garbage, truncated and corrupted batches and keys (HE_MALFORMED), and still works afterwards', async () => {
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 24)
    const corrupt = (at: number, value = 0xff) => {
      const c = batch.slice()
      c[at] = value
      return c
    }
    const firstCiphertext = 64 + 4
    const garbageBatches = [
      new Uint8Array(0), random(10), random(5000), batch.subarray(0, 63), batch.subarray(0, 64), batch.subarray(0, 100), batch.subarray(0, batch.length - 1),
      batch.subarray(0, firstCiphertext + 1000), new Uint8Array([...batch, 0]),
      corrupt(4, 9), // format version
      corrupt(firstCiphertext + 5, 2), // compressed (zstd) per the SEAL header
      corrupt(firstCiphertext + 8), // SEAL's declared size
      corrupt(firstCiphertext), // SEAL magic
      (() => { const c = batch.slice(); c.fill(0xff, firstCiphertext + 200, firstCiphertext + 5000); return c })(), // coefficients out of range
      (() => { const c = batch.slice(); new DataView(c.buffer).setUint32(56, 0xffffffff, true); return c })(), // rows: 4 billion
      (() => { const c = batch.slice(); new DataView(c.buffer).setUint32(64, 0xfffffff0, true); return c })(), // ciphertext length past the end
    ]
    for (const [i, bad] of garbageBatches.entries()) expect(await codeOf(() => evaluateHe(lr, keys, bad)), `batch ${i}`).toBe('HE_MALFORMED')
    for (const bad of [new Uint8Array(0), random(300), keys.subarray(0, keys.length - 1), new Uint8Array([...keys, 1])]) {
      expect(await codeOf(() => evaluateHe(lr, bad, batch))).toBe('HE_MALFORMED')
    }
    // Relinearization keys cut short, or corrupted inside.
    const squareKeys = deep.evaluationKeys(squareNet)
    const deepBatch = deep.encryptRows(rows, FEATURES)
    const cut = squareKeys.subarray(0, squareKeys.length - 100)
    const fixedLength = new Uint8Array([...cut.subarray(0, cut.length - 4)])
    for (const bad of [cut, fixedLength, (() => { const k = squareKeys.slice(); k.fill(0xff, 400, 9000); return k })()]) {
      expect(await codeOf(() => evaluateHe(squareNet, bad, deepBatch))).toBe('HE_MALFORMED')
    }
    // SEAL survived all of that.
    const result = await evaluateHe(lr, keys, batch)
    expect(alice.decryptOutputs(result, lr)).toHaveLength(rows.length)
  })
})

describe('the client', () => {
  it('makes evaluation keys with no secret key in them (and no relinearization keys a linear model does not need)', () => {
    const small = alice.evaluationKeys(lr)
    expect(small.byteLength).toBeLessThan(300)
    const full = alice.evaluationKeys()
    const secret = alice.exportSecret()
    // Any 64-byte window of the secret key's coefficients would show it; check a few.
    for (const at of [200, 50_000, 150_000]) {
      const window = Buffer.from(secret.subarray(at, at + 64))
      expect(Buffer.from(full).indexOf(window)).toBe(-1)
    }
  })

  it('refuses rows of the wrong width and values that are not numbers', async () => {
    expect(await codeOf(() => alice.encryptRows([rows[0]!, rows[1]!.subarray(1)], FEATURES))).toBe('HE_SHAPE_MISMATCH')
    expect(await codeOf(() => alice.encryptRows([Float64Array.from({ length: FEATURES }, () => Number.NaN)], FEATURES))).toBe('VALIDATION_FAILED')
    expect(await codeOf(() => alice.encryptRows([], FEATURES))).toBe('VALIDATION_FAILED')
  })

  it('refuses to decrypt results for another key, other parameters, or another output count', async () => {
    const result = await evaluateHe(lr, keys, batch)
    expect(await codeOf(() => bob.decryptOutputs(result, lr))).toBe('HE_KEY_MISMATCH')
    expect(await codeOf(() => deep.decryptOutputs(result, lr))).toBe('HE_PARAMS_MISMATCH')
    expect(await codeOf(() => alice.decryptOutputs(result, { outputs: 2, clientSigmoid: true }))).toBe('HE_SHAPE_MISMATCH')
    expect(await codeOf(() => alice.decryptOutputs(batch, lr))).toBe('HE_MALFORMED')
    expect(await codeOf(() => alice.decryptOutputs(result.subarray(0, result.length - 10), lr))).toBe('HE_MALFORMED')
  })

  it('exports its secret and imports it again: same key id, decrypts what the first encrypted', async () => {
    const again = await HeClient.importSecret(alice.exportSecret())
    try {
      expect(again.keyId).toBe(alice.keyId)
      const result = await evaluateHe(lr, keys, batch)
      expect(again.decryptOutputs(result, lr)).toEqual(alice.decryptOutputs(result, lr))
      // Its batches go with the first client's keys too.
      expect(await codeOf(() => evaluateHe(lr, keys, again.encryptRows(rows, FEATURES)))).toBe('accepted')
    } finally {
      again.close()
    }
    expect(await codeOf(() => HeClient.importSecret(keys))).toBe('HE_MALFORMED')
    expect(await codeOf(() => HeClient.importSecret(alice.exportSecret().subarray(0, 5000)))).toBe('HE_MALFORMED')
  })

  it('reads what a batch or result says of itself without decrypting', async () => {
    expect(readHeHeader(batch)).toEqual({ kind: 'batch', keyId: alice.keyId, rows: rows.length, columns: FEATURES })
    expect(readHeHeader(await evaluateHe(lr, keys, batch))).toEqual({ kind: 'result', keyId: alice.keyId, rows: rows.length, columns: 1 })
    expect(await codeOf(() => readHeHeader(keys))).toBe('HE_MALFORMED')
    expect(await codeOf(() => readHeHeader(batch.subarray(0, 20)))).toBe('HE_MALFORMED')
  })

  it('gets the same result bytes from two evaluations (replicas of a job agree exactly)', async () => {
    const a = await evaluateHe(lr, keys, batch)
    const b = await evaluateHe(lr, keys, batch)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
  })
})
