/**
 * What a model is to encrypted inference: a chain of layers over one ciphertext per column
 * (feature, hidden unit, output), each sample in its own slot. A linear layer multiplies
 * ciphertexts by plaintext constants and adds (no rotations); a square multiplies a ciphertext by
 * itself; a cubic evaluates c0 + c1·x + c3·x³. Each costs levels of the modulus chain (depth).
 */

/** y_j = bias_j + Σ_i weights[j·inputs + i]·x_i. */
export interface HeLinearLayer {
  kind: 'linear'
  inputs: number
  outputs: number
  /** outputs × inputs, row-major by output. */
  weights: Float64Array
  bias: Float64Array
}

/** x → x², element-wise (a square activation). */
export interface HeSquareLayer {
  kind: 'square'
}

/** x → c0 + c1·x + c3·x³, element-wise (the polynomial sigmoid). */
export interface HeCubicLayer {
  kind: 'cubic'
  c0: number
  c1: number
  c3: number
}

export type HeLayer = HeLinearLayer | HeSquareLayer | HeCubicLayer

export interface HeModel {
  /** Columns a batch must have. */
  features: number
  /** Columns of the result. */
  outputs: number
  /** Multiplicative depth: levels of the modulus chain the layers use (see heParamsForDepth). */
  depth: number
  /** True when the model ends in a sigmoid the client applies after decrypting (the node returns logits). */
  clientSigmoid: boolean
  /** True when a layer multiplies ciphertexts together: the evaluation keys must carry relinearization keys. */
  needsRelinKeys: boolean
  layers: HeLayer[]
}

/**
 * The least-squares cubic fit of the logistic sigmoid on [-8, 8] (odd part only; 0.5 + c1·x + c3·x³,
 * as in Kim et al., "Logistic regression model training based on the approximate homomorphic
 * encryption", 2018). Its largest error on [-8, 8] is 0.114; outside that range it leaves [0, 1]
 * quickly (beyond |x| ≈ 9.7 it is on the wrong side of 0.5), so use it only for logits known to be small,
 * and sigmoid 'client' for exact probabilities.
 */
export const SIGMOID_CUBIC: Readonly<HeCubicLayer> = Object.freeze({ kind: 'cubic', c0: 0.5, c1: 0.15011934150445996, c3: -0.0015929783325666189 })

/** Levels each layer uses: a rescale after every multiplication that changes the scale. */
export function layerDepth(layer: HeLayer): number {
  return layer.kind === 'cubic' ? 2 : 1
}

/** The model's numbers in plaintext (doubles): what evaluateHe computes on ciphertexts, for tests and checks. */
export function evaluatePlain(model: HeModel, row: ArrayLike<number>): Float64Array {
  let x = Float64Array.from(row)
  for (const layer of model.layers) {
    if (layer.kind === 'linear') {
      const y = new Float64Array(layer.outputs)
      for (let j = 0; j < layer.outputs; j++) {
        let sum = layer.bias[j]!
        for (let i = 0; i < layer.inputs; i++) sum += layer.weights[j * layer.inputs + i]! * x[i]!
        y[j] = sum
      }
      x = y
    } else if (layer.kind === 'square') {
      x = x.map((v) => v * v)
    } else {
      x = x.map((v) => layer.c0 + layer.c1 * v + layer.c3 * v * v * v)
    }
  }
  if (model.clientSigmoid) x = x.map(sigmoid)
  return x
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x))
}
