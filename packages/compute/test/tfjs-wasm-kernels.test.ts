import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { ensureBackend } from '../src/train/backend.js'
import { maxAbsDiff } from './helpers/digits.js'

/** d(sum(conv2d(x, w) * dy-weights))/dw on the current backend. */
function filterGradient(x: Float32Array, w: Float32Array, xShape: [number, number, number, number], wShape: [number, number, number, number], strides: [number, number], pad: 'same' | 'valid'): Float32Array {
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, xShape)
    const grad = tf.grad((wt: tf.Tensor) => {
      const y = tf.conv2d(xt, wt as tf.Tensor4D, strides, pad)
      return tf.sum(tf.mul(y, tf.range(0, y.size).reshape(y.shape).div(y.size)))
    })
    return grad(tf.tensor4d(w, wShape)).dataSync() as Float32Array
  })
}

describe('WASM Conv2DBackpropFilter', () => {
  it('matches the cpu backend for same/valid padding and strides', async () => {
    await ensureBackend('wasm')
    const cases = [
      { xShape: [2, 7, 6, 3], wShape: [3, 3, 3, 4], strides: [1, 1], pad: 'same' },
      { xShape: [1, 8, 8, 2], wShape: [3, 2, 2, 5], strides: [2, 2], pad: 'same' },
      { xShape: [3, 9, 7, 1], wShape: [2, 3, 1, 2], strides: [2, 1], pad: 'valid' },
    ] as const
    for (const c of cases) {
      const x = Float32Array.from({ length: (c.xShape as readonly number[]).reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i))
      const w = Float32Array.from({ length: (c.wShape as readonly number[]).reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i))
      const args = [x, w, [...c.xShape], [...c.wShape], [...c.strides], c.pad] as Parameters<typeof filterGradient>
      await tf.setBackend('wasm')
      const onWasm = filterGradient(...args)
      await tf.setBackend('cpu')
      const onCpu = filterGradient(...args)
      expect(maxAbsDiff(onWasm, onCpu)).toBeLessThan(1e-4)
    }
    await tf.setBackend('wasm')
  })
})
