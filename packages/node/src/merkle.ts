/**
 * The node's side of the piece Merkle tree (to be replaced by @w3ai/storage's implementation).
 * Leaves are `leafSize`-byte slices (the last may be short; an empty piece has one empty leaf),
 * leaf hash sha256(0x00 || leaf), inner hash sha256(0x01 || left || right), and an odd node at
 * the end of a level is promoted unchanged. Building that tree level by level is equivalent to
 * merging perfect subtrees like a binary counter and folding what is left from the right, which
 * is what both functions here do, so memory stays O(log leaves) however large the piece.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { STORAGE_DEFAULTS, type AuditProof } from '@w3ai/protocol'

const LEAF_PREFIX = Buffer.from([0x00])
const INNER_PREFIX = Buffer.from([0x01])

function leafHash(leaf: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest()
}

function innerHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(INNER_PREFIX).update(left).update(right).digest()
}

/** The number of leaves of a piece of `size` bytes. */
export function leafCount(size: number, leafSize: number = STORAGE_DEFAULTS.merkleLeafSize): number {
  return Math.max(1, Math.ceil(size / leafSize))
}

/** A perfect subtree on the stack; `target` marks the one holding the leaf being proven. */
interface Subtree {
  hash: Buffer
  height: number
  target: boolean
}

type PathStep = AuditProof['path'][number]

/** Leaf hashes in, subtree roots folded as they complete; optionally records one leaf's path. */
class Accumulator {
  private readonly stack: Subtree[] = []
  private leaves = 0

  constructor(
    private readonly targetLeaf = -1,
    readonly path: PathStep[] = [],
  ) {}

  get count(): number {
    return this.leaves
  }

  push(hash: Buffer): void {
    let node: Subtree = { hash, height: 0, target: this.leaves === this.targetLeaf }
    this.leaves++
    let top = this.stack.at(-1)
    while (top !== undefined && top.height === node.height) {
      this.stack.pop()
      node = this.merge(top, node)
      top = this.stack.at(-1)
    }
    this.stack.push(node)
  }

  /** The root; subtrees left on the stack are joined from the right, as promotion implies. */
  root(): Buffer {
    if (this.stack.length === 0) this.push(leafHash(new Uint8Array(0)))
    let node = this.stack[this.stack.length - 1] as Subtree
    for (let i = this.stack.length - 2; i >= 0; i--) node = this.merge(this.stack[i] as Subtree, node)
    return node.hash
  }

  private merge(left: Subtree, right: Subtree): Subtree {
    if (left.target) this.path.push({ hash: right.hash.toString('hex'), left: false })
    else if (right.target) this.path.push({ hash: left.hash.toString('hex'), left: true })
    return { hash: innerHash(left.hash, right.hash), height: left.height + 1, target: left.target || right.target }
  }
}

/** Cuts a byte stream into leaves of `leafSize` bytes, the last one possibly short. */
class LeafSplitter {
  private pending: Buffer[] = []
  private pendingBytes = 0

  constructor(
    private readonly leafSize: number,
    private readonly onLeaf: (leaf: Buffer) => void,
  ) {
    if (!Number.isInteger(leafSize) || leafSize < 1) throw new RangeError(`leaf size ${leafSize} is not a positive integer`)
  }

  update(chunk: Uint8Array): void {
    let offset = 0
    while (offset < chunk.length) {
      const take = Math.min(this.leafSize - this.pendingBytes, chunk.length - offset)
      this.pending.push(Buffer.from(chunk.buffer, chunk.byteOffset + offset, take))
      this.pendingBytes += take
      offset += take
      if (this.pendingBytes === this.leafSize) this.flush()
    }
  }

  end(): void {
    if (this.pendingBytes > 0) this.flush()
  }

  private flush(): void {
    const leaf = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes)
    this.pending = []
    this.pendingBytes = 0
    this.onLeaf(leaf)
  }
}

/** Streaming Merkle root: feed chunks of any size, then ask for the root once. */
export class MerkleBuilder {
  private readonly acc = new Accumulator()
  private readonly leaves: LeafSplitter

  constructor(leafSize: number = STORAGE_DEFAULTS.merkleLeafSize) {
    this.leaves = new LeafSplitter(leafSize, (leaf) => this.acc.push(leafHash(leaf)))
  }

  update(chunk: Uint8Array): void {
    this.leaves.update(chunk)
  }

  /** The root as 64 hex characters; the builder must not be updated afterwards. */
  root(): string {
    this.leaves.end()
    return this.acc.root().toString('hex')
  }
}

/**
 * The leaf at `leafIndex` of the file and its path to the root, read in one streaming pass.
 * Throws a RangeError when the file has no such leaf.
 */
export async function proveLeaf(filePath: string, leafIndex: number, leafSize: number = STORAGE_DEFAULTS.merkleLeafSize): Promise<AuditProof> {
  if (!Number.isInteger(leafIndex) || leafIndex < 0) throw new RangeError(`${leafIndex} is not a leaf index`)
  const acc = new Accumulator(leafIndex)
  let leaf: Buffer | undefined
  const leaves = new LeafSplitter(leafSize, (bytes) => {
    // The leaf may be a view into the read buffer: copy the one we keep.
    if (acc.count === leafIndex) leaf = Buffer.from(bytes)
    acc.push(leafHash(bytes))
  })
  for await (const chunk of createReadStream(filePath, { highWaterMark: Math.max(64 * 1024, leafSize) })) leaves.update(chunk as Buffer)
  leaves.end()
  // An empty file's single empty leaf is made up by root(), never cut by the splitter.
  if (leaf === undefined && acc.count === 0 && leafIndex === 0) leaf = Buffer.alloc(0)
  if (leaf === undefined) throw new RangeError(`the piece has ${leafCountOf(acc.count)} leaves, not leaf ${leafIndex}`)
  acc.root()
  return { leafIndex, leaf: leaf.toString('base64url'), path: acc.path }
}

function leafCountOf(cut: number): number {
  return Math.max(1, cut)
}
