import { CkksContext } from '@w3ai/crypto/ckks'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { normal, seededRandom } from '@w3ai/util'
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { addEncrypted, decryptMean, EncryptedAggregation, encryptUpdate, generateJobKeys, type CkksKeyPair, type CkksParams, type CkksPublicKey, type CkksSecretKey, type EncryptedUpdate } from '../src/he/index.js'
import { createStrategy, type Parameters, type TrainReply } from '../src/index.js'

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

function model(seed: number): Parameters {
  const random = seededRandom(seed)
  return SHAPE.map((n) => Float32Array.from({ length: n }, () => 0.1 * normal(random)))
}

function replies(count: number, seed: number): TrainReply[] {
  const random = seededRandom(seed)
  return Array.from({ length: count }, (_, i) => ({ clientId: `c${i}`, parameters: model(seed * 100 + i), numExamples: 20 + Math.floor(random() * 500), metrics: {} }))
}

/** JSON round trip, as over the wire. */
function wire<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

describe('CKKS aggregation of federated updates', () => {
  let owner: CkksKeyPair

  beforeAll(async () => {
    owner = await generateJobKeys()
  })

  it('gives the owner the example-weighted mean of 10 clients within 1e-4 (relative to its largest value), and FedAvg the same model as in plaintext', async () => {
    const clients = replies(10, 1)
    const updates = await Promise.all(clients.map((r) => encryptUpdate(owner.publicKey, r.parameters, r.numExamples)))
    const aggregate = await addEncrypted(updates.map(wire), { keyId: owner.publicKey.keyId })
    const { mean, totalExamples, clients: count } = await decryptMean(owner.secretKey, wire(aggregate))

    const total = clients.reduce((s, r) => s + r.numExamples, 0)
    expect([totalExamples, count]).toEqual([total, 10])
    expect(mean.map((t) => t.length)).toEqual(SHAPE)
    let largest = 0
    let worst = 0
    SHAPE.forEach((n, t) => {
      for (let i = 0; i < n; i++) {
        const expected = clients.reduce((s, r) => s + r.numExamples * (r.parameters[t]?.[i] as number), 0) / total
        largest = Math.max(largest, Math.abs(expected))
        worst = Math.max(worst, Math.abs((mean[t]?.[i] as number) - expected))
      }
    })
    expect(worst).toBeLessThan(1e-4 * largest)

    const fedavg = createStrategy({ name: 'fedavg' })
    const current = model(0)
    const plain = fedavg.aggregateTrain(1, current, clients, 0).parameters as Parameters
    const secure = fedavg.linear?.fromMean(1, current, mean, totalExamples, count).parameters as Parameters
    secure.forEach((t, i) => t.forEach((x, j) => expect(Math.abs(x - (plain[i]?.[j] as number))).toBeLessThan(1e-4 * largest)))
  })

  it('keeps keys where they belong: clients take only a public key, the aggregator none, and no message carries a key', async () => {
    expectTypeOf(encryptUpdate).parameter(0).toEqualTypeOf<CkksPublicKey>()
    expectTypeOf(addEncrypted).parameter(0).toEqualTypeOf<readonly unknown[]>()
    expectTypeOf(addEncrypted).parameter(1).toEqualTypeOf<{ keyId?: string; params?: CkksParams } | undefined>()
    expectTypeOf(decryptMean).parameter(0).toEqualTypeOf<CkksSecretKey>()
    await expectCode(encryptUpdate(owner.secretKey as never, model(1), 10), 'FL_CKKS_MALFORMED')
    const update = await encryptUpdate(owner.publicKey, model(1), 10)
    const aggregate = await addEncrypted([update, update])
    // Past the SEAL header and parameter id, which keys and ciphertexts share.
    for (const text of [JSON.stringify(update), JSON.stringify(aggregate)]) {
      expect(text).not.toContain(owner.secretKey.key.slice(2000, 2064))
      expect(text).not.toContain(owner.publicKey.key.slice(2000, 2064))
    }
  })

  it('decrypts only with the owner key: another key is refused, and a relabelled one fails the count check', async () => {
    const stranger = await generateJobKeys()
    const aggregate = await addEncrypted(await Promise.all(replies(3, 2).map((r) => encryptUpdate(owner.publicKey, r.parameters, r.numExamples))))
    await expectCode(decryptMean(stranger.secretKey, aggregate), 'FL_CKKS_WRONG_KEY')
    const relabelled = { ...aggregate, vector: { ...aggregate.vector, keyId: stranger.secretKey.keyId } }
    await expectCode(decryptMean(stranger.secretKey, relabelled), 'FL_CKKS_DECRYPT_FAILED')
  })

  it('refuses an update under another key, of another shape or malformed, naming it', async () => {
    const stranger = await generateJobKeys()
    const good = await encryptUpdate(owner.publicKey, model(3), 50)
    const foreign = await encryptUpdate(stranger.publicKey, model(3), 50)
    expect((await expectCode(addEncrypted([good, foreign]), 'FL_CKKS_WRONG_KEY')).details).toMatchObject({ update: 1 })
    await expectCode(addEncrypted([foreign], { keyId: owner.publicKey.keyId }), 'FL_CKKS_WRONG_KEY')
    await expectCode(addEncrypted([good], { params: { ...owner.publicKey.params, polyModulusDegree: 8192 } }), 'FL_CKKS_PARAMS_MISMATCH')
    const smaller = await encryptUpdate(owner.publicKey, [new Float32Array(6000), new Float32Array(140)], 50)
    await expectCode(addEncrypted([good, smaller]), 'FL_CKKS_LENGTH_MISMATCH')
    const cases: unknown[] = [
      'update',
      { ...good, clients: 0 },
      { ...good, lengths: [6000, 100] },
      { ...good, params: { ...good.params, polyModulusDegree: 3 } },
      { ...good, vector: { ...good.vector, ciphertexts: ['AAAA', ...good.vector.ciphertexts.slice(1)] } },
    ]
    for (const bad of cases) {
      const err = await addEncrypted([good, bad]).then(
        () => undefined,
        (e: unknown) => e as W3aiError,
      )
      expect(['FL_CKKS_MALFORMED', 'FL_CKKS_BAD_PARAMS'], String(err)).toContain(err?.code)
    }
    await expectCode(addEncrypted([]), 'FL_CKKS_MALFORMED')
    await expectCode(encryptUpdate(owner.publicKey, model(3), 0), 'FL_CKKS_OUT_OF_RANGE')
    await expectCode(encryptUpdate(owner.publicKey, [Float32Array.of(Number.NaN)], 5), 'FL_CKKS_OUT_OF_RANGE')
  })

  it('adds sums of sums: partial aggregates combine into the same mean', async () => {
    const clients = replies(4, 3)
    const updates = await Promise.all(clients.map((r) => encryptUpdate(owner.publicKey, r.parameters, r.numExamples)))
    const whole = await decryptMean(owner.secretKey, await addEncrypted(updates))
    const halves = await Promise.all([addEncrypted(updates.slice(0, 2)), addEncrypted(updates.slice(2))])
    const joined: EncryptedUpdate = await addEncrypted(halves)
    const parts = await decryptMean(owner.secretKey, joined)
    expect([parts.clients, parts.totalExamples]).toEqual([whole.clients, whole.totalExamples])
    parts.mean.forEach((t, i) => t.forEach((x, j) => expect(Math.abs(x - (whole.mean[i]?.[j] as number))).toBeLessThan(1e-5)))
  })

  it('sums updates as they arrive; a bad one is refused and the round goes on without it', async () => {
    const clients = replies(3, 5)
    const updates = await Promise.all(clients.map((r) => encryptUpdate(owner.publicKey, r.parameters, r.numExamples)))
    const aggregation = new EncryptedAggregation({ keyId: owner.publicKey.keyId })
    await aggregation.add(wire(updates[0]))
    const broken = { ...updates[1], vector: { ...updates[1]?.vector, ciphertexts: updates[1]?.vector.ciphertexts.map((c, i) => (i === 1 ? c.slice(4) : c)) } }
    expect((await expectCode(aggregation.add(broken), 'FL_CKKS_MALFORMED')).details).toMatchObject({ update: 1, ciphertext: 1 })
    await aggregation.add(wire(updates[2]))
    expect(aggregation.count).toBe(2)
    const { totalExamples, clients: count } = await decryptMean(owner.secretKey, await aggregation.result())
    await aggregation.close()
    expect([totalExamples, count]).toEqual([(clients[0]?.numExamples ?? 0) + (clients[2]?.numExamples ?? 0), 2])
  })

  it('round after round, WASM memory stays flat', async () => {
    const wasm = (): number => process.memoryUsage().external - process.memoryUsage().arrayBuffers
    const clients = replies(3, 4)
    const round = async (): Promise<void> => {
      const keys = await generateJobKeys()
      const updates = await Promise.all(clients.map((r) => encryptUpdate(keys.publicKey, r.parameters, r.numExamples)))
      await decryptMean(keys.secretKey, await addEncrypted(updates))
    }
    for (let i = 0; i < 3; i++) await round()
    const before = wasm()
    for (let i = 0; i < 20; i++) await round()
    expect(wasm() - before).toBeLessThan(1_000_000)
  })

  it('works with a context built from the public parameters alone', async () => {
    const aggregator = await CkksContext.create(owner.publicKey.params)
    expect(aggregator.slots).toBe(2048)
    aggregator.close()
  })
})
