/**
 * Test helpers for pieces, written from the storage spec rather than from the node's code: CIDs,
 * a level-by-level Merkle tree, an audit-proof verifier, and orders signed by a test network key.
 */
import { createHash, randomBytes } from 'node:crypto'
import { generateIdentity, signObject, type Identity } from '@w3ai/crypto'
import type { AuditProof, PieceOrder, SignedOrder } from '@w3ai/protocol'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

export async function cidOf(bytes: Uint8Array): Promise<string> {
  return CID.create(1, 0x55, await sha256.digest(bytes)).toString()
}

const h = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256')
  for (const p of parts) hash.update(p)
  return hash.digest()
}
const leafHash = (leaf: Uint8Array): Buffer => h(Buffer.from([0]), leaf)
const innerHash = (l: Uint8Array, r: Uint8Array): Buffer => h(Buffer.from([1]), l, r)

export function leavesOf(bytes: Buffer, leafSize: number): Buffer[] {
  if (bytes.length === 0) return [Buffer.alloc(0)]
  const leaves: Buffer[] = []
  for (let i = 0; i < bytes.length; i += leafSize) leaves.push(bytes.subarray(i, i + leafSize))
  return leaves
}

/** The root by the book: pair each level from the left, promote an odd last node unchanged. */
export function naiveRoot(bytes: Buffer, leafSize: number): string {
  let level = leavesOf(bytes, leafSize).map(leafHash)
  while (level.length > 1) {
    const next: Buffer[] = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Buffer
      const right = level[i + 1]
      next.push(right === undefined ? left : innerHash(left, right))
    }
    level = next
  }
  return (level[0] as Buffer).toString('hex')
}

/** Folds the path from the leaf up and compares with the root. */
export function verifyProof(proof: AuditProof, root: string): boolean {
  let node = leafHash(Buffer.from(proof.leaf, 'base64url'))
  for (const step of proof.path) {
    const sibling = Buffer.from(step.hash, 'hex')
    node = step.left ? innerHash(sibling, node) : innerHash(node, sibling)
  }
  return node.toString('hex') === root
}

/** Issues orders as the hub would, signed by a network key made for the test. */
export class TestNetwork {
  readonly key: Identity = generateIdentity('account')

  get orderKey(): string {
    return this.key.publicKey
  }

  order(fields: Pick<PieceOrder, 'action' | 'pieceCid' | 'nodeId'> & Partial<PieceOrder>, signer: Pick<Identity, 'signingKey'> = this.key): SignedOrder {
    const order: PieceOrder = {
      v: 1,
      maxSize: 256 * 1024 * 1024,
      expiresAt: Date.now() + 60_000,
      serial: randomBytes(12).toString('base64url'),
      ...fields,
    }
    return { order, signature: signObject(signer, order) }
  }

  /** The `x-w3ai-order` header value for an order. */
  header(fields: Pick<PieceOrder, 'action' | 'pieceCid' | 'nodeId'> & Partial<PieceOrder>, signer?: Pick<Identity, 'signingKey'>): string {
    return Buffer.from(JSON.stringify(this.order(fields, signer))).toString('base64url')
  }
}

export async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}
