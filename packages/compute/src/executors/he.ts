/**
 * The `he` executor: inference on CKKS ciphertexts (@w3ai/compute/he). The node sees the model,
 * the encrypted batch and the requester's evaluation keys (public material), never a row in
 * plaintext, and returns ciphertexts only the requester can decrypt.
 */
import { W3aiError } from '@w3ai/protocol'
import { childModule } from '../sandbox/child-build.js'
import { agree } from './compare.js'
import type { ExecutorDescriptor } from './descriptor.js'
import type { HeTaskResult } from './he-task.js'

const SIGMOID = ['client', 'poly'] as const

export const heDescriptor: ExecutorDescriptor = {
  name: 'he',
  inputRoles: { required: ['model', 'input', 'keys'], optional: [] },
  paramKeys: ['sigmoid'],
  validate(params) {
    const sigmoid = params['sigmoid']
    if (sigmoid !== undefined && !(SIGMOID as readonly unknown[]).includes(sigmoid)) {
      throw new W3aiError('VALIDATION_FAILED', `params.sigmoid of an he job must be "client" (the requester applies it) or "poly" (a cubic on the node), not ${JSON.stringify(sigmoid)}.`)
    }
  },
  // SEAL's context, keys and one block of ciphertexts per column: well under a gigabyte.
  resources: () => ({ memoryGb: 1 }),
  sandbox: () => ({ module: childModule('./he-task.js', import.meta.url), exportName: 'heTaskExecutor' }),
  async payload(params, open) {
    const [model, input, keys] = await Promise.all([open('model'), open('input'), open('keys')])
    if (model === undefined || input === undefined || keys === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'An he job needs model, input and keys inputs.')
    const sigmoid = params['sigmoid']
    return { model, input, keys, ...(sigmoid === undefined ? {} : { sigmoid }) }
  },
  toJson(result) {
    const r = result as HeTaskResult
    return { output: Buffer.from(r.output).toString('base64'), rows: r.rows, outputs: r.outputs, clientSigmoid: r.clientSigmoid, keyId: r.keyId }
  },
  // SEAL's evaluation is integer arithmetic: every correct replica returns the same bytes.
  compare: agree,
}
