/**
 * @w3ai/compute/he: inference on CKKS ciphertexts (Microsoft SEAL through node-seal). The
 * requester encrypts rows and keeps the secret key; a node evaluates a small model (linear
 * layers, square activations, a polynomial sigmoid) on the ciphertexts with public material only
 * and returns ciphertexts only the requester can read.
 *
 * ```ts
 * const model = compileHeModel(onnxBytes)                        // logistic regression: depth 1
 * const client = await HeClient.create(heParamsForDepth(model.depth))
 * const keys = client.evaluationKeys(model)                      // public: to the node
 * const batch = client.encryptRows(rows, model.features)        // to the node
 * const result = await evaluateHe(model, keys, batch)           // on the node
 * const outputs = client.decryptOutputs(result, model)          // probabilities, per row
 * client.close()
 * ```
 *
 * Packing: one ciphertext per feature, samples across the N/2 slots (4096 rows per block at
 * N = 8192); a linear layer is plaintext multiplications and additions, no rotations, one
 * rescale. See wire.ts for the binary forms of batches, results, keys and the exported secret.
 */
export { HeClient } from './client.js'
export { compileHeModel, type CompileHeOptions } from './compile.js'
export { evaluateHe } from './evaluate.js'
export { evaluatePlain, SIGMOID_CUBIC, type HeCubicLayer, type HeLayer, type HeLinearLayer, type HeModel, type HeSquareLayer } from './model.js'
export { checkHeParams, HE_PRESETS, heDepth, heParamsForDepth, heSlots, type HeParams } from './params.js'
export { readHeHeader, type HeHeader } from './wire.js'
