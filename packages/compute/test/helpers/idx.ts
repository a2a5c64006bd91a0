/** Writes IDX files (big-endian header, unsigned bytes) like the MNIST distribution. */
export function idxUbyte(dims: number[], values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length)
  const view = new DataView(out.buffer)
  out[2] = 0x08
  out[3] = dims.length
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d))
  out.set(Array.from(values), 4 + 4 * dims.length)
  return out
}
