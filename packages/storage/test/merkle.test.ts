import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { MerkleBuilder, merkleLeafCount, merkleProof, merkleProofFromStream, merkleRoot, verifyProof } from '../src/index.js'
import { hashPiece } from '../src/encode.js'
import { pieceCid } from '../src/index.js'
import { prng, randomBuffer } from './helpers.js'

const sha = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The tree as the spec states it, level by level, for comparison. */
function referenceRoot(bytes: Buffer, leafSize: number): string {
  let level: Buffer[] = []
  for (let i = 0; i < Math.max(1, Math.ceil(bytes.length / leafSize)); i++) level.push(sha(Buffer.from([0]), bytes.subarray(i * leafSize, (i + 1) * leafSize)))
  while (level.length > 1) {
    const up: Buffer[] = []
    for (let i = 0; i < level.length; i += 2) up.push(i + 1 < level.length ? sha(Buffer.from([1]), level[i]!, level[i + 1]!) : level[i]!)
    level = up
  }
  return level[0]!.toString('hex')
}

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size)
}

describe('Merkle trees', () => {
  const random = prng(11)

  it('match the level-by-level definition for many sizes, streamed in odd chunks', () => {
    for (const size of [0, 1, 63, 64, 65, 127, 128, 129, 64 * 5, 64 * 7 + 3, 64 * 16, 64 * 33 + 1]) {
      const bytes = randomBuffer(size, random)
      const expected = referenceRoot(bytes, 64)
      expect(merkleRoot(bytes, 64)).toBe(expected)
      const builder = new MerkleBuilder(64)
      for (let i = 0; i < size; i += 37) builder.update(bytes.subarray(i, i + 37))
      expect(builder.root()).toBe(expected)
      expect(hashPiece(bytes, 64)).toEqual({ cid: pieceCid(bytes), merkleRoot: expected })
    }
  })

  it('give an empty piece one empty leaf', () => {
    expect(merkleRoot(Buffer.alloc(0), 4096)).toBe(sha(Buffer.from([0])).toString('hex'))
    expect(merkleLeafCount(0, 4096)).toBe(1)
  })

  it('prove every leaf, in memory and streamed, and the proofs verify with and without the piece size', async () => {
    for (const size of [0, 1, 64, 65, 64 * 6 + 10, 64 * 9]) {
      const bytes = randomBuffer(size, random)
      const root = merkleRoot(bytes, 64)
      for (let i = 0; i < merkleLeafCount(size, 64); i++) {
        const proof = merkleProof(bytes, i, 64)
        expect(verifyProof(root, proof, 64)).toBe(true)
        expect(verifyProof(root, proof, 64, size)).toBe(true)
        expect(await merkleProofFromStream(chunked(bytes, 50), i, 64)).toEqual(proof)
      }
    }
  })

  it('refuse tampered leaves, paths, roots and proofs for another leaf', () => {
    const size = 64 * 10 + 5
    const bytes = randomBuffer(size, random)
    const root = merkleRoot(bytes, 64)
    for (let i = 0; i < merkleLeafCount(size, 64); i++) {
      const proof = merkleProof(bytes, i, 64)
      const leaf = Buffer.from(proof.leaf, 'base64url')
      leaf[0] = (leaf[0] ?? 0) ^ 1
      expect(verifyProof(root, { ...proof, leaf: leaf.toString('base64url') }, 64)).toBe(false)
      const path = proof.path.map((s, j) => (j === 0 ? { ...s, hash: s.hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) } : s))
      expect(verifyProof(root, { ...proof, path }, 64)).toBe(false)
      expect(verifyProof(root, { ...proof, path: proof.path.slice(1) }, 64)).toBe(false)
      expect(verifyProof(root.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')), proof, 64)).toBe(false)
      // A valid proof for leaf j passed off as the answer for leaf i: only the size-aware check catches it.
      const other = merkleProof(bytes, (i + 1) % 11, 64)
      expect(verifyProof(root, { ...other, leafIndex: i }, 64, size)).toBe(false)
    }
    expect(verifyProof(root, { leafIndex: 0, leaf: '!!', path: [] }, 64)).toBe(false)
    expect(verifyProof('nothex', merkleProof(bytes, 0, 64), 64)).toBe(false)
  })

  it('reject a leaf index outside the piece', async () => {
    expect(() => merkleProof(Buffer.alloc(100), 2, 64)).toThrow(RangeError)
    await expect(merkleProofFromStream(chunked(Buffer.alloc(100), 10), 5, 64)).rejects.toThrow(RangeError)
  })
})
