/**
 * Cuts a byte stream (a file, a request body) into fixed-size segments. At most one segment plus
 * the chunk being consumed is held at a time, so memory stays flat whatever the object size.
 */

/**
 * Yields Buffers of exactly `segmentSize` bytes, the last one shorter. An empty input yields one
 * empty segment, so every object has at least one. Each yielded Buffer is fresh (safe to keep).
 */
export async function* segments(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, segmentSize: number): AsyncGenerator<Buffer, void, undefined> {
  if (!Number.isInteger(segmentSize) || segmentSize < 1) throw new RangeError('segmentSize must be a positive integer')
  let current: Buffer | undefined
  let fill = 0
  let yielded = false
  for await (const chunk of source) {
    let off = 0
    while (off < chunk.byteLength) {
      current ??= Buffer.allocUnsafe(segmentSize)
      const take = Math.min(segmentSize - fill, chunk.byteLength - off)
      // Copy rather than alias: sources such as sockets may reuse their chunk buffers.
      current.set(chunk.subarray(off, off + take), fill)
      fill += take
      off += take
      if (fill === segmentSize) {
        yield current
        yielded = true
        current = undefined
        fill = 0
      }
    }
  }
  if (current !== undefined) yield current.subarray(0, fill)
  else if (!yielded) yield Buffer.alloc(0)
}
