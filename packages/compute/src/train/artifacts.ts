/**
 * Trained TF.js models travel as the standard `model.json` + `weights.bin` pair, so any TF.js
 * loader (tf.loadLayersModel) can read them after they are stored.
 */
import * as tf from '@tensorflow/tfjs'

/** model.json contents as TF.js writes it. */
export interface TfjsModelJson {
  modelTopology: unknown
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>
  format?: string
  generatedBy?: string
  convertedBy?: string | null
}

export interface TfjsArtifacts {
  modelJson: TfjsModelJson
  /** The weights file the manifest calls `weights.bin`. */
  weightsBin: Uint8Array
}

/** Serialises a model to model.json + weights.bin bytes. */
export async function saveArtifacts(model: tf.LayersModel): Promise<TfjsArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
  }))
  if (saved === undefined) throw new Error('TF.js did not hand over the model artifacts.')
  const weightData = saved.weightData ?? new ArrayBuffer(0)
  const joined = Array.isArray(weightData) ? tf.io.CompositeArrayBuffer.join(weightData) : weightData
  return {
    modelJson: {
      modelTopology: saved.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs ?? [] }],
      ...(saved.format === undefined ? {} : { format: saved.format }),
      ...(saved.generatedBy === undefined ? {} : { generatedBy: saved.generatedBy }),
      convertedBy: saved.convertedBy ?? null,
    },
    weightsBin: new Uint8Array(joined),
  }
}

/** Loads artifacts saved by saveArtifacts back into a TF.js model. */
export async function loadTfjsModel(artifacts: TfjsArtifacts): Promise<tf.LayersModel> {
  const bin = artifacts.weightsBin
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: artifacts.modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: artifacts.modelJson.weightsManifest.flatMap((group) => group.weights),
    weightData,
  }))
}
