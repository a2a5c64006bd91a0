import { normal, seededRandom } from '@w3ai/util'
import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { CanonicalEmbedding } from '../src/ckks/embedding.js'
import { CkksContext, DEFAULT_CKKS_PARAMS, type CkksParams } from '../src/ckks/index.js'
import { loadSeal } from '../src/ckks/seal.js'
import { maxAbsDiff } from './ckks-kit.js'

function randomVector(length: number, seed: number, scale = 1): Float64Array {
  const random = seededRandom(seed)
  return Float64Array.from({ length }, () => scale * normal(random))
}


async function roundTrip(params: CkksParams, values: Float64Array, copies: number): Promise<Float64Array> {
  const context = await CkksContext.create(params)
  try {
    const { publicKey, secretKey } = context.generateKeys()
    const encryptor = context.encryptor(publicKey)
    const vectors = Array.from({ length: copies }, (_, i) => (i % 2 === 0 ? encryptor.encryptBytes(values) : encryptor.encrypt(values)))
    encryptor.close()
    const decryptor = context.decryptor(secretKey)
    const sum = decryptor.decrypt(context.sum(vectors))
    decryptor.close()
    return sum
  } finally {
    context.close()
  }
}

describe('CKKS encoding: two values per complex slot', () => {
  it('encodes and decodes a polynomial exactly up to floating point', () => {
    const embedding = new CanonicalEmbedding(4096)
    const values = randomVector(4096, 1)
    const coefficients = new Float64Array(4096)
    embedding.encode(values, 0, 4096, 1, coefficients)
    const back = new Float64Array(4096)
    embedding.decode(coefficients, 1, back, 0, 4096)
    expect(maxAbsDiff(back, values)).toBeLessThan(1e-12)
  })

  it("is SEAL's slot encoding: SEAL's own decryptor and decoder read the real halves of what this library encrypts", async () => {
    const context = await CkksContext.create()
    const { publicKey, secretKey } = context.generateKeys()
    const values = randomVector(4096, 2)
    const encryptor = context.encryptor(publicKey)
    const bytes = Buffer.from(encryptor.encrypt(values).ciphertexts[0] as string, 'base64url')
    encryptor.close()

    const seal = await loadSeal()
    const parms = seal.EncryptionParameters(seal.SchemeType.ckks)
    parms.setPolyModulusDegree(4096)
    parms.setCoeffModulus(seal.CoeffModulus.Create(4096, Int32Array.from([60])))
    const sealContext = seal.Context(parms, true, seal.SecurityLevel.tc128)
    const key = seal.SecretKey()
    key.loadArray(sealContext, Buffer.from(secretKey.key, 'base64url'))
    const cipher = seal.CipherText()
    cipher.loadArray(sealContext, bytes)
    const plain = seal.PlainText()
    seal.Decryptor(sealContext, key).decrypt(cipher, plain)
    const slots = seal.CKKSEncoder(sealContext).decode(plain)
    expect(maxAbsDiff(slots, values.subarray(0, 2048))).toBeLessThan(1e-3)
    context.close()
  })

  it('keeps the error of a fresh encryption near 5e-5 and sums of values near the capacity exact to it', async () => {
    const values = randomVector(10000, 3)
    const one = await roundTrip(DEFAULT_CKKS_PARAMS, values, 1)
    let squares = 0
    values.forEach((v, i) => (squares += (v - (one[i] as number)) ** 2))
    expect(Math.sqrt(squares / values.length)).toBeLessThan(1e-4)

    // Ten values each a tenth of the capacity, of both signs, sum to ±capacity without wrapping.
    const context = await CkksContext.create()
    const capacity = context.capacity
    context.close()
    const edge = Float64Array.from({ length: 4096 }, (_, i) => (i % 3 === 0 ? 1 : -1) * (capacity / 10))
    const sum = await roundTrip(DEFAULT_CKKS_PARAMS, edge, 10)
    expect(maxAbsDiff(sum, Array.from(edge, (v) => 10 * v)) / capacity).toBeLessThan(1e-6)
    const flat = new Float64Array(4096).fill(capacity / 10)
    expect(maxAbsDiff(await roundTrip(DEFAULT_CKKS_PARAMS, flat, 10), Array.from(flat, (v) => 10 * v)) / capacity).toBeLessThan(1e-6)
  })

  it('works with several data primes (residues joined by the CRT)', async () => {
    const params = { polyModulusDegree: 8192, coeffModulusBits: [40, 40, 60], scaleBits: 30 }
    const values = randomVector(9000, 4, 100)
    const sum = await roundTrip(params, values, 3)
    expect(maxAbsDiff(sum, Array.from(values, (v) => 3 * v))).toBeLessThan(1e-3)
    const context = await CkksContext.create(params)
    expect([context.slots, context.valuesPerCiphertext, context.capacity]).toEqual([4096, 8192, 2 ** (80 - 3 - 30)])
    context.close()
  })

  it('refuses a ciphertext in coefficient form (CKKS ciphertexts travel in NTT form)', async () => {
    const context = await CkksContext.create()
    const { publicKey } = context.generateKeys()
    const encryptor = context.encryptor(publicKey)
    const vector = encryptor.encrypt([1, 2, 3])
    encryptor.close()
    const bytes = Buffer.from(vector.ciphertexts[0] as string, 'base64url')
    bytes[16 + 32] = 0
    expect(() => context.sum([{ ...vector, ciphertexts: [bytes.toString('base64url')] }])).toThrow(W3aiError)
    context.close()
  })
})
