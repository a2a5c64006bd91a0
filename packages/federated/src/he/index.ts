/**
 * @w3ai/federated/he: secure aggregation by CKKS homomorphic encryption. Only the job owner holds
 * a secret key; clients encrypt under its public key, the aggregator adds ciphertexts, and only the
 * aggregate reaches the owner, who decrypts the example-weighted mean. A subpath of its own: it
 * brings in node-seal's WASM (loaded at the first call, not at import).
 *
 * ```ts
 * const { publicKey, secretKey } = await generateJobKeys()                  // owner
 * const update = await encryptUpdate(publicKey, reply.parameters, reply.numExamples)  // each client
 * const aggregate = await addEncrypted(updates, { keyId: publicKey.keyId })  // aggregator
 * const { mean, totalExamples, clients } = await decryptMean(secretKey, aggregate)  // owner
 * strategy.linear.fromMean(round, current, mean, totalExamples, clients)
 * ```
 *
 * The fast path: the same messages in a binary form (envelope.ts: a small header with params,
 * tensor lengths, client count and key id, then SEAL's own ciphertext bytes), 3/4 the size of
 * the JSON form and with no base64 or JSON to encode and parse, which at 100k parameters was most
 * of the aggregator's time. Send them as application/octet-stream; every reader takes either form.
 *
 * ```ts
 * const bytes = await encryptUpdateBytes(publicKey, reply.parameters, reply.numExamples)  // client: Uint8Array
 * const aggregation = new EncryptedAggregation({ keyId: publicKey.keyId, params: publicKey.params })
 * await aggregation.addBytes(bytes)                                          // aggregator, per update
 * const total = await aggregation.resultBytes()                              // Uint8Array (or result(): JSON)
 * await aggregation.close()
 * const { mean, totalExamples, clients } = await decryptMean(secretKey, total)   // owner: either form
 * ```
 *
 * Faster still on the client: keep one UpdateEncryptor per training and let it encrypt zeros
 * ahead while the node waits between rounds (the bulk of a client's CKKS work, about 1 ms per
 * 4096 parameters); the round then costs only encoding and additions.
 *
 * ```ts
 * const encryptor = await UpdateEncryptor.create(publicKey)     // when the node joins the training
 * await encryptor.prepare(parameterCount)                       // after sending each update (and before the first)
 * const bytes = encryptor.encryptBytes(reply.parameters, reply.numExamples)  // in the round (or .encrypt: JSON)
 * encryptor.close()                                             // when the training ends
 * ```
 */
export { addEncrypted, EncryptedAggregation, type AddOptions } from './aggregator.js'
export { encryptUpdate, encryptUpdateBytes, UpdateEncryptor } from './client.js'
export { decryptMean, generateJobKeys } from './owner.js'
export { EXTRA_SLOTS, type DecryptedMean, type EncryptedUpdate } from './messages.js'
export { DEFAULT_CKKS_PARAMS, type CkksKeyPair, type CkksParams, type CkksPublicKey, type CkksSecretKey } from '@w3ai/crypto/ckks'
