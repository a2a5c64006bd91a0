/** The `onnx` executor: one inference over JSON tensors with a stored model; also what deployments serve. */
import { W3aiError } from '@w3ai/protocol'
import { childModule } from '../sandbox/child-build.js'
import { checkJsonTensorMap } from '../tensor/json-tensor-check.js'
import { agree } from './compare.js'
import type { ExecutorDescriptor } from './descriptor.js'

/** Elements across all inline tensors (64 Ki: about what fits the params cap); larger inputs go to W3S as "input". */
export const MAX_INLINE_ELEMENTS = 1 << 16

export const onnxDescriptor: ExecutorDescriptor = {
  name: 'onnx',
  inputRoles: { required: ['model'], optional: ['input'] },
  paramKeys: ['tensors'],
  servable: true,
  validate(params, inputs) {
    const stored = inputs['input'] !== undefined
    const inline = params['tensors'] !== undefined
    if (stored === inline) {
      const which = stored ? 'both a stored "input" and params.tensors' : 'neither a stored "input" nor params.tensors'
      throw new W3aiError('COMPUTE_BAD_INPUT', `An onnx job takes its tensors from a stored "input" object or inline as params.tensors, exactly one of the two; it has ${which}.`)
    }
    if (!inline) return
    const tensors = checkJsonTensorMap(params['tensors'], MAX_INLINE_ELEMENTS)
    const elements = Object.values(tensors).reduce((sum, t) => sum + t.data.length, 0)
    if (elements > MAX_INLINE_ELEMENTS) {
      throw new W3aiError('COMPUTE_INPUT_TOO_LARGE', `The inline tensors hold ${elements} elements in all; the limit is ${MAX_INLINE_ELEMENTS}. Store them in W3S and pass their CID as "input".`, { elements, limit: MAX_INLINE_ELEMENTS })
    }
  },
  resources: () => ({}),
  sandbox: () => ({ module: childModule('./onnx-task.js', import.meta.url), exportName: 'onnxTaskExecutor' }),
  async payload(params, open) {
    const model = await open('model')
    if (model === undefined) throw new W3aiError('COMPUTE_BAD_INPUT', 'An onnx job needs a model input.')
    const stored = await open('input')
    const inputs = stored === undefined ? params['tensors'] : JSON.parse(Buffer.from(stored).toString('utf8'))
    return { model, inputs }
  },
  compare: agree,
}
