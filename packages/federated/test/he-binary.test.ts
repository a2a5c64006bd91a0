import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { normal, seededRandom } from '@w3ai/util'
import { beforeAll, describe, expect, it } from 'vitest'
import { addEncrypted, decryptMean, EncryptedAggregation, encryptUpdate, encryptUpdateBytes, generateJobKeys, UpdateEncryptor, type CkksKeyPair } from '../src/he/index.js'
import type { Parameters } from '../src/index.js'

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<W3aiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(W3aiError)
  expect((err as W3aiError).code, (err as Error).message).toBe(code)
  return err as W3aiError
}

// A small model: a dense layer, its bias, a second layer (6,140 values, two ciphertexts of 4096).
const SHAPE = [6000, 100, 40]

function model(seed: number, shape = SHAPE): Parameters {
  const random = seededRandom(seed)
  return shape.map((n) => Float32Array.from({ length: n }, () => 0.1 * normal(random)))
}

function edited(bytes: Uint8Array, edit: (copy: Buffer) => void): Uint8Array {
  const copy = Buffer.from(bytes)
  edit(copy)
  return copy
}

describe('CKKS federated updates in binary form', () => {
  let owner: CkksKeyPair

  beforeAll(async () => {
    owner = await generateJobKeys()
  })

  it('gives the owner the same weighted mean as the JSON form, in 3/4 of its bytes', async () => {
    const clients = Array.from({ length: 5 }, (_, i) => ({ parameters: model(10 + i), numExamples: 20 + 31 * i }))
    const bytes = await Promise.all(clients.map((c) => encryptUpdateBytes(owner.publicKey, c.parameters, c.numExamples)))
    const json = await encryptUpdate(owner.publicKey, model(10), 20)
    expect(bytes[0]?.byteLength).toBeLessThan(0.76 * JSON.stringify(json).length)

    const aggregation = new EncryptedAggregation({ keyId: owner.publicKey.keyId, params: owner.publicKey.params })
    for (const update of bytes) await aggregation.addBytes(update)
    expect(aggregation.count).toBe(5)
    const [asBytes, asJson] = [await aggregation.resultBytes(), await aggregation.result()]
    await aggregation.close()
    const fromBytes = await decryptMean(owner.secretKey, asBytes)
    const fromJson = await decryptMean(owner.secretKey, JSON.parse(JSON.stringify(asJson)))
    const total = clients.reduce((s, c) => s + c.numExamples, 0)
    expect([fromBytes.totalExamples, fromBytes.clients]).toEqual([total, 5])
    expect(fromBytes.mean.map((t) => t.length)).toEqual(SHAPE)
    let largest = 0
    let worst = 0
    SHAPE.forEach((n, t) => {
      for (let i = 0; i < n; i++) {
        const expected = clients.reduce((s, c) => s + c.numExamples * (c.parameters[t]?.[i] as number), 0) / total
        largest = Math.max(largest, Math.abs(expected))
        worst = Math.max(worst, Math.abs((fromBytes.mean[t]?.[i] as number) - expected))
        expect(fromJson.mean[t]?.[i]).toBe(fromBytes.mean[t]?.[i])
      }
    })
    expect(worst).toBeLessThan(1e-4 * largest)
  })

  it('mixes forms: JSON and binary updates and sums of either add up together', async () => {
    const updates = [
      await encryptUpdateBytes(owner.publicKey, model(1), 10),
      await encryptUpdate(owner.publicKey, model(2), 20),
      await encryptUpdateBytes(owner.publicKey, model(3), 30),
      await encryptUpdate(owner.publicKey, model(4), 40),
    ]
    const partial = new EncryptedAggregation()
    await partial.add(updates[0])
    await partial.add(updates[1])
    const halves = [await partial.resultBytes(), await addEncrypted(updates.slice(2))]
    await partial.close()
    const whole = await decryptMean(owner.secretKey, await addEncrypted(updates))
    const joined = await decryptMean(owner.secretKey, await addEncrypted(halves))
    expect([joined.clients, joined.totalExamples]).toEqual([4, 100])
    joined.mean.forEach((t, i) => t.forEach((x, j) => expect(Math.abs(x - (whole.mean[i]?.[j] as number))).toBeLessThan(1e-5)))
  })

  it('refuses malformed, truncated, foreign or mismatched updates with the JSON codes; the round goes on without them', async () => {
    const stranger = await generateJobKeys()
    const good = await encryptUpdateBytes(owner.publicKey, model(5), 50)
    // Header: 20 fixed bytes, 1 prime size, padding to 24, 3 lengths, padding to 40; then the vector.
    const cases: Array<[string, unknown, ErrorCode]> = [
      ['truncated header', good.subarray(0, 12), 'FL_CKKS_MALFORMED'],
      ['truncated ciphertexts', good.subarray(0, good.byteLength - 100), 'FL_CKKS_MALFORMED'],
      ['only the header', good.subarray(0, 40), 'FL_CKKS_MALFORMED'],
      ['bad magic', edited(good, (b) => void (b[0] = 0)), 'FL_CKKS_MALFORMED'],
      ['another version', edited(good, (b) => void (b[4] = 9)), 'FL_CKKS_MALFORMED'],
      ['no clients', edited(good, (b) => b.writeUInt32LE(0, 12)), 'FL_CKKS_MALFORMED'],
      ['four billion tensors', edited(good, (b) => b.writeUInt32LE(0xffffffff, 16)), 'FL_CKKS_MALFORMED'],
      ['lengths that are not the vector', edited(good, (b) => b.writeUInt32LE(5999, 24)), 'FL_CKKS_MALFORMED'],
      ['non-zero padding', edited(good, (b) => void (b[22] = 1)), 'FL_CKKS_MALFORMED'],
      ['bad parameters', edited(good, (b) => b.writeUInt32LE(3, 8)), 'FL_CKKS_BAD_PARAMS'],
      ['other parameters than the job', edited(good, (b) => void (b[6] = 30)), 'FL_CKKS_PARAMS_MISMATCH'],
      ['another model shape', await encryptUpdateBytes(owner.publicKey, model(6, [6000, 140]), 50), 'FL_CKKS_LENGTH_MISMATCH'],
      ['under another key', await encryptUpdateBytes(stranger.publicKey, model(5), 50), 'FL_CKKS_WRONG_KEY'],
      ['a tampered ciphertext', edited(good, (b) => void b.fill(0xff, b.length - 64)), 'FL_CKKS_MALFORMED'],
    ]
    const aggregation = new EncryptedAggregation({ keyId: owner.publicKey.keyId, params: owner.publicKey.params })
    await aggregation.addBytes(good)
    for (const [name, update, code] of cases) {
      const err = await expectCode(aggregation.add(update), code)
      // FL_CKKS_BAD_PARAMS names the parameters, as for JSON updates.
      expect(err.details, name).toMatchObject(code === 'FL_CKKS_BAD_PARAMS' ? { params: { polyModulusDegree: 3 } } : { update: expect.any(Number) })
    }
    await aggregation.addBytes(good)
    expect(aggregation.count).toBe(2)
    const total = await aggregation.resultBytes()
    await aggregation.close()
    expect(await decryptMean(owner.secretKey, total)).toMatchObject({ clients: 2, totalExamples: 100 })
    await expectCode(decryptMean(stranger.secretKey, total), 'FL_CKKS_WRONG_KEY')
    await expectCode(decryptMean(owner.secretKey, total.subarray(0, 30)), 'FL_CKKS_MALFORMED')
    await expectCode(encryptUpdateBytes(owner.publicKey, model(5), 0), 'FL_CKKS_OUT_OF_RANGE')
  })

  it('lets a client prepare its encryption between rounds: the next update then gives the same mean', async () => {
    const parameters = model(8)
    const count = SHAPE.reduce((a, b) => a + b, 0)
    const encryptor = await UpdateEncryptor.create(owner.publicKey)
    expect(encryptor.keyId).toBe(owner.publicKey.keyId)
    expect(encryptor.isPrepared(count)).toBe(false)
    await encryptor.prepare(count)
    await encryptor.prepare(count)
    expect(encryptor.isPrepared(count)).toBe(true)
    const aggregation = new EncryptedAggregation({ keyId: owner.publicKey.keyId })
    await aggregation.addBytes(encryptor.encryptBytes(parameters, 30))
    expect(encryptor.isPrepared(count)).toBe(false)
    await aggregation.add(encryptor.encrypt(parameters, 10))
    encryptor.close()
    const { mean, totalExamples } = await decryptMean(owner.secretKey, await aggregation.resultBytes())
    await aggregation.close()
    expect(totalExamples).toBe(40)
    mean.forEach((t, i) => t.forEach((x, j) => expect(Math.abs(x - (parameters[i]?.[j] as number))).toBeLessThan(1e-4)))
    expect(() => encryptor.encryptBytes(parameters, 30)).toThrow(/closed/)
  })

  it('round after round in binary form, WASM memory stays flat', async () => {
    const wasm = (): number => process.memoryUsage().external - process.memoryUsage().arrayBuffers
    const parameters = model(7)
    const round = async (): Promise<void> => {
      const keys = await generateJobKeys()
      const aggregation = new EncryptedAggregation({ keyId: keys.publicKey.keyId })
      const encryptor = await UpdateEncryptor.create(keys.publicKey)
      for (let i = 0; i < 3; i++) {
        await encryptor.prepare(6140)
        await aggregation.addBytes(i === 0 ? await encryptUpdateBytes(keys.publicKey, parameters, 10) : encryptor.encryptBytes(parameters, 10 + i))
      }
      encryptor.close()
      const total = await aggregation.resultBytes()
      await aggregation.close()
      await decryptMean(keys.secretKey, total)
    }
    for (let i = 0; i < 3; i++) await round()
    const before = wasm()
    for (let i = 0; i < 20; i++) await round()
    expect(wasm() - before).toBeLessThan(1_000_000)
  })
})
