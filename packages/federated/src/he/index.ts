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
 */
export { addEncrypted, EncryptedAggregation, type AddOptions } from './aggregator.js'
export { encryptUpdate } from './client.js'
export { decryptMean, generateJobKeys } from './owner.js'
export { EXTRA_SLOTS, type DecryptedMean, type EncryptedUpdate } from './messages.js'
export { DEFAULT_CKKS_PARAMS, type CkksKeyPair, type CkksParams, type CkksPublicKey, type CkksSecretKey } from '@w3ai/crypto/ckks'
