/**
 * The browser download pipeline against scripted nodes (a stubbed fetch): objects written by the
 * Node library come back intact, bad pieces are skipped, and when too few good pieces remain, or
 * the hub hands out a manifest that is not the object's, it fails instead of producing bytes.
 */
import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import * as nodeCrypto from '@w3ai/crypto'
import type { ObjectDetail, StoredPiece } from '@w3ai/protocol'
import * as nodeStorage from '@w3ai/storage'
import { downloadObject } from '../src/storage/download.js'
import type { StorageApi } from '../src/storage/hub-api.js'
import { importIdentity } from '../src/storage/identity.js'

const SEGMENT = 64 * 1024

/** An object stored by the Node pipeline: its detail as the hub would answer, and the pieces by URL. */
async function storedObject(plain: Buffer, owner: nodeCrypto.Identity) {
  const objectKey = nodeStorage.generateObjectKey()
  const pieces = new Map<string, Uint8Array>()
  const segments: ObjectDetail['segments'] = []
  const manifestSegments = []
  for await (const seg of nodeStorage.encodeObjectSegments([plain], { objectKey, segmentSize: SEGMENT, k: 4, total: 6 })) {
    const stored: StoredPiece[] = seg.shards.map((s) => ({ index: s.index, cid: s.cid, nodeId: `n_${String(s.index).padStart(20, '0')}`, endpoint: `http://node-${s.index}.test`, nodeStatus: 'online', healthy: true }))
    for (const s of seg.shards) pieces.set(`http://node-${s.index}.test/v1/pieces/${s.cid}`, Buffer.from(s.bytes))
    segments.push({ index: seg.index, healthy: stored.length, pieces: stored.map((p) => ({ ...p, order: { order: { v: 1, action: 'get', pieceCid: p.cid, nodeId: p.nodeId, maxSize: 0, expiresAt: 0, serial: 'serial-serial-serial' }, signature: 'sig' } })) })
    manifestSegments.push({ plainSize: seg.plainSize, cipherSize: seg.cipherSize, shardSize: seg.shardSize, pieces: seg.shards.map((s) => ({ index: s.index, cid: s.cid })) })
  }
  const manifest = nodeStorage.buildManifest({ segmentSize: SEGMENT, k: 4, n: 5, total: 6, merkleLeafSize: 4096, segments: manifestSegments })
  const { cid } = nodeStorage.encodeManifest(manifest)
  const detail: ObjectDetail = {
    object: { cid, name: 'x.bin', size: plain.length, owner: owner.id, createdAt: new Date(0).toISOString(), segments: segments.length, redundancy: { k: 4, n: 5, repairThreshold: 5 }, minHealthyPieces: 6 },
    manifest,
    wrappedKey: nodeCrypto.wrapKey(objectKey, owner.encryptionKey),
    segments,
  }
  return { cid, detail, pieces }
}

function serve(pieces: ReadonlyMap<string, Uint8Array>): void {
  vi.stubGlobal('fetch', async (url: string) => {
    const bytes = pieces.get(url)
    return bytes === undefined ? new Response('{"error":{"code":"STORAGE_PIECE_NOT_FOUND"}}', { status: 404 }) : new Response(bytes.slice(), { status: 200 })
  })
}

const apiFor = (detail: ObjectDetail): StorageApi => ({ detail: async () => detail }) as unknown as StorageApi

describe('browser download pipeline', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  it('reads a Node-written object, skipping pieces that fail their CID', async () => {
    const owner = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(JSON.stringify(nodeCrypto.identityToFile(owner)))
    const plain = randomBytes(3 * SEGMENT + 1000)
    const { cid, detail, pieces } = await storedObject(plain, owner)
    // Two pieces of every segment are corrupt: exactly k = 4 good ones remain.
    for (const seg of detail.segments) {
      for (const p of seg.pieces.slice(0, 2)) {
        const url = `${p.endpoint}/v1/pieces/${p.cid}`
        const bad = Buffer.from(pieces.get(url)!)
        bad[10] = (bad[10] as number) ^ 1
        pieces.set(url, bad)
      }
    }
    serve(pieces)
    const seen: number[] = []
    const result = await downloadObject(apiFor(detail), identity, cid, { onProgress: (p) => seen.push(p.bytes) })
    expect(Buffer.from(await result.blob.arrayBuffer()).equals(plain)).toBe(true)
    expect(result.skipped).toBeGreaterThan(0)
    expect(seen.at(-1)).toBe(plain.length)
  })

  it('fails rather than guess when fewer than k good pieces remain', async () => {
    const owner = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(JSON.stringify(nodeCrypto.identityToFile(owner)))
    const { cid, detail, pieces } = await storedObject(randomBytes(SEGMENT), owner)
    for (const p of detail.segments[0]!.pieces.slice(0, 3)) pieces.delete(`${p.endpoint}/v1/pieces/${p.cid}`)
    serve(pieces)
    await expect(downloadObject(apiFor(detail), identity, cid)).rejects.toMatchObject({ code: 'STORAGE_NOT_ENOUGH_PIECES', message: expect.stringMatching(/Only \d of the 4 pieces needed could be read/) })
  })

  it('refuses a manifest that does not hash to the object id', async () => {
    const owner = nodeCrypto.generateIdentity('account')
    const identity = await importIdentity(JSON.stringify(nodeCrypto.identityToFile(owner)))
    const a = await storedObject(randomBytes(1000), owner)
    const b = await storedObject(randomBytes(1000), owner)
    serve(new Map([...a.pieces, ...b.pieces]))
    await expect(downloadObject(apiFor({ ...a.detail, manifest: b.detail.manifest }), identity, a.cid)).rejects.toThrow(/does not match the object id/)
  })

  it('refuses an object key wrapped to someone else', async () => {
    const owner = nodeCrypto.generateIdentity('account')
    const stranger = await importIdentity(JSON.stringify(nodeCrypto.identityToFile(nodeCrypto.generateIdentity('account'))))
    const { cid, detail, pieces } = await storedObject(randomBytes(1000), owner)
    serve(pieces)
    await expect(downloadObject(apiFor(detail), stranger, cid)).rejects.toThrow(/not wrapped to your identity/)
  })
})
