/**
 * One segment from plaintext to pieces, as encode.ts in @w3ai/storage prepares it: AES-256-GCM,
 * Reed–Solomon into `total` shards (the portable coder: the same bytes as the native one), and
 * each shard's CID and Merkle root, ready to ask the hub for orders.
 */
import { rsEncodeSegment } from '@w3ai/storage/portable'
import type { Bytes } from './bytes.js'
import { pieceCid } from './cid.js'
import { merkleRoot } from './merkle.js'
import { encryptSegment } from './segment-crypto.js'

export interface PreparedShard {
  index: number
  cid: string
  bytes: Bytes
  /** The root the storing node must sign in its receipt. */
  merkleRoot: string
}

export interface PreparedSegment {
  index: number
  plainSize: number
  cipherSize: number
  shardSize: number
  shards: PreparedShard[]
}

export interface SegmentCode {
  k: number
  total: number
  merkleLeafSize: number
}

/** Encrypts and erasure-codes segment `index`. */
export async function prepareSegment(plain: Bytes, index: number, objectKey: Bytes, code: SegmentCode): Promise<PreparedSegment> {
  const cipher = await encryptSegment(plain, objectKey, index)
  const { shardSize, shards } = rsEncodeSegment(cipher, code.k, code.total)
  const prepared: PreparedShard[] = []
  for (const [i, shard] of shards.entries()) {
    // Shards are views into one buffer; each piece gets its own, as fetch bodies and CIDs need.
    const bytes = shard.slice()
    prepared.push({ index: i, cid: await pieceCid(bytes), bytes, merkleRoot: merkleRoot(bytes, code.merkleLeafSize) })
  }
  return { index, plainSize: plain.byteLength, cipherSize: cipher.byteLength, shardSize, shards: prepared }
}
