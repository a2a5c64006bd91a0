/**
 * Downloading an object in the page, with the storage core's pipeline. The manifest must hash to
 * the object id; each segment is read from the fastest k intact pieces (every piece checked against
 * its CID, a bad or missing one replaced by another node's), rebuilt with the portable Reed–Solomon
 * coder and authenticated by AES-GCM. Only when every segment passed is the file handed over, so
 * no wrong byte is ever saved.
 */
import type { ManifestSegment, ObjectSummary } from '@w3ai/protocol'
import { decryptSegment, downloadSegment, encodeManifest, validateManifest } from '@w3ai/storage/portable'
import type { Bytes } from './bytes.js'
import type { StorageApi } from './hub-api.js'
import type { BrowserIdentity } from './identity.js'
import { getPiece } from './pieces.js'
import type { TransferProgress } from './upload.js'
import { unwrapKey } from './wrap.js'

export interface DownloadOptions {
  onProgress?: (p: TransferProgress) => void
}

export interface DownloadResult {
  blob: Blob
  object: ObjectSummary
  /** Pieces that failed (unreachable, or not matching their CID) and were replaced by others. */
  skipped: number
}

/** Downloads, verifies and decrypts an object; resolves with its bytes as a Blob. */
export async function downloadObject(api: StorageApi, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>, cid: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const detail = await api.detail(cid)
  const { manifest } = detail
  validateManifest(manifest)
  if (encodeManifest(manifest).cid !== cid) throw new Error('The hub sent a manifest that does not match the object id.')
  const objectKey = await unwrapKey(detail.wrappedKey, identity)
  const { k, total } = manifest.erasure
  // Progress counts verified pieces, each worth 1/k of its segment's plaintext.
  let fetched = 0
  const progress = (): void => options.onProgress?.({ bytes: Math.min(Math.round(fetched), manifest.size), total: manifest.size })
  progress()
  let skipped = 0
  // Every piece is checked against the manifest's CID; a bad or missing one is replaced by another node's.
  const fetchOne = (i: number): Promise<Uint8Array> => {
    const segment = manifest.segments[i] as ManifestSegment
    return downloadSegment(segment, detail.segments[i]?.pieces ?? [], {
      getPiece,
      k,
      total,
      onPiece: () => {
        fetched += segment.plainSize / k
        progress()
      },
      onFailure: () => void skipped++,
    })
  }
  const parts: Bytes[] = []
  // One segment is fetched ahead while the current one is decoded and decrypted.
  let next: Promise<Uint8Array> | undefined = fetchOne(0)
  try {
    for (let i = 0; i < manifest.segments.length; i++) {
      const segment = manifest.segments[i] as ManifestSegment
      const cipher = await (next as Promise<Uint8Array>)
      next = i + 1 < manifest.segments.length ? fetchOne(i + 1) : undefined
      next?.catch(() => undefined)
      const plain = await decryptSegment(cipher, objectKey, i)
      if (plain.byteLength !== segment.plainSize) throw new Error(`Segment ${i} has the wrong size.`)
      parts.push(plain as Bytes)
    }
  } finally {
    objectKey.fill(0)
  }
  return { blob: new Blob(parts, { type: 'application/octet-stream' }), object: detail.object, skipped }
}

export { saveBlob } from './save-blob.js'
