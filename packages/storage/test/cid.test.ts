import { createHash } from 'node:crypto'
import { W3aiError } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { cidFromDigest, DAG_JSON_CODEC, isPieceCid, parseCid, PieceHasher, pieceCid, RAW_CODEC, verifyPiece } from '../src/index.js'

describe('piece CIDs', () => {
  it('are CIDv1 raw sha2-256 in base32', () => {
    // The well-known CID of the empty raw block.
    expect(pieceCid(new Uint8Array(0))).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')
    const cid = pieceCid(Buffer.from('hello'))
    expect(cid).toMatch(/^bafk/)
    expect(parseCid(cid).code).toBe(RAW_CODEC)
  })

  it('can be computed incrementally while streaming', () => {
    const data = Buffer.alloc(100_000, 3)
    const hasher = new PieceHasher()
    for (let i = 0; i < data.length; i += 7777) hasher.update(data.subarray(i, i + 7777))
    expect(hasher.size).toBe(data.length)
    expect(hasher.cid()).toBe(pieceCid(data))
    expect(cidFromDigest(createHash('sha256').update(data).digest())).toBe(pieceCid(data))
  })

  it('verify bytes against a CID', () => {
    const cid = pieceCid(Buffer.from('abc'))
    expect(verifyPiece(Buffer.from('abc'), cid)).toBe(true)
    expect(verifyPiece(Buffer.from('abd'), cid)).toBe(false)
  })

  it('parseCid rejects anything but base32 CIDv1 sha2-256 with STORAGE_BAD_CID', () => {
    const raw = pieceCid(Buffer.from('x'))
    const dag = cidFromDigest(createHash('sha256').digest(), DAG_JSON_CODEC)
    expect(dag).toMatch(/^bagu/)
    expect(parseCid(dag).code).toBe(DAG_JSON_CODEC)
    const bad = [
      '',
      'hello',
      'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', // CIDv0
      raw.toUpperCase(),
      raw.slice(0, -2),
      'z' + raw.slice(1),
      cidFromDigest(createHash('sha256').digest(), 0x70), // dag-pb: not a codec w3ai uses
    ]
    for (const text of bad) {
      expect(() => parseCid(text)).toThrow(W3aiError)
      expect(() => parseCid(text)).toThrow(expect.objectContaining({ code: 'STORAGE_BAD_CID' }))
    }
    expect(() => parseCid(dag, RAW_CODEC)).toThrow(expect.objectContaining({ code: 'STORAGE_BAD_CID' }))
    expect(isPieceCid(raw)).toBe(true)
    expect(isPieceCid(dag)).toBe(false)
  })
})
