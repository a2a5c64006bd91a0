import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CkksContext, DEFAULT_CKKS_PARAMS, VECTOR_HEADER_BYTES, type CkksKeyPair } from '../src/ckks/index.js'
import { expectCode, maxAbsDiff, randomVector, wasmGrowth } from './ckks-kit.js'

/** A copy of `bytes` with `edit` applied. */
function edited(bytes: Uint8Array, edit: (copy: Buffer) => Buffer | void): Uint8Array {
  const copy = Buffer.from(bytes)
  return edit(copy) ?? copy
}

describe('CKKS vectors in binary form', () => {
  let owner: CkksContext
  let keys: CkksKeyPair
  // 10000 values: three ciphertexts of 4096 values (2048 complex slots), the last one padded.
  const length = 10000

  beforeAll(async () => {
    owner = await CkksContext.create()
    keys = owner.generateKeys()
  })
  afterAll(() => owner.close())

  it('holds a 40-byte header and SEAL ciphertexts, 3/4 the size of the JSON form, and decrypts within 1e-3', () => {
    const values = randomVector(length, 1)
    const encryptor = owner.encryptor(keys.publicKey)
    const bytes = encryptor.encryptBytes(values)
    const json = encryptor.encrypt(values)
    encryptor.close()
    const ciphertext = Buffer.from(json.ciphertexts[0] as string, 'base64url').byteLength
    expect(bytes.byteLength).toBe(VECTOR_HEADER_BYTES + 3 * ciphertext)
    expect(bytes.byteLength).toBeLessThan(0.76 * JSON.stringify(json).length)
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(bytes), values)).toBeLessThan(1e-3)
    decryptor.close()
  })

  it('sums binary and JSON vectors alike, with no key, and gives the sum in either form', async () => {
    const clients = Array.from({ length: 6 }, (_, i) => randomVector(length, 10 + i))
    const encryptor = owner.encryptor(keys.publicKey)
    const vectors = clients.map((v, i) => (i % 2 === 0 ? encryptor.encryptBytes(v) : encryptor.encrypt(v)))
    encryptor.close()
    const aggregator = await CkksContext.create(keys.publicKey.params)
    const accumulator = aggregator.accumulator({ keyId: keys.publicKey.keyId })
    vectors.forEach((v, i) => accumulator.add(v, { label: `Vector ${i}`, details: { vector: i } }))
    const [asBytes, asJson] = [accumulator.resultBytes(), accumulator.result()]
    accumulator.close()
    aggregator.close()
    const expected = new Float64Array(length)
    for (const v of clients) v.forEach((x, i) => (expected[i] = (expected[i] as number) + x))
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(asBytes), expected)).toBeLessThan(1e-3)
    expect(maxAbsDiff(decryptor.decrypt(asJson), decryptor.decrypt(asBytes))).toBe(0)
    decryptor.close()
  })

  it('refuses malformed, truncated or padded vectors and tampered ciphertexts, naming the culprit, and the sum stays as it was', () => {
    const encryptor = owner.encryptor(keys.publicKey)
    const values = randomVector(length, 3)
    const good = encryptor.encryptBytes(values)
    encryptor.close()
    const size = (good.byteLength - VECTOR_HEADER_BYTES) / 3
    const last = VECTOR_HEADER_BYTES + 2 * size
    const bad: Array<[string, unknown, string]> = [
      ['not bytes', Array.from(good.subarray(0, 64)), ''],
      ['a JSON vector as text', new TextEncoder().encode('{"keyId":"x"}'), ''],
      ['no header', good.subarray(0, 20), ''],
      ['bad magic', edited(good, (b) => void b.fill(0, 0, 1)), ''],
      ['another version', edited(good, (b) => void (b[4] = 2)), ''],
      ['reserved bytes set', edited(good, (b) => void (b[6] = 1)), ''],
      ['length 0', edited(good, (b) => void b.writeUInt32LE(0, 24)), ''],
      ['a count that does not fit the length', edited(good, (b) => void b.writeUInt32LE(2, 28)), ''],
      ['another ciphertext size', edited(good, (b) => void b.writeUInt32LE(size - 8, 32)), ''],
      ['truncated', good.subarray(0, good.byteLength - 1), ''],
      ['one ciphertext missing', good.subarray(0, last), ''],
      ['trailing bytes', Buffer.concat([good, Buffer.alloc(8)]), ''],
      ['not a SEAL object', edited(good, (b) => void b.fill(0, last, last + 2)), 'ciphertext 2'],
      ['compressed', edited(good, (b) => void (b[last + 5] = 2)), 'ciphertext 2'],
      ['coefficients past the modulus', edited(good, (b) => void b.fill(0xff, b.length - 64)), 'ciphertext 2'],
      ['three polynomials', edited(good, (b) => void b.fill(3, last + 49, last + 50)), 'ciphertext 2'],
    ]
    const accumulator = owner.accumulator({ keyId: keys.publicKey.keyId })
    accumulator.add(good)
    for (const [name, vector, culprit] of bad) {
      const err = expectCode(() => accumulator.add(vector, { label: 'Vector 1', details: { vector: 1 } }), 'FL_CKKS_MALFORMED')
      expect(err.details, name).toMatchObject({ vector: 1, ...(culprit === '' ? {} : { ciphertext: 2 }) })
    }
    expect(accumulator.count).toBe(1)
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(accumulator.resultBytes()), values)).toBeLessThan(1e-3)
    expectCode(() => decryptor.decrypt(good.subarray(0, good.byteLength - 8)), 'FL_CKKS_MALFORMED')
    decryptor.close()
    accumulator.close()
  })

  it('refuses vectors under another key or other parameters', async () => {
    const other = owner.generateKeys()
    const encrypt = (context: CkksContext, publicKey: CkksKeyPair['publicKey']): Uint8Array => {
      const encryptor = context.encryptor(publicKey)
      try {
        return encryptor.encryptBytes([1, 2, 3])
      } finally {
        encryptor.close()
      }
    }
    const theirs = encrypt(owner, other.publicKey)
    const ours = encrypt(owner, keys.publicKey)
    expectCode(() => owner.sum([ours, theirs]), 'FL_CKKS_WRONG_KEY')
    expectCode(() => owner.sum([theirs], { keyId: keys.publicKey.keyId }), 'FL_CKKS_WRONG_KEY')
    const thief = owner.decryptor(other.secretKey)
    expectCode(() => thief.decrypt(ours), 'FL_CKKS_WRONG_KEY')
    thief.close()
    // A relabelled key id passes the label check; the ciphertexts still decrypt to noise only.
    const relabelled = edited(ours, (b) => void Buffer.from(other.publicKey.keyId, 'base64url').copy(b, 8))
    expect(owner.sum([relabelled]).keyId).toBe(other.publicKey.keyId)

    const big = await CkksContext.create({ polyModulusDegree: 8192, coeffModulusBits: [60], scaleBits: 28 })
    const bigVector = encrypt(big, big.generateKeys().publicKey)
    expectCode(() => owner.sum([bigVector]), 'FL_CKKS_PARAMS_MISMATCH')
    const rescaled = await CkksContext.create({ ...DEFAULT_CKKS_PARAMS, scaleBits: 30 })
    const rescaledVector = encrypt(rescaled, rescaled.generateKeys().publicKey)
    expect(expectCode(() => owner.sum([rescaledVector]), 'FL_CKKS_PARAMS_MISMATCH').details).toEqual({ vector: 0, ciphertext: 0 })
    big.close()
    rescaled.close()
  })

  it('leaves room for a caller header before the vector, and refuses what cannot be encrypted', () => {
    const encryptor = owner.encryptor(keys.publicKey)
    const bytes = encryptor.encryptBytes([1, 2, 3], 24)
    expect(bytes.subarray(0, 24).every((b) => b === 0)).toBe(true)
    const decryptor = owner.decryptor(keys.secretKey)
    expect(maxAbsDiff(decryptor.decrypt(bytes.subarray(24)), [1, 2, 3])).toBeLessThan(1e-3)
    decryptor.close()
    expectCode(() => encryptor.encryptBytes([]), 'FL_CKKS_OUT_OF_RANGE')
    expectCode(() => encryptor.encryptBytes([1, Number.NaN]), 'FL_CKKS_OUT_OF_RANGE')
    encryptor.close()
  })

  it('encrypts with zeros prepared ahead exactly as without: each used once, fresh randomness every time', () => {
    const values = randomVector(length, 5)
    const encryptor = owner.encryptor(keys.publicKey)
    expect(encryptor.ciphertextsFor(length)).toBe(3)
    encryptor.prepare(2)
    expect(encryptor.prepared).toBe(2)
    const first = encryptor.encryptBytes(values) // two prepared, one made on the spot
    expect(encryptor.prepared).toBe(0)
    encryptor.prepare(3)
    const second = encryptor.encryptBytes(values)
    const third = encryptor.encryptBytes(values)
    encryptor.close()
    expect(Buffer.compare(first, second)).not.toBe(0)
    expect(Buffer.compare(second, third)).not.toBe(0)
    const decryptor = owner.decryptor(keys.secretKey)
    for (const v of [first, second, third]) expect(maxAbsDiff(decryptor.decrypt(v), values)).toBeLessThan(1e-3)
    decryptor.close()
  })

  it('frees its WASM memory: many rounds in binary form do not grow it', () => {
    const values = randomVector(length, 4)
    const round = (): void => {
      const pair = owner.generateKeys()
      const encryptor = owner.encryptor(pair.publicKey)
      encryptor.prepare(4)
      const accumulator = owner.accumulator()
      for (let i = 0; i < 3; i++) accumulator.add(encryptor.encryptBytes(values))
      encryptor.close()
      const total = accumulator.resultBytes()
      accumulator.close()
      const decryptor = owner.decryptor(pair.secretKey)
      decryptor.decrypt(total)
      decryptor.close()
    }
    expect(wasmGrowth(round)).toBeLessThan(1_000_000)
  })
})
