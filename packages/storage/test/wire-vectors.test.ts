/**
 * Wire formats against fixed vectors written by the implementations that came before the shared
 * core (the dashboard's and the node's own copies): piece CIDs, Merkle roots and proofs, segment
 * encryption and coding, and the manifest bytes must stay byte-identical, or stored objects and
 * signed receipts stop verifying.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { encodeManifest, merkleProof, merkleRoot, parseCid, pieceCid, prepareSegment, toHex, verifyProof } from '../src/portable.js'
import { summary, vectorManifest, vectorOptions, vectorPiece, vectorPlains, vectors } from './wire-vectors-kit.js'

describe('wire formats, against fixed vectors', () => {
  it('encrypts and erasure-codes segments into the same pieces, CIDs and Merkle roots, and the same manifest', async () => {
    const segments = await Promise.all(vectorPlains().map((plain, i) => prepareSegment(plain, i, vectorOptions)))
    expect(summary(segments)).toEqual(vectors.segments)
    const { bytes, cid } = encodeManifest(vectorManifest(segments))
    expect(cid).toBe(vectors.manifestCid)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(vectors.manifestSha256)
  })

  it('addresses pieces and builds Merkle trees and audit proofs as before', () => {
    const piece = vectorPiece()
    expect(pieceCid(piece)).toBe(vectors.piece.cid)
    expect(merkleRoot(piece, 4096)).toBe(vectors.piece.root4096)
    expect(merkleRoot(piece, 64)).toBe(vectors.piece.root64)
    for (const proof of vectors.proofs) {
      expect(merkleProof(piece, proof.leafIndex, 4096)).toEqual(proof)
      expect(verifyProof(vectors.piece.root4096, proof, 4096, piece.length)).toBe(true)
    }
    expect(pieceCid(new Uint8Array(0))).toBe(vectors.emptyPiece.cid)
    expect(merkleRoot(new Uint8Array(0), 4096)).toBe(vectors.emptyPiece.root)
    expect(toHex(parseCid(vectors.piece.cid).multihash.digest)).toBe(vectors.parsed)
  })
})
