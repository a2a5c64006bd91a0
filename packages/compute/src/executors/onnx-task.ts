/** The `onnx` executor for the sandbox: one inference over JSON tensors with a model's bytes. */
import type { SandboxExecutor } from '../sandbox/executor.js'
import { SandboxError } from '../sandbox/errors.js'
import { createOnnxRunner } from '../onnx/runner.js'
import type { JsonTensorMap } from '../tensor/json-tensor.js'

export interface OnnxTask {
  model: Uint8Array
  inputs: JsonTensorMap
}

export const onnxTaskExecutor: SandboxExecutor<OnnxTask, { outputs: JsonTensorMap }> = {
  async run(payload) {
    if (!(payload?.model instanceof Uint8Array) || payload.inputs === null || typeof payload.inputs !== 'object') {
      throw new SandboxError('COMPUTE_BAD_INPUT', 'An onnx task needs the model bytes and a map of JSON tensors.')
    }
    // One task per child: a single thread keeps a busy node's other tasks responsive.
    const runner = createOnnxRunner({ maxCachedModels: 1, sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } })
    try {
      return { outputs: await runner.run(payload.model, payload.inputs) }
    } finally {
      await runner.close()
    }
  },
}
