/** The final federated model as ONNX: the spec with the trained parameters, the training's input scale built in, so the served model takes raw features. */
import { exportToOnnx } from '@w3ai/compute/train'
import { federatedModel, setParameters } from './model.js'

/** The ONNX export of a spec with these parameters; every raw feature is multiplied by `inputScale` first. */
export async function exportFederatedModel(spec: unknown, params: readonly Float32Array[], inputScale: number): Promise<Uint8Array> {
  const { model } = await federatedModel(spec, 0)
  try {
    setParameters(model, params)
    const features = (model.inputs[0]?.shape ?? []).slice(1).reduce<number>((a, b) => a * (b ?? 1), 1)
    return exportToOnnx(model, { preprocess: { offset: new Float32Array(features), scale: new Float32Array(features).fill(inputScale) } })
  } finally {
    model.dispose()
  }
}
