/**
 * The browser storage client (src/storage, WebCrypto + portable coder) against the Node libraries
 * it must interoperate with: the same signed requests, wrapped keys, segment ciphertexts, piece
 * CIDs, Merkle roots and manifest bytes. Node's WebCrypto runs the browser code unchanged here;
 * the browser test (storage.e2e) then proves the same end to end in Chromium.
 */
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import * as protocol from '@w3ai/protocol'
import * as nodeStorage from '@w3ai/storage'
import { pieceCid } from '../src/storage/cid.js'
import { prepareSegment } from '../src/storage/encode-segment.js'
import { importIdentity } from '../src/storage/identity.js'
import { buildManifest, encodeManifest } from '../src/storage/manifest.js'
import { merkleRoot } from '../src/storage/merkle.js'
import { decryptSegment, encryptSegment } from '../src/storage/segment-crypto.js'
import { signRequest } from '../src/storage/signed-request.js'
import * as wire from '../src/storage/wire.js'
import { unwrapKey, wrapKey } from '../src/storage/wrap.js'

const bytes = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size))
const identityText = (identity = nodeCrypto.generateIdentity('account')): string => JSON.stringify(nodeCrypto.identityToFile(identity))

describe('browser storage client, byte-compatible with the Node libraries', () => {
  it('repeats the wire constants of @w3ai/protocol and @w3ai/crypto exactly', () => {
    expect(wire.SIGNATURE_SCHEME).toBe(protocol.SIGNATURE_SCHEME)
    expect([wire.HEADER_KEY, wire.HEADER_TIMESTAMP, wire.HEADER_NONCE, wire.HEADER_SIGNATURE]).toEqual([protocol.HEADER_KEY, protocol.HEADER_TIMESTAMP, protocol.HEADER_NONCE, protocol.HEADER_SIGNATURE])
    expect(wire.HEADER_ORDER).toBe(protocol.HEADER_ORDER)
    expect(wire.WRAP_ALG).toBe(nodeCrypto.WRAP_ALG)
    expect([wire.RAW_CODEC, wire.DAG_JSON_CODEC, wire.SHA2_256]).toEqual([nodeStorage.RAW_CODEC, nodeStorage.DAG_JSON_CODEC, nodeStorage.SHA2_256])
  })

  it('imports an identity file written by the CLI, and refuses a tampered or node one', async () => {
    const node = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(identityText(node))
    expect(identity).toMatchObject({ id: node.id, publicKey: node.publicKey, encryptionKey: node.encryptionKey })
    expect(identity.signingKey.extractable).toBe(false)
    expect(identity.decryptionKey.extractable).toBe(false)
    const other = nodeCrypto.generateIdentity('account')
    const swapped = { ...nodeCrypto.identityToFile(node), publicKey: other.publicKey }
    await expect(importIdentity(JSON.stringify(swapped))).rejects.toThrow(/does not match/)
    await expect(importIdentity(identityText(nodeCrypto.generateIdentity('node')))).rejects.toThrow(/account identity/)
    await expect(importIdentity('not json')).rejects.toThrow(/not JSON/)
  })

  it('signs requests the hub verifies', async () => {
    const node = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(identityText(node))
    const body = JSON.stringify({ size: 42, name: 'x' })
    const post = await signRequest(identity, 'post', '/v1/storage/uploads', body)
    expect(nodeCrypto.verifySignedRequest(post, 'POST', '/v1/storage/uploads', body).publicKey).toBe(node.publicKey)
    const get = await signRequest(identity, 'GET', '/v1/storage/objects?x=1')
    expect(() => nodeCrypto.verifySignedRequest(get, 'GET', '/v1/storage/objects?x=1', undefined)).not.toThrow()
    expect(() => nodeCrypto.verifySignedRequest(get, 'GET', '/v1/storage/objects?x=2', undefined)).toThrow()
  })

  it('wraps keys Node unwraps, and unwraps keys Node wrapped', async () => {
    const node = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(identityText(node))
    const key = bytes(32)
    expect(nodeCrypto.unwrapKey(await wrapKey(key, node.encryptionKey), node).equals(key)).toBe(true)
    expect(Buffer.from(await unwrapKey(nodeCrypto.wrapKey(key, node.encryptionKey), identity)).equals(key)).toBe(true)
    const stranger = await importIdentity(identityText())
    await expect(unwrapKey(await wrapKey(key, node.encryptionKey), stranger)).rejects.toThrow(/not wrapped to your identity/)
  })

  it('encrypts segments exactly as keys.ts, and refuses altered ciphertext', async () => {
    const objectKey = bytes(32)
    for (const [index, size] of [[0, 0], [1, 1], [7, 100_000]] as const) {
      const plain = bytes(size)
      const cipher = await encryptSegment(plain, objectKey, index)
      expect(Buffer.from(cipher).equals(nodeStorage.encryptSegment(plain, objectKey, index))).toBe(true)
      expect(Buffer.from(await decryptSegment(cipher, objectKey, index)).equals(plain)).toBe(true)
      cipher[0] = (cipher[0] as number) ^ 1
      await expect(decryptSegment(cipher, objectKey, index)).rejects.toThrow(/integrity/)
    }
  })

  it('computes the same piece CIDs and Merkle roots', async () => {
    for (const size of [0, 1, 4096, 4097, 5 * 4096 + 1, 100_000]) {
      const piece = bytes(size)
      expect(await pieceCid(piece)).toBe(nodeStorage.pieceCid(piece))
      expect(merkleRoot(piece, 4096)).toBe(nodeStorage.merkleRoot(piece, 4096))
      expect(merkleRoot(piece, 64)).toBe(nodeStorage.merkleRoot(piece, 64))
    }
  })

  it('prepares segments piece for piece like the Node pipeline, and encodes the same manifest', async () => {
    const objectKey = bytes(32)
    const code = { k: 4, total: 8, merkleLeafSize: 4096 }
    const plains = [bytes(64 * 1024), bytes(12_345)]
    const mine = await Promise.all(plains.map((p, i) => prepareSegment(p, i, objectKey, code)))
    const theirs = await Promise.all(plains.map((p, i) => nodeStorage.prepareSegment(Buffer.from(p), i, { objectKey, segmentSize: 64 * 1024, ...code })))
    for (const [i, seg] of mine.entries()) {
      const ref = theirs[i]!
      expect({ plain: seg.plainSize, cipher: seg.cipherSize, shard: seg.shardSize }).toEqual({ plain: ref.plainSize, cipher: ref.cipherSize, shard: ref.shardSize })
      expect(seg.shards.map((s) => [s.index, s.cid, s.merkleRoot])).toEqual(ref.shards.map((s) => [s.index, s.cid, s.merkleRoot]))
    }
    // Receipts arrive in any order; the browser sorts pieces into the canonical ascending order.
    const segments = (order: (pieces: Array<{ index: number; cid: string }>) => Array<{ index: number; cid: string }>) =>
      mine.map((seg) => ({ plainSize: seg.plainSize, cipherSize: seg.cipherSize, shardSize: seg.shardSize, pieces: order(seg.shards.slice(1, 7).map((s) => ({ index: s.index, cid: s.cid }))) }))
    const options = { segmentSize: 64 * 1024, k: 4, n: 6, total: 8, merkleLeafSize: 4096 }
    const encoded = await encodeManifest(buildManifest({ ...options, segments: segments((p) => p.reverse()) }))
    const reference = nodeStorage.encodeManifest(nodeStorage.buildManifest({ ...options, segments: segments((p) => p) }))
    expect(encoded.cid).toBe(reference.cid)
    expect(Buffer.from(encoded.bytes).equals(reference.bytes)).toBe(true)
  })
})
