/**
 * @w3ai/compute/train: the TF.js training parts alone (spec, datasets, model building, backend,
 * ONNX export), without the sandbox, onnxruntime or serving, for processes that only train (the
 * federated client's sandbox child loads this in a fraction of the time the whole package takes).
 */
export { buildModel, MAX_PARAMS } from './build-model.js'
export { ensureBackend, type BackendInfo, type BackendName } from './backend.js'
export { parseCsv, type CsvOptions } from './csv.js'
export { parseIdx } from './idx.js'
export type { Dataset } from './dataset.js'
export { SPEC_DEFAULTS, validateTrainSpec, type LayerSpec, type TrainSpec } from './spec.js'
export { exportToOnnx, type OnnxExportOptions } from '../export/onnx-export.js'
export { executorError } from '../errors.js'
