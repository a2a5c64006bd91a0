/**
 * @w3ai/compute: executors that nodes run tasks with, each in a sandbox.
 *
 * - `onnx`: inference with onnxruntime-node on JSON tensors, sessions cached per model CID.
 * - `train`: TF.js (WASM backend) training from a declarative layer spec on CSV or IDX bytes,
 *   returning TF.js artifacts and an ONNX export the `onnx` executor can serve.
 *
 * @example
 * ```ts
 * import { createOnnxRunner, train } from '@w3ai/compute'
 *
 * const result = await train({
 *   spec: {
 *     inputShape: [64],
 *     layers: [{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
 *     optimizer: { type: 'adam', learningRate: 0.01 },
 *     loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
 *     epochs: 20, batchSize: 32, validationSplit: 0.1, seed: 7, normalize: 'max',
 *   },
 *   dataset: { format: 'csv', bytes: csvBytes },          // label column defaults to the last
 *   onEpoch: ({ epoch, loss, valAcc }) => console.log(epoch, loss, valAcc),
 * })
 *
 * const runner = createOnnxRunner({ cacheDir: '/var/w3ai/models', maxCachedModels: 4 })
 * const { cid } = await runner.load(result.onnx)
 * const out = await runner.run(cid, { input: { type: 'float32', dims: [1, 64], data: pixels } })
 * // out.output = { type: 'float32', dims: [1, 10], data: [...class probabilities] }
 * ```
 *
 * Errors are W3aiErrors whose code is a COMPUTE_* row of @w3ai/protocol's ERROR_CODES
 * (COMPUTE_BAD_INPUT, COMPUTE_SHAPE_MISMATCH, COMPUTE_BAD_SPEC, …; see ExecutorErrorCode).
 */

// Errors shared by the onnx and train executors.
export { executorError, executorErrorCode, type ExecutorErrorCode } from './errors.js'

// JSON tensors <-> onnxruntime tensors.
export {
  DEFAULT_MAX_ELEMENTS, TENSOR_TYPES, checkJsonTensor, checkJsonTensorMap, elementCount, isTensorType, jsonMapToOrt, jsonToOrt, ortMapToJson, ortToJson,
  type CheckedTensor, type JsonTensor, type JsonTensorMap, type TensorData, type TensorType,
} from './tensor/json-tensor.js'

// The onnx executor.
export { createOnnxRunner, type ModelInfo, type ModelRef, type OnnxRunner, type OnnxRunnerOptions } from './onnx/runner.js'
export type { ModelIo } from './onnx/check-inputs.js'
export { modelCid } from './onnx/model-cid.js'

// The train executor and its parts.
export { train, type DatasetInput, type EpochMetrics, type TrainOptions, type TrainResult } from './train/trainer.js'
export {
  LAYER_SCHEMAS, LOSSES, METRICS, NORMALIZATIONS, OPTIMIZERS, SPEC_DEFAULTS, TrainSpecSchema, validateTrainSpec,
  type LayerSpec, type LayerType, type Loss, type TrainSpec,
} from './train/spec.js'
export { loadTfjsModel, saveArtifacts, type TfjsArtifacts, type TfjsModelJson } from './train/artifacts.js'
export { ensureBackend, type BackendInfo, type BackendName } from './train/backend.js'
export { parseCsv, type CsvOptions } from './train/csv.js'
export { parseIdx } from './train/idx.js'
export type { Dataset } from './train/dataset.js'
export { exportToOnnx, type OnnxExportOptions } from './export/onnx-export.js'

// Sandbox (one task per child process, limits, progress, error codes) and the WASI executor.
export * from './sandbox/index.js'
export * from './wasm/index.js'

// Executor descriptors: one per executor (roles, validation, resources, sandbox entry, payload, comparison).
export {
  BUILTIN_DESCRIPTORS, ExecutorDescriptors, builtinExecutors,
  type ExecutorDescriptor, type ExecutorResources, type InputRoles, type OpenInput,
} from './executors/registry.js'

// Sandbox adapters of the onnx and train executors (their descriptors name them as sandbox entries).
export { onnxTaskExecutor, type OnnxTask } from './executors/onnx-task.js'
export { trainTaskExecutor, type TrainTask, type TrainTaskResult } from './executors/train-task.js'

// Model serving: a long-lived host child per node with warm sessions and request batching.
export { ModelHost, type InferResult, type ModelHostOptions, type TensorResult } from './serving/model-host.js'
export { BatchQueue, type Batchable, type BatchQueueOptions } from './serving/batch-queue.js'
