/**
 * @w3ai/crypto/ckks: CKKS homomorphic encryption (Microsoft SEAL through node-seal) for adding
 * vectors nobody but the key owner can read. A subpath of its own so that only code that uses it
 * loads the WASM module (and even then not before the first context is created).
 *
 * ```ts
 * const ckks = await CkksContext.create()               // DEFAULT_CKKS_PARAMS
 * const { publicKey, secretKey } = ckks.generateKeys()  // the owner keeps secretKey
 * const enc = ckks.encryptor(publicKey)                 // each client
 * const a = enc.encrypt(new Float32Array([1, 2])), b = enc.encrypt(new Float32Array([3, 4]))
 * const total = ckks.sum([a, b])                        // the aggregator: no key
 * const dec = ckks.decryptor(secretKey)
 * dec.decrypt(total)                                    // ≈ [4, 6]
 * enc.close(); dec.close()
 * ```
 *
 * Every vector also has a binary form (binary.ts: a 40-byte header, then SEAL's ciphertexts):
 * `enc.encryptBytes(values)` gives it, `accumulator.add` / `sum` / `decrypt` take either form, and
 * `accumulator.resultBytes()` returns the sum in it. It is 3/4 the size of the JSON form and needs
 * no text decoding, which at 100k values is most of an aggregator's time.
 *
 * Each ciphertext carries N values (two per complex slot, embedding.ts). Most of an encryption is
 * SEAL encrypting zero; `enc.prepare(ciphertexts)` does that ahead (a client between rounds), and
 * later encryptions use those zeros, each once.
 */
export { CkksAccumulator, type SumOptions, type VectorLabel } from './accumulator.js'
export { binaryVectorLength, VECTOR_HEADER_BYTES } from './binary.js'
export { CkksContext, sharedCkksContext } from './context.js'
export { CkksEncryptor } from './encryptor.js'
export { CkksDecryptor } from './decryptor.js'
export { checkParams, ckksCapacity, ckksSlots, DEFAULT_CKKS_PARAMS, sameParams, type CkksParams } from './params.js'
export { ciphertextBytes, keyIdOf, type CkksKeyPair, type CkksPublicKey, type CkksSecretKey, type CkksVector } from './wire.js'
