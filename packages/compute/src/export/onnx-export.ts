/**
 * Exports a trained TF.js Sequential model (dense and conv nets) to ONNX, so models trained on the
 * network can be served by the `onnx` executor. TF.js keeps images NHWC while ONNX Conv/MaxPool
 * want NCHW: the graph transposes to NCHW before the first spatial op and back to NHWC before
 * Flatten, so flattened features keep TF.js's order and dense weights apply unchanged. Padding is
 * written as explicit pads computed from the static shapes ('same' puts the extra pixel at the
 * end, like TF). Dropout is the identity at inference and is left out.
 */
import type * as tf from '@tensorflow/tfjs'
import { executorError } from '../errors.js'
import { encodeModel, floatInit, floatValueInfo, node, type NodeProto, type TensorProto } from '../onnx/proto.js'

export interface OnnxExportOptions {
  /** Feature scaling applied before the first layer, (x - offset) * scale, shaped like one sample. */
  preprocess?: { offset: ArrayLike<number>; scale: ArrayLike<number> }
  inputName?: string
  outputName?: string
}

type Layout = 'nhwc' | 'nchw'

function unsupported(message: string): never {
  throw executorError('COMPUTE_EXPORT_UNSUPPORTED', `ONNX export: ${message}`)
}

function pair(value: unknown): [number, number] {
  return Array.isArray(value) ? [value[0] as number, value[1] as number] : [value as number, value as number]
}

/** Explicit [top, left, bottom, right] pads for TF's 'same' (extra at the end) or 'valid'. */
function pads(padding: string, inHw: [number, number], kernel: [number, number], strides: [number, number]): number[] {
  if (padding !== 'same') return [0, 0, 0, 0]
  const total = inHw.map((size, i) => {
    const out = Math.ceil(size / strides[i]!)
    return Math.max((out - 1) * strides[i]! + kernel[i]! - size, 0)
  })
  return [Math.floor(total[0]! / 2), Math.floor(total[1]! / 2), total[0]! - Math.floor(total[0]! / 2), total[1]! - Math.floor(total[1]! / 2)]
}

function weightsByName(layer: tf.layers.Layer): Map<string, { shape: number[]; values: Float32Array }> {
  const out = new Map<string, { shape: number[]; values: Float32Array }>()
  const values = layer.getWeights()
  layer.weights.forEach((w, i) => {
    const short = w.originalName.split('/').pop() ?? w.originalName
    const tensor = values[i] as tf.Tensor
    out.set(short, { shape: tensor.shape, values: tensor.dataSync() as Float32Array })
  })
  return out
}

/** Transposes a TF conv kernel [kh, kw, cin, cout] to ONNX's [cout, cin, kh, kw]. */
function convKernel(shape: number[], values: Float32Array): { dims: number[]; values: Float32Array } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number]
  const out = new Float32Array(values.length)
  for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) {
    out[((o * cin + i) * kh + h) * kw + w] = values[((h * kw + w) * cin + i) * cout + o] as number
  }
  return { dims: [cout, cin, kh, kw], values: out }
}

/** Builds the ONNX bytes for a Sequential model of dense/conv2d/maxPooling2d/flatten/dropout/batchNormalization layers. */
export function exportToOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  const inputName = options.inputName ?? 'input'
  const outputName = options.outputName ?? 'output'
  const nodes: NodeProto[] = []
  const inits: TensorProto[] = []
  const inputShape = (model.inputs[0]?.shape ?? []).slice(1) as number[]
  let current = inputName
  let counter = 0
  let layout: Layout = 'nhwc'
  let rank = inputShape.length + 1
  const fresh = (hint: string) => `${hint}_${counter++}`
  const emit = (op: string, inputs: string[], attrs: Parameters<typeof node>[3] = {}) => {
    const out = fresh(op.toLowerCase())
    nodes.push(node(op, inputs, [out], attrs))
    current = out
    return out
  }
  const init = (hint: string, dims: number[], values: ArrayLike<number>) => {
    const name = fresh(hint)
    inits.push(floatInit(name, dims, values))
    return name
  }
  const toLayout = (wanted: Layout) => {
    if (rank !== 4 || layout === wanted) return
    emit('Transpose', [current], { perm: wanted === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1] })
    layout = wanted
  }
  const activation = (name: unknown, channelAxis: number) => {
    const kind = typeof name === 'string' ? name : 'linear'
    if (kind === 'linear') return
    if (kind === 'relu') emit('Relu', [current])
    else if (kind === 'sigmoid') emit('Sigmoid', [current])
    else if (kind === 'tanh') emit('Tanh', [current])
    else if (kind === 'softmax') emit('Softmax', [current], { axis: channelAxis })
    else unsupported(`activation "${kind}" is not supported.`)
  }

  if (options.preprocess !== undefined) {
    emit('Sub', [current, init('offset', inputShape, options.preprocess.offset)])
    emit('Mul', [current, init('scale', inputShape, options.preprocess.scale)])
  }

  for (const layer of model.layers) {
    const kind = layer.getClassName()
    const config = layer.getConfig() as Record<string, unknown>
    const weights = weightsByName(layer)
    const inShape = ((layer.input as tf.SymbolicTensor).shape as number[]).slice(1)
    const outRank = (layer.outputShape as number[]).length
    switch (kind) {
      case 'InputLayer':
      case 'Dropout':
        break
      case 'Dense': {
        toLayout('nhwc') // Dense acts on the last axis, which is channels only in NHWC.
        const kernel = weights.get('kernel')!
        emit('MatMul', [current, init('kernel', kernel.shape, kernel.values)])
        const bias = weights.get('bias')
        if (bias !== undefined) emit('Add', [current, init('bias', bias.shape, bias.values)])
        activation(config.activation, -1)
        break
      }
      case 'Conv2D': {
        if (config.dataFormat !== undefined && config.dataFormat !== 'channelsLast') unsupported('only channelsLast convolutions are supported.')
        if (pair(config.dilationRate ?? 1).some((d) => d !== 1)) unsupported('dilated convolutions are not supported.')
        toLayout('nchw')
        const kernel = weights.get('kernel')!
        const k = convKernel(kernel.shape, kernel.values)
        const kernelHw = pair(config.kernelSize)
        const strides = pair(config.strides ?? 1)
        const inputs = [current, init('conv_w', k.dims, k.values)]
        const bias = weights.get('bias')
        if (bias !== undefined) inputs.push(init('conv_b', bias.shape, bias.values))
        emit('Conv', inputs, { kernel_shape: kernelHw, strides, pads: pads(String(config.padding), [inShape[0]!, inShape[1]!], kernelHw, strides), dilations: [1, 1] })
        activation(config.activation, 1)
        break
      }
      case 'MaxPooling2D': {
        toLayout('nchw')
        const pool = pair(config.poolSize ?? 2)
        const strides = pair(config.strides ?? pool)
        emit('MaxPool', [current], { kernel_shape: pool, strides, pads: pads(String(config.padding), [inShape[0]!, inShape[1]!], pool, strides) })
        break
      }
      case 'Flatten':
        toLayout('nhwc') // TF.js flattens in H, W, C order.
        emit('Flatten', [current], { axis: 1 })
        break
      case 'BatchNormalization': {
        if (rank === 3) unsupported('batchNormalization on rank-3 tensors is not supported (ONNX normalises axis 1).')
        toLayout('nchw')
        const mean = weights.get('moving_mean')!
        const channels = mean.values.length
        const gamma = weights.get('gamma')?.values ?? new Float32Array(channels).fill(1)
        const beta = weights.get('beta')?.values ?? new Float32Array(channels)
        const variance = weights.get('moving_variance')!
        emit('BatchNormalization', [current, init('bn_scale', [channels], gamma), init('bn_bias', [channels], beta), init('bn_mean', [channels], mean.values), init('bn_var', [channels], variance.values)], { epsilon: { float: Number(config.epsilon ?? 0.001) } })
        break
      }
      default:
        unsupported(`layer ${kind} (${layer.name}) is not supported.`)
    }
    rank = outRank
  }
  toLayout('nhwc')
  nodes.push(node('Identity', [current], [outputName]))
  const outputShape = (model.outputs[0]?.shape ?? []).slice(1) as number[]
  return encodeModel({
    name: model.name,
    nodes,
    inputs: [floatValueInfo(inputName, ['batch', ...inputShape])],
    outputs: [floatValueInfo(outputName, ['batch', ...outputShape])],
    initializers: inits,
    producer: 'w3ai-compute',
  })
}
