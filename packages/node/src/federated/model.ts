/**
 * A federated model on TF.js: built from the layer spec exactly as `train` jobs build it (seeded
 * initialisers), its weights read and written as the flat float32 tensors that travel between
 * hub and nodes (every weight of model.getWeights(), in order).
 */
import * as tf from '@tensorflow/tfjs'
import { buildModel, ensureBackend, validateTrainSpec, type TrainSpec } from '@w3ai/compute/train'
import { W3aiError } from '@w3ai/protocol'

export type Tensors = Float32Array[]

/** Builds the compiled model of a spec (COMPUTE_BAD_SPEC when it cannot be built). */
export async function federatedModel(spec: unknown, seed: number): Promise<{ spec: TrainSpec; model: tf.Sequential }> {
  // Epochs are the training's localEpochs, not the spec's: a spec may leave them out.
  const valid = validateTrainSpec(spec !== null && typeof spec === 'object' && !Array.isArray(spec) ? { epochs: 1, ...spec } : spec)
  await ensureBackend('wasm')
  return { spec: valid, model: buildModel(valid, valid.seed ?? seed) }
}

/** The model's weights as flat float32 arrays, in model.getWeights() order. */
export function getParameters(model: tf.LayersModel): Tensors {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()))
}

/** Sets the model's weights from flat arrays; FL_BAD_UPDATE when they do not match its tensors. */
export function setParameters(model: tf.LayersModel, params: readonly Float32Array[]): void {
  const current = model.getWeights()
  if (params.length !== current.length || current.some((w, i) => w.size !== params[i]?.length)) {
    throw new W3aiError('FL_BAD_UPDATE', `The parameters have tensors of sizes [${params.map((p) => p.length).join(', ')}]; the model has [${current.map((w) => w.size).join(', ')}].`)
  }
  const tensors = current.map((w, i) => tf.tensor(params[i] as Float32Array, w.shape, 'float32'))
  try {
    model.setWeights(tensors)
  } finally {
    tensors.forEach((t) => t.dispose())
  }
}
