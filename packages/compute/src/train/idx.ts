/**
 * IDX datasets (the MNIST / Fashion-MNIST format): an images file [N, ...] and a labels file [N],
 * big-endian, gzip or not. The header declares element type and dims; both are checked against
 * the byte length so a truncated download is refused instead of read past its end.
 */
import { executorError } from '../errors.js'
import { maybeGunzip, type Dataset } from './dataset.js'

interface IdxArray {
  dims: number[]
  values: Float32Array
}

const TYPES: Record<number, { size: number; read: (view: DataView, at: number) => number }> = {
  0x08: { size: 1, read: (v, at) => v.getUint8(at) },
  0x09: { size: 1, read: (v, at) => v.getInt8(at) },
  0x0b: { size: 2, read: (v, at) => v.getInt16(at) },
  0x0c: { size: 4, read: (v, at) => v.getInt32(at) },
  0x0d: { size: 4, read: (v, at) => v.getFloat32(at) },
  0x0e: { size: 8, read: (v, at) => v.getFloat64(at) },
}

function bad(what: string, message: string): never {
  throw executorError('COMPUTE_BAD_DATASET', `Malformed IDX ${what}: ${message}`)
}

/** Parses one IDX file. */
export function parseIdxArray(input: Uint8Array, what: string): IdxArray {
  const bytes = maybeGunzip(input, `The IDX ${what}`)
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) bad(what, 'missing the 0x0000 magic.')
  const type = TYPES[bytes[2] as number]
  if (type === undefined) bad(what, `unknown element type 0x${(bytes[2] as number).toString(16)}.`)
  const rank = bytes[3] as number
  if (rank < 1) bad(what, 'rank 0.')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerSize = 4 + 4 * rank
  if (bytes.length < headerSize) bad(what, 'truncated header.')
  const dims: number[] = []
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i))
  const count = dims.reduce((a, b) => a * b, 1)
  if (bytes.length !== headerSize + count * type.size) {
    bad(what, `dims [${dims.join(', ')}] need ${headerSize + count * type.size} bytes, the file has ${bytes.length}.`)
  }
  const values = new Float32Array(count)
  if (type.size === 1 && bytes[2] === 0x08) values.set(bytes.subarray(headerSize))
  else for (let i = 0; i < count; i++) values[i] = type.read(view, headerSize + i * type.size)
  return { dims, values }
}

/** Parses an images + labels pair into a Dataset. */
export function parseIdx(images: Uint8Array, labels: Uint8Array): Dataset {
  const x = parseIdxArray(images, 'images')
  const y = parseIdxArray(labels, 'labels')
  const count = x.dims[0] as number
  if (y.dims.length !== 1 || y.dims[0] !== count) {
    throw executorError('COMPUTE_BAD_DATASET', `The IDX labels have dims [${y.dims.join(', ')}]; expected [${count}] to match the images.`)
  }
  const sampleShape = x.dims.slice(1)
  const featureCount = sampleShape.reduce((a, b) => a * b, 1)
  return { count, featureCount, sampleShape: sampleShape.length > 0 ? sampleShape : [1], features: x.values, labels: y.values }
}
