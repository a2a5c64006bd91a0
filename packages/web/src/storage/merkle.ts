/**
 * Merkle roots of pieces, as merkle.ts in @w3ai/storage computes them: leaf hash
 * sha256(0x00 || leaf), inner hash sha256(0x01 || left || right), an odd last node promoted. A
 * node signs this root in its receipt; the client checks it before committing. One hash per 4 KiB
 * leaf is far too many awaits for WebCrypto, hence a synchronous JS SHA-256.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { toHex } from './bytes.js'

/** The Merkle root (hex) of a piece held in memory. */
export function merkleRoot(bytes: Uint8Array, leafSize: number): string {
  if (!Number.isInteger(leafSize) || leafSize < 1) throw new RangeError('leafSize must be a positive integer')
  const count = Math.max(1, Math.ceil(bytes.byteLength / leafSize))
  const scratch = new Uint8Array(1 + leafSize)
  let level: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const leaf = bytes.subarray(i * leafSize, (i + 1) * leafSize)
    scratch[0] = 0
    scratch.set(leaf, 1)
    level.push(sha256(scratch.subarray(0, 1 + leaf.byteLength)))
  }
  const node = new Uint8Array(65)
  node[0] = 1
  while (level.length > 1) {
    const up: Uint8Array[] = []
    for (let i = 0; i + 1 < level.length; i += 2) {
      node.set(level[i] as Uint8Array, 1)
      node.set(level[i + 1] as Uint8Array, 33)
      up.push(sha256(node))
    }
    if (level.length % 2 === 1) up.push(level[level.length - 1] as Uint8Array)
    level = up
  }
  return toHex(level[0] as Uint8Array)
}
