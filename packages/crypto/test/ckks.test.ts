import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CkksContext, DEFAULT_CKKS_PARAMS, type CkksKeyPair, type CkksVector } from '../src/ckks/index.js'
import { expectCode, maxAbsDiff, randomVector, wasmGrowth } from './ckks-kit.js'

/** Rewrites the bytes of one ciphertext of a vector. */
function tamper(vector: CkksVector, edit: (bytes: Buffer) => Buffer, index = 0): CkksVector {
  const ciphertexts = [...vector.ciphertexts]
  ciphertexts[index] = edit(Buffer.from(ciphertexts[index] as string, 'base64url')).toString('base64url')
  return { ...vector, ciphertexts }
}

describe('CKKS over node-seal', () => {
  let owner: CkksContext
  let keys: CkksKeyPair
  // 10000 values: three ciphertexts of 4096 values (2048 complex slots), the last one padded.
  const length = 10000

  beforeAll(async () => {
    owner = await CkksContext.create()
    keys = owner.generateKeys()
  })
  afterAll(() => owner.close())

  it('encrypts under the public key and decrypts with the secret key, within 1e-3 of every value', () => {
    const values = randomVector(length, 1)
    const encryptor = owner.encryptor(keys.publicKey)
    const vector = encryptor.encrypt(values)
    encryptor.close()
    expect(vector.keyId).toBe(keys.publicKey.keyId)
    expect(vector.ciphertexts).toHaveLength(3)
    expect(JSON.parse(JSON.stringify(vector))).toEqual(vector)
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(vector), values)).toBeLessThan(1e-3)
    decryptor.close()
  })

  it('adds vectors with no key at all (a context from the public parameters), matching the plaintext sum', async () => {
    const clients = Array.from({ length: 10 }, (_, i) => randomVector(length, 10 + i))
    const encryptor = owner.encryptor(keys.publicKey)
    const vectors = clients.map((v) => encryptor.encrypt(v))
    encryptor.close()
    const aggregator = await CkksContext.create(keys.publicKey.params)
    const total = aggregator.sum(vectors, { keyId: keys.publicKey.keyId })
    aggregator.close()
    const expected = new Float64Array(length)
    for (const v of clients) v.forEach((x, i) => (expected[i] = (expected[i] as number) + x))
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(total), expected)).toBeLessThan(1e-3)
    decryptor.close()
  })

  it('keeps a running sum as vectors arrive; a refused vector leaves it as it was', () => {
    const [a, b] = [randomVector(length, 5), randomVector(length, 6)]
    const encryptor = owner.encryptor(keys.publicKey)
    const [ea, eb] = [encryptor.encrypt(a), encryptor.encrypt(b)]
    encryptor.close()
    const accumulator = owner.accumulator({ keyId: keys.publicKey.keyId })
    accumulator.add(ea)
    // Its first two ciphertexts are fine; the third is not, and nothing of it may reach the sum.
    expectCode(() => accumulator.add(tamper(eb, (bytes) => Buffer.from(bytes).fill(0xff, bytes.length - 64), 2)), 'FL_CKKS_MALFORMED')
    accumulator.add(eb)
    expect(accumulator.count).toBe(2)
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(accumulator.result()), Array.from(a, (x, i) => x + (b[i] as number)))).toBeLessThan(1e-3)
    decryptor.close()
    accumulator.close()
  })

  it('refuses a vector under another key id, and another secret key decrypts only noise', () => {
    const other = owner.generateKeys()
    expect(other.publicKey.keyId).not.toBe(keys.publicKey.keyId)
    const values = randomVector(length, 2)
    const encryptor = owner.encryptor(keys.publicKey)
    const vector = encryptor.encrypt(values)
    encryptor.close()
    const thief = owner.decryptor(other.secretKey)
    expectCode(() => thief.decrypt(vector), 'FL_CKKS_WRONG_KEY')
    // Relabelled to the thief's key id, the vector passes the label check and decrypts to garbage.
    const garbage = thief.decrypt({ ...vector, keyId: other.secretKey.keyId })
    thief.close()
    const errors = Array.from(garbage, (x, i) => Math.abs(x - (values[i] as number))).sort((a, b) => a - b)
    expect(errors[Math.floor(errors.length / 2)]).toBeGreaterThan(1e6)
    const theirs = owner.encryptor(other.publicKey).encrypt(values)
    expectCode(() => owner.sum([vector, theirs]), 'FL_CKKS_WRONG_KEY')
    expectCode(() => owner.sum([theirs], { keyId: keys.publicKey.keyId }), 'FL_CKKS_WRONG_KEY')
  })

  it('refuses keys and ciphertexts made for other parameters', async () => {
    const big = await CkksContext.create({ polyModulusDegree: 8192, coeffModulusBits: [60], scaleBits: 28 })
    const bigKeys = big.generateKeys()
    expectCode(() => owner.encryptor(bigKeys.publicKey), 'FL_CKKS_PARAMS_MISMATCH')
    expectCode(() => owner.decryptor(bigKeys.secretKey), 'FL_CKKS_PARAMS_MISMATCH')
    // Same ring, other scale: the parms id agrees but the scale in the ciphertext does not.
    const rescaled = await CkksContext.create({ ...DEFAULT_CKKS_PARAMS, scaleBits: 30 })
    const vector = rescaled.encryptor(rescaled.generateKeys().publicKey).encrypt([1, 2, 3])
    expectCode(() => owner.sum([vector]), 'FL_CKKS_PARAMS_MISMATCH')
    const bigVector = big.encryptor(bigKeys.publicKey).encrypt([1, 2, 3])
    const err = expectCode(() => owner.sum([{ ...bigVector, ciphertexts: [bigVector.ciphertexts[0]] }]), 'FL_CKKS_PARAMS_MISMATCH')
    expect(err.details).toEqual({ vector: 0, ciphertext: 0 })
    big.close()
    rescaled.close()
  })

  it('refuses malformed vectors and ciphertexts with FL_CKKS_MALFORMED naming the culprit', () => {
    const encryptor = owner.encryptor(keys.publicKey)
    const good = encryptor.encrypt(randomVector(length, 3))
    encryptor.close()
    const bad: unknown[] = [
      null,
      { keyId: good.keyId, length: 0, ciphertexts: [] },
      { ...good, ciphertexts: good.ciphertexts.slice(1) },
      { ...good, ciphertexts: [...good.ciphertexts.slice(0, 2), 'not base64!'] },
      tamper(good, (b) => b.subarray(0, b.length - 8)),
      tamper(good, (b) => Buffer.concat([b, Buffer.alloc(8)])),
      tamper(good, (b) => Buffer.from(b).fill(7, 5, 6)), // compression flag: SEAL would inflate it
      tamper(good, (b) => Buffer.from(b).fill(0xff, b.length - 64)), // coefficients past the modulus
      tamper(good, (b) => Buffer.from(b).fill(3, 49, 50)), // three polynomials: not a fresh ciphertext
    ]
    for (const [i, v] of bad.entries()) {
      const err = expectCode(() => owner.sum([good, v]), 'FL_CKKS_MALFORMED')
      expect((err.details as { vector: number }).vector, `case ${i}`).toBe(1)
    }
    expectCode(() => owner.sum([]), 'FL_CKKS_MALFORMED')
    expectCode(() => owner.sum([good, { ...good, length: length - 1 }]), 'FL_CKKS_LENGTH_MISMATCH')
    expectCode(() => owner.encryptor({ ...keys.publicKey, keyId: keys.secretKey.keyId.slice(1) }), 'FL_CKKS_MALFORMED')
    expectCode(() => owner.encryptor({ ...keys.publicKey, key: keys.publicKey.key.slice(8) }), 'FL_CKKS_MALFORMED')
  })

  it('takes only a public key to encrypt and only a secret key to decrypt', () => {
    expectCode(() => owner.encryptor(keys.secretKey as never), 'FL_CKKS_MALFORMED')
    expectCode(() => owner.decryptor(keys.publicKey as never), 'FL_CKKS_MALFORMED')
  })

  it('refuses values that are not finite or past the capacity', () => {
    const encryptor = owner.encryptor(keys.publicKey)
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, owner.capacity * 2]) {
      expect(expectCode(() => encryptor.encrypt([1, v]), 'FL_CKKS_OUT_OF_RANGE').details).toMatchObject({ index: 1 })
    }
    expectCode(() => encryptor.encrypt([]), 'FL_CKKS_OUT_OF_RANGE')
    encryptor.close()
  })

  it('refuses invalid parameters', async () => {
    for (const params of [
      { polyModulusDegree: 1000, coeffModulusBits: [60], scaleBits: 28 },
      { polyModulusDegree: 4096, coeffModulusBits: [60, 60], scaleBits: 28 }, // 120 bits > 109
      { polyModulusDegree: 4096, coeffModulusBits: [60], scaleBits: 59 },
      { polyModulusDegree: 4096, coeffModulusBits: [], scaleBits: 28 },
      { polyModulusDegree: 16384, coeffModulusBits: [20, 20, 20, 20], scaleBits: 12 }, // too few 20-bit primes = 1 mod 2N
    ]) {
      await expect(CkksContext.create(params)).rejects.toMatchObject({ code: 'FL_CKKS_BAD_PARAMS' })
    }
  })

  it('frees its WASM memory: many rounds of keys, encryption, sums and decryption do not grow it', () => {
    // WASM memory shows in `external`, not in `arrayBuffers` (which JS buffers awaiting GC inflate).
    const values = randomVector(length, 4)
    const round = (): void => {
      const pair = owner.generateKeys()
      const encryptor = owner.encryptor(pair.publicKey)
      const total = owner.sum([encryptor.encrypt(values), encryptor.encrypt(values), encryptor.encrypt(values)])
      encryptor.close()
      const decryptor = owner.decryptor(pair.secretKey)
      decryptor.decrypt(total)
      decryptor.close()
    }
    // Leaking the ciphertexts alone would take about 1.6 MB per round.
    expect(wasmGrowth(round)).toBeLessThan(1_000_000)
  })
})
