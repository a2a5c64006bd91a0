/**
 * The browser storage client against what it must interoperate with. Signed requests and wrapped
 * keys are the dashboard's own code (WebCrypto) checked against @w3ai/crypto. Segments, pieces,
 * Merkle roots and manifests come from the shared storage core, run here on its browser platform
 * (JS SHA-256, WebCrypto, the portable coder) and held to the fixed wire vectors the Node side is
 * held to. Node's WebCrypto runs the browser code unchanged; storage.e2e proves it in Chromium.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import * as protocol from '@w3ai/protocol'
import * as core from '@w3ai/storage/portable'
import { summary, vectorManifest, vectorOptions, vectorPiece, vectorPlains, vectors } from '../../storage/test/wire-vectors-kit.js'
import { importIdentity } from '../src/storage/identity.js'
import { signRequest } from '../src/storage/signed-request.js'
import * as wire from '../src/storage/wire.js'
import { unwrapKey, wrapKey } from '../src/storage/wrap.js'

// What a browser build resolves `#platform` to (the `browser` condition), in place of Node's.
vi.mock('../../storage/src/platform/node.js', () => import('../../storage/src/platform/web.js'))

const bytes = (size: number): Uint8Array<ArrayBuffer> => new Uint8Array(randomBytes(size))
const identityText = (identity = nodeCrypto.generateIdentity('account')): string => JSON.stringify(nodeCrypto.identityToFile(identity))

describe('browser storage client, byte-compatible with the Node libraries', () => {
  it('repeats the wire constants of @w3ai/protocol and @w3ai/crypto exactly', () => {
    expect(wire.SIGNATURE_SCHEME).toBe(protocol.SIGNATURE_SCHEME)
    expect([wire.HEADER_KEY, wire.HEADER_TIMESTAMP, wire.HEADER_NONCE, wire.HEADER_SIGNATURE]).toEqual([protocol.HEADER_KEY, protocol.HEADER_TIMESTAMP, protocol.HEADER_NONCE, protocol.HEADER_SIGNATURE])
    expect(wire.HEADER_ORDER).toBe(protocol.HEADER_ORDER)
    expect(wire.WRAP_ALG).toBe(nodeCrypto.WRAP_ALG)
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

  it('runs the storage core on the browser platform', async () => {
    const { platform } = await import('../../storage/src/platform/node.js')
    const web = await import('../../storage/src/platform/web.js')
    expect(platform).toBe(web.platform)
  })

  it('encrypts and codes segments into the pieces of the fixed vectors, and builds the same manifest', async () => {
    const segments = await Promise.all(vectorPlains().map((plain, i) => core.prepareSegment(plain, i, vectorOptions)))
    expect(summary(segments)).toEqual(vectors.segments)
    expect(core.encodeManifest(vectorManifest(segments)).cid).toBe(vectors.manifestCid)
  })

  it('addresses pieces and proves leaves as the fixed vectors say', () => {
    const piece = vectorPiece()
    expect(core.pieceCid(piece)).toBe(vectors.piece.cid)
    expect(core.merkleRoot(piece, 4096)).toBe(vectors.piece.root4096)
    expect(core.merkleRoot(piece, 64)).toBe(vectors.piece.root64)
    for (const proof of vectors.proofs) expect(core.merkleProof(piece, proof.leafIndex, 4096)).toEqual(proof)
  })

  it('decrypts what Node encrypted, and refuses altered ciphertext', async () => {
    const objectKey = bytes(32)
    for (const [index, size] of [[0, 0], [1, 1], [7, 100_000]] as const) {
      const plain = bytes(size)
      const okm = Buffer.from(hkdfSync('sha256', objectKey, Buffer.alloc(0), `w3s/segment/${index}`, 44))
      const cipher = createCipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32))
      const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()])
      expect(Buffer.from(await core.encryptSegment(plain, objectKey, index)).equals(sealed)).toBe(true)
      expect(Buffer.from(await core.decryptSegment(sealed, objectKey, index)).equals(plain)).toBe(true)
      sealed[0] = (sealed[0] as number) ^ 1
      await expect(core.decryptSegment(sealed, objectKey, index)).rejects.toMatchObject({ code: 'STORAGE_INTEGRITY' })
    }
  })
})
