/**
 * TF.js 4.22's WASM backend has every kernel a dense or conv net needs except the filter gradient
 * of Conv2D (Conv2DBackpropFilter), so conv nets cannot train on it as shipped. This registers a
 * plain-JS version (the cpu backend's algorithm over the WASM heap) so conv nets train on WASM
 * too, instead of dropping the whole model to the slower cpu backend.
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'

interface BackpropFilterAttrs {
  strides: number | [number, number]
  pad: 'same' | 'valid' | number
  dataFormat: 'NHWC' | 'NCHW'
  dimRoundingMode?: 'floor' | 'round' | 'ceil'
  filterShape: [number, number, number, number]
}

function conv2DBackpropFilter({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as BackendWasm
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as BackpropFilterAttrs
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on WASM supports NHWC only.')
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast')
  const xs = wasm.readSync(x.dataId) as Float32Array
  const dys = wasm.readSync(dy.dataId) as Float32Array
  const out = wasm.makeOutput(info.filterShape, 'float32')
  const dw = wasm.typedArrayFromHeap(out) as Float32Array
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw, inHeight, inWidth, outHeight, outWidth, inChannels, outChannels, batchSize } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  for (let wr = 0; wr < fh; wr++) {
    const yrMin = Math.max(0, Math.ceil((top - wr) / sh))
    const yrMax = Math.min(outHeight, (inHeight + top - wr) / sh)
    for (let wc = 0; wc < fw; wc++) {
      const ycMin = Math.max(0, Math.ceil((left - wc) / sw))
      const ycMax = Math.min(outWidth, (inWidth + left - wc) / sw)
      for (let d1 = 0; d1 < inChannels; d1++) {
        for (let d2 = 0; d2 < outChannels; d2++) {
          let sum = 0
          for (let b = 0; b < batchSize; b++) {
            for (let yr = yrMin; yr < yrMax; yr++) {
              const xr = wr + yr * sh - top
              for (let yc = ycMin; yc < ycMax; yc++) {
                const xc = wc + yc * sw - left
                sum += (xs[((b * inHeight + xr) * inWidth + xc) * inChannels + d1] as number) * (dys[((b * outHeight + yr) * outWidth + yc) * outChannels + d2] as number)
              }
            }
          }
          dw[((wr * fw + wc) * inChannels + d1) * outChannels + d2] = sum
        }
      }
    }
  }
  return out
}

/** Adds the kernels the WASM backend lacks; idempotent. */
export function registerMissingWasmKernels(): void {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc })
  }
}
