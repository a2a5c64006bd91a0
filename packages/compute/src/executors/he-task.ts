/** The `he` executor for the sandbox: a model evaluated on an encrypted batch with the requester's evaluation keys. */
import { compileHeModel } from '../he/compile.js'
import { evaluateHe } from '../he/evaluate.js'
import { readHeHeader } from '../he/wire.js'
import { SandboxError } from '../sandbox/errors.js'
import type { SandboxExecutor } from '../sandbox/executor.js'

export interface HeTask {
  model: Uint8Array
  input: Uint8Array
  keys: Uint8Array
  sigmoid?: 'client' | 'poly'
}

export interface HeTaskResult {
  /** The encrypted result (HeClient.decryptOutputs reads it). */
  output: Uint8Array
  rows: number
  outputs: number
  clientSigmoid: boolean
  keyId: string
}

export const heTaskExecutor: SandboxExecutor<HeTask, HeTaskResult> = {
  async run(payload) {
    if (!(payload?.model instanceof Uint8Array) || !(payload.input instanceof Uint8Array) || !(payload.keys instanceof Uint8Array)) {
      throw new SandboxError('COMPUTE_BAD_INPUT', 'An he task needs the model, the encrypted batch and the evaluation keys as bytes.')
    }
    const model = compileHeModel(payload.model, payload.sigmoid === undefined ? {} : { sigmoid: payload.sigmoid })
    const output = await evaluateHe(model, payload.keys, payload.input)
    const { rows, keyId } = readHeHeader(output)
    return { output, rows, outputs: model.outputs, clientSigmoid: model.clientSigmoid, keyId }
  },
}
