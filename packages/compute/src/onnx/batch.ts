/**
 * Batching: several requests for one model become a single run by concatenating each input along
 * dim 0, then every output is cut back at the same offsets. Only done when it is provably
 * equivalent (dim 0 free in the model, equal trailing dims, outputs batched on dim 0); otherwise
 * the caller runs the requests one by one.
 */
import { Tensor } from 'onnxruntime-node'
import { isFreeDim, type ModelIo } from './check-inputs.js'

type Data = Tensor.DataTypeMap[Exclude<Tensor.Type, 'string'>]

/** Per-request dim-0 sizes when the feeds can be concatenated, else undefined. */
export function batchSizes(inputs: readonly ModelIo[], feedsList: ReadonlyArray<Record<string, Tensor>>): number[] | undefined {
  if (feedsList.length < 2) return undefined
  let sizes: number[] | undefined
  for (const io of inputs) {
    if (io.shape.length === 0 || !isFreeDim(io.shape[0])) return undefined
    const tensors = feedsList.map((feeds) => feeds[io.name] as Tensor)
    const first = tensors[0] as Tensor
    if (first.type === 'string' || first.dims.length === 0) return undefined
    const tail = first.dims.slice(1).join(',')
    if (tensors.some((t) => t.dims.slice(1).join(',') !== tail)) return undefined
    const own = tensors.map((t) => t.dims[0] as number)
    // Inputs of one request must agree on their batch size, or splitting outputs is ambiguous.
    if (sizes !== undefined && own.some((n, i) => n !== sizes?.[i])) return undefined
    sizes = own
  }
  return sizes
}

/** Concatenates each input along dim 0. */
export function concatFeeds(inputs: readonly ModelIo[], feedsList: ReadonlyArray<Record<string, Tensor>>): Record<string, Tensor> {
  const out: Record<string, Tensor> = {}
  for (const io of inputs) {
    const tensors = feedsList.map((feeds) => feeds[io.name] as Tensor)
    const first = tensors[0] as Tensor
    const total = tensors.reduce((sum, t) => sum + (t.dims[0] as number), 0)
    const length = tensors.reduce((sum, t) => sum + t.size, 0)
    const Ctor = (first.data as Data).constructor as new (n: number) => Data
    const data = new Ctor(length)
    let offset = 0
    for (const t of tensors) {
      ;(data as { set(src: ArrayLike<unknown>, at: number): void }).set(t.data as Data, offset)
      offset += t.size
    }
    out[io.name] = new Tensor(first.type as Exclude<Tensor.Type, 'string'>, data, [total, ...first.dims.slice(1)])
  }
  return out
}

/** Cuts batched outputs back per request, or undefined when an output is not batched on dim 0. */
export function splitOutputs(outputs: Record<string, Tensor>, sizes: readonly number[]): Array<Record<string, Tensor>> | undefined {
  const total = sizes.reduce((a, b) => a + b, 0)
  const result: Array<Record<string, Tensor>> = sizes.map(() => ({}))
  for (const [name, tensor] of Object.entries(outputs)) {
    if (tensor.type === 'string' || tensor.dims[0] !== total) return undefined
    const rowSize = total === 0 ? 0 : tensor.size / total
    const data = tensor.data as Data
    let row = 0
    sizes.forEach((n, i) => {
      const slice = data.slice(row * rowSize, (row + n) * rowSize) as Data
      ;(result[i] as Record<string, Tensor>)[name] = new Tensor(tensor.type as Exclude<Tensor.Type, 'string'>, slice, [n, ...tensor.dims.slice(1)])
      row += n
    })
  }
  return result
}
