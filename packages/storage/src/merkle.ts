/**
 * Merkle trees over a piece, for storage audits: the hub asks a node for a random leaf and checks
 * the answer against the root the node signed in its receipt. Leaves are `leafSize` bytes (the
 * last may be short; an empty piece has one empty leaf). Leaf hash sha256(0x00 || leaf), inner
 * hash sha256(0x01 || left || right), the domain bytes keeping a leaf from posing as a node. An odd
 * node at the end of a level is promoted unchanged.
 */
import type { AuditProof } from '@w3ai/protocol'
import { platform } from '#platform'
import { fromBase64Url, fromHex, toBase64Url, toHex } from './bytes.js'

const HEX64 = /^[0-9a-f]{64}$/
const B64URL = /^[A-Za-z0-9_-]*$/

// Hashing is the hot path (a hash per 4 KiB leaf, on the client and again on the node). A leaf is
// copied behind its prefix byte and hashed in one shot, which costs far less than a
// createHash().update().update().digest() chain; the copy lands on an 8-byte boundary (the prefix
// sits just before it), several times faster than a copy to an odd address. Digests go straight
// into one buffer per tree (platform.sha256Into) rather than into a fresh array each.
const LEAF_AT = 8
let leafScratch = new Uint8Array(LEAF_AT + 4096)
const nodeScratch = new Uint8Array(65).fill(1)

/** sha256(0x00 || leaf) written to `out` at `offset`. */
function leafHashInto(leaf: Uint8Array, out: Uint8Array, offset: number): void {
  if (leafScratch.length < LEAF_AT + leaf.byteLength) leafScratch = new Uint8Array(LEAF_AT + leaf.byteLength)
  leafScratch[LEAF_AT - 1] = 0
  leafScratch.set(leaf, LEAF_AT)
  platform.sha256Into(leafScratch.subarray(LEAF_AT - 1, LEAF_AT + leaf.byteLength), out, offset)
}

/** sha256(0x00 || leaf). */
export function merkleLeafHash(leaf: Uint8Array): Uint8Array {
  const out = new Uint8Array(32)
  leafHashInto(leaf, out, 0)
  return out
}

/** sha256(0x01 || left || right). */
export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.byteLength !== 32 || right.byteLength !== 32) throw new RangeError('Merkle nodes are 32-byte hashes')
  nodeScratch.set(left, 1)
  nodeScratch.set(right, 33)
  return platform.sha256(nodeScratch)
}

/** Number of leaves of a piece of `size` bytes (at least one). */
export function merkleLeafCount(size: number, leafSize: number): number {
  return Math.max(1, Math.ceil(size / leafSize))
}

function nextLevel(level: readonly Uint8Array[]): Uint8Array[] {
  const up: Uint8Array[] = []
  for (let i = 0; i + 1 < level.length; i += 2) up.push(merkleNodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array))
  if (level.length % 2 === 1) up.push(level[level.length - 1] as Uint8Array)
  return up
}

/** The root over a list of leaf hashes. */
export function merkleRootOfLeaves(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) throw new Error('a Merkle tree has at least one leaf')
  let level = leafHashes
  while (level.length > 1) level = nextLevel(level)
  return level[0] as Uint8Array
}

/** The audit path of leaf `leafIndex`, given every leaf hash and the leaf's bytes. */
export function merkleProofOfLeaves(leafHashes: readonly Uint8Array[], leafIndex: number, leaf: Uint8Array): AuditProof {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafHashes.length) throw new RangeError(`leaf ${leafIndex} is outside 0..${leafHashes.length - 1}`)
  const path: AuditProof['path'] = []
  let level = leafHashes
  let i = leafIndex
  while (level.length > 1) {
    if (i % 2 === 1) path.push({ hash: toHex(level[i - 1] as Uint8Array), left: true })
    else if (i + 1 < level.length) path.push({ hash: toHex(level[i + 1] as Uint8Array), left: false })
    level = nextLevel(level)
    i >>= 1
  }
  return { leafIndex, leaf: toBase64Url(leaf), path }
}

/**
 * The root over `count` 32-byte leaf hashes laid out in `level` (overwritten: each level is
 * computed in place over the one below).
 */
function rootInPlace(level: Uint8Array, count: number): Uint8Array {
  if (count === 0) throw new Error('a Merkle tree has at least one leaf')
  for (let n = count; n > 1; ) {
    let w = 0
    for (let i = 0; i + 1 < n; i += 2, w++) {
      nodeScratch.set(level.subarray(i * 32, i * 32 + 64), 1)
      platform.sha256Into(nodeScratch, level, w * 32)
    }
    if (n % 2 === 1) level.copyWithin(w++ * 32, (n - 1) * 32, n * 32)
    n = w
  }
  return level.subarray(0, 32)
}

/**
 * Streaming Merkle tree: feed a piece chunk by chunk (as it is written to disk), then read the
 * root. Keeps the leaf hashes (32 bytes per leaf, in one buffer) so proofs can be made without
 * rehashing.
 */
export class MerkleBuilder {
  private readonly partial: Uint8Array
  private fill = 0
  /** Leaf hashes, 32 bytes each, `count` of them. */
  private hashes: Uint8Array
  private count = 0
  private captured: Uint8Array | undefined
  private done = false
  private rootHex: string | undefined

  /**
   * `captureLeaf` keeps a copy of that leaf's bytes, for answering one audit while streaming.
   * `expectedSize`, when known, sizes the leaf-hash buffer once.
   */
  constructor(
    readonly leafSize: number,
    private readonly captureLeaf = -1,
    expectedSize = 0,
  ) {
    if (!Number.isInteger(leafSize) || leafSize < 1) throw new RangeError('leafSize must be a positive integer')
    this.partial = new Uint8Array(leafSize)
    this.hashes = new Uint8Array(32 * Math.max(16, merkleLeafCount(expectedSize, leafSize)))
  }

  private push(leaf: Uint8Array): void {
    if (this.count === this.captureLeaf) this.captured = leaf.slice()
    if ((this.count + 1) * 32 > this.hashes.byteLength) {
      const grown = new Uint8Array(this.hashes.byteLength * 2)
      grown.set(this.hashes)
      this.hashes = grown
    }
    leafHashInto(leaf, this.hashes, this.count * 32)
    this.count++
  }

  /** Adds the next chunk of the piece. */
  update(chunk: Uint8Array): this {
    if (this.done) throw new Error('MerkleBuilder already finished')
    const size = this.leafSize
    let off = 0
    if (this.fill > 0) {
      const take = Math.min(size - this.fill, chunk.byteLength)
      this.partial.set(chunk.subarray(0, take), this.fill)
      this.fill += take
      off = take
      if (this.fill === size) {
        this.push(this.partial)
        this.fill = 0
      }
    }
    // Whole leaves are hashed straight from the chunk.
    for (; chunk.byteLength - off >= size; off += size) this.push(chunk.subarray(off, off + size))
    if (off < chunk.byteLength) {
      this.partial.set(chunk.subarray(off), 0)
      this.fill = chunk.byteLength - off
    }
    return this
  }

  private finish(): void {
    if (this.done) return
    this.done = true
    if (this.fill > 0 || this.count === 0) this.push(this.partial.subarray(0, this.fill))
  }

  /** The root as hex; no more data may be added afterwards. */
  root(): string {
    this.finish()
    if (this.rootHex === undefined) {
      // The levels are built over a copy, so the leaf hashes stay for leafHashes().
      const level = this.hashes.slice(0, this.count * 32)
      this.rootHex = toHex(rootInPlace(level, this.count))
    }
    return this.rootHex
  }

  /** Every leaf hash, in order (finishes the tree). */
  leafHashes(): readonly Uint8Array[] {
    this.finish()
    const out: Uint8Array[] = []
    for (let i = 0; i < this.count; i++) out.push(this.hashes.subarray(i * 32, i * 32 + 32))
    return out
  }

  /** The bytes of the leaf named in the constructor, once it has streamed past. */
  capturedLeaf(): Uint8Array | undefined {
    return this.captured
  }
}

/** The Merkle root (hex) of a whole piece held in memory. */
export function merkleRoot(bytes: Uint8Array, leafSize: number): string {
  return new MerkleBuilder(leafSize, -1, bytes.byteLength).update(bytes).root()
}

/** An audit proof for one leaf of a piece held in memory. */
export function merkleProof(bytes: Uint8Array, leafIndex: number, leafSize: number): AuditProof {
  const hashes = new MerkleBuilder(leafSize).update(bytes).leafHashes()
  const start = leafIndex * leafSize
  return merkleProofOfLeaves(hashes, leafIndex, bytes.subarray(start, start + leafSize))
}

/** An audit proof for one leaf of a piece read as a stream (e.g. from disk). */
export async function merkleProofFromStream(chunks: AsyncIterable<Uint8Array>, leafIndex: number, leafSize: number): Promise<AuditProof> {
  const builder = new MerkleBuilder(leafSize, leafIndex)
  for await (const chunk of chunks) builder.update(chunk)
  const hashes = builder.leafHashes()
  const leaf = builder.capturedLeaf()
  if (leaf === undefined) throw new RangeError(`leaf ${leafIndex} is outside 0..${hashes.length - 1}`)
  return merkleProofOfLeaves(hashes, leafIndex, leaf)
}

/** The sibling sides a path must have for `leafIndex` in a tree of `count` leaves (true = left). */
function expectedSides(leafIndex: number, count: number): boolean[] {
  const sides: boolean[] = []
  for (let i = leafIndex, width = count; width > 1; i >>= 1, width = Math.ceil(width / 2)) {
    if (i % 2 === 1) sides.push(true)
    else if (i + 1 < width) sides.push(false)
  }
  return sides
}

/**
 * Checks an audit proof against a root (hex). Pass `pieceSize` (known from the receipt) to also
 * check that the proof is for the challenged leaf and that leaf has the right length; without it,
 * a node could answer with a different leaf it still holds.
 */
export function verifyProof(root: string, proof: AuditProof, leafSize: number, pieceSize?: number): boolean {
  try {
    if (!HEX64.test(root) || typeof proof.leaf !== 'string' || !B64URL.test(proof.leaf) || !Array.isArray(proof.path)) return false
    const leaf = fromBase64Url(proof.leaf)
    if (leaf.length > leafSize || toBase64Url(leaf) !== proof.leaf) return false
    if (pieceSize !== undefined) {
      const count = merkleLeafCount(pieceSize, leafSize)
      if (!Number.isInteger(proof.leafIndex) || proof.leafIndex < 0 || proof.leafIndex >= count) return false
      const expectedLength = proof.leafIndex < count - 1 ? leafSize : pieceSize - (count - 1) * leafSize
      if (leaf.length !== expectedLength) return false
      const sides = expectedSides(proof.leafIndex, count)
      if (sides.length !== proof.path.length || sides.some((left, j) => proof.path[j]?.left !== left)) return false
    }
    let hash = merkleLeafHash(leaf)
    for (const step of proof.path) {
      if (typeof step?.hash !== 'string' || !HEX64.test(step.hash) || typeof step.left !== 'boolean') return false
      const sibling = fromHex(step.hash)
      hash = step.left ? merkleNodeHash(sibling, hash) : merkleNodeHash(hash, sibling)
    }
    return toHex(hash) === root
  } catch {
    return false
  }
}
