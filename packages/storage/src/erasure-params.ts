/**
 * The erasure code's parameters and shard layout, shared by the native coder (erasure.ts) and the
 * portable one (rs-portable.ts), which must agree on them byte for byte.
 */
import { W3aiError } from '@w3ai/protocol'
import { ERASURE_LIMITS } from './constants.js'

const M = ERASURE_LIMITS.maxParity

/** Throws STORAGE_BAD_REDUNDANCY unless 1 <= k <= 24 and k < total <= k + 6. */
export function checkErasureParams(k: number, total: number): void {
  if (!Number.isInteger(k) || !Number.isInteger(total) || k < 1 || k > ERASURE_LIMITS.maxK || total <= k || total > k + M) {
    throw new W3aiError('STORAGE_BAD_REDUNDANCY', `Erasure coding supports 1 <= k <= ${ERASURE_LIMITS.maxK} and k < total <= k + ${M}; got k=${k}, total=${total}.`)
  }
}

/** The shard size for a ciphertext of `cipherSize` bytes split k ways (multiple of 8, at least 8). */
export function shardSizeFor(cipherSize: number, k: number): number {
  const align = ERASURE_LIMITS.shardAlign
  return Math.max(align, Math.ceil(Math.ceil(cipherSize / k) / align) * align)
}

/**
 * Checks the shards offered for a decode and returns their indices in ascending order (data
 * shards first: they need no arithmetic). Fewer than k → W3aiError('STORAGE_NOT_ENOUGH_PIECES').
 */
export function checkShards(available: ReadonlyMap<number, Uint8Array>, k: number, total: number, shardSize: number): number[] {
  checkErasureParams(k, total)
  const indices: number[] = []
  for (const [index, shard] of available) {
    if (!Number.isInteger(index) || index < 0 || index >= total) throw new Error(`shard index ${index} is outside 0..${total - 1}`)
    if (shard.byteLength !== shardSize) throw new Error(`shard ${index} is ${shard.byteLength} bytes, expected ${shardSize}`)
    indices.push(index)
  }
  if (indices.length < k) throw new W3aiError('STORAGE_NOT_ENOUGH_PIECES', undefined, { have: indices.length, need: k })
  return indices.sort((a, b) => a - b)
}
