/**
 * Cuts a byte stream (a file, a request body) into fixed-size segments. At most one segment plus
 * the chunk being consumed is held at a time, so memory stays flat whatever the object size.
 */

import type { BufferPool } from './pool.js'

/**
 * Yields arrays of exactly `segmentSize` bytes, the last one shorter. An empty input yields one
 * empty segment, so every object has at least one. Each yielded array is fresh (safe to keep),
 * or, with a pool, taken from it for the caller to give back when done with it.
 */
export async function* segments(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, segmentSize: number, pool?: BufferPool): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isInteger(segmentSize) || segmentSize < 1) throw new RangeError('segmentSize must be a positive integer')
  let current: Uint8Array | undefined
  let fill = 0
  let yielded = false
  for await (const chunk of source) {
    let off = 0
    while (off < chunk.byteLength) {
      current ??= pool === undefined ? new Uint8Array(segmentSize) : pool.take(segmentSize)
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
  else if (!yielded) yield new Uint8Array(0)
}
