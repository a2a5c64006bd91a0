import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MerkleBuilder, leafCount, proveLeaf } from '../src/merkle.js'
import { naiveRoot, verifyProof } from './pieces-kit.js'

const LEAF = 64

describe('piece Merkle tree', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'w3ai-merkle-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('matches the level-by-level definition for 1 to 35 leaves, however the bytes are chunked', () => {
    for (let full = 0; full <= 33; full++) {
      for (const size of [full * LEAF, full * LEAF + 1, full * LEAF + LEAF - 1]) {
        const bytes = randomBytes(size)
        const whole = new MerkleBuilder(LEAF)
        whole.update(bytes)
        const bits = new MerkleBuilder(LEAF)
        for (let i = 0; i < bytes.length; i += 7) bits.update(bytes.subarray(i, i + 7))
        expect(whole.root()).toBe(naiveRoot(bytes, LEAF))
        expect(bits.root()).toBe(naiveRoot(bytes, LEAF))
      }
    }
  })

  it('gives an empty piece one empty leaf', () => {
    expect(new MerkleBuilder().root()).toBe(naiveRoot(Buffer.alloc(0), 4096))
    expect(leafCount(0)).toBe(1)
    expect(leafCount(4097)).toBe(2)
  })

  it('proves every leaf of files of awkward sizes against the root', async () => {
    for (const size of [0, 1, LEAF, LEAF + 1, 5 * LEAF, 7 * LEAF - 3, 16 * LEAF, 21 * LEAF + 9]) {
      const bytes = randomBytes(size)
      const file = join(dir, `f${size}`)
      await writeFile(file, bytes)
      const root = naiveRoot(bytes, LEAF)
      const leaves = leafCount(size, LEAF)
      for (let i = 0; i < leaves; i++) {
        const proof = await proveLeaf(file, i, LEAF)
        expect(Buffer.from(proof.leaf, 'base64url')).toEqual(bytes.subarray(i * LEAF, (i + 1) * LEAF))
        expect(verifyProof(proof, root)).toBe(true)
      }
      await expect(proveLeaf(file, leaves, LEAF)).rejects.toThrow(RangeError)
    }
  })
})
