/**
 * Downloading an object in the page. The manifest must hash to the object id; each segment is
 * read from the fastest k intact pieces (every piece checked against its CID, a bad or missing one
 * replaced by another node's), rebuilt with the portable Reed–Solomon coder and authenticated by
 * AES-GCM. Only when every segment passed is the file handed over, so no wrong byte is ever saved.
 */
import type { ManifestSegment, ObjectSummary, StoredPiece } from '@w3ai/protocol'
import { DEFAULT_DOWNLOAD_EXTRA, firstSuccesses, rsDecodeSegment } from '@w3ai/storage/portable'
import type { Bytes } from './bytes.js'
import { pieceCid } from './cid.js'
import type { StorageApi } from './hub-api.js'
import type { BrowserIdentity } from './identity.js'
import { checkManifest, encodeManifest } from './manifest.js'
import { getPiece } from './pieces.js'
import { decryptSegment } from './segment-crypto.js'
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

/** Fetches any k verified pieces of a segment and returns its ciphertext. */
async function fetchSegment(segment: ManifestSegment, index: number, pieces: readonly StoredPiece[], k: number, onPiece: () => void): Promise<{ cipher: Bytes; skipped: number }> {
  const expected = new Map(segment.pieces.map((p) => [p.index, p.cid]))
  // Only pieces the manifest vouches for are worth a request; healthy nodes first.
  const candidates = pieces.filter((p) => expected.get(p.index) === p.cid).sort((a, b) => Number(b.healthy) - Number(a.healthy))
  const have = new Map<number, Bytes>()
  let duplicates = 0
  const { failures } = await firstSuccesses({
    items: candidates,
    needed: k,
    concurrency: k + DEFAULT_DOWNLOAD_EXTRA,
    run: async (piece: StoredPiece, signal: AbortSignal) => {
      const bytes = await getPiece(piece, signal)
      if (bytes.byteLength !== segment.shardSize || (await pieceCid(bytes)) !== piece.cid) throw new Error(`piece ${piece.index} from ${piece.nodeId} does not match its CID`)
      return bytes
    },
    accept: (piece, bytes) => {
      if (have.has(piece.index)) {
        duplicates++
        return false
      }
      have.set(piece.index, bytes)
      onPiece()
      return true
    },
  })
  if (have.size < k) {
    const why = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error))).join('; ')
    throw new Error(`Segment ${index}: only ${have.size} of the ${k} pieces needed could be read. ${why}`)
  }
  return { cipher: rsDecodeSegment(have, k, segment.shardSize, segment.cipherSize) as Bytes, skipped: failures.length - duplicates }
}

/** Downloads, verifies and decrypts an object; resolves with its bytes as a Blob. */
export async function downloadObject(api: StorageApi, identity: Pick<BrowserIdentity, 'encryptionKey' | 'decryptionKey'>, cid: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const detail = await api.detail(cid)
  const { manifest } = detail
  checkManifest(manifest)
  if ((await encodeManifest(manifest)).cid !== cid) throw new Error('The hub sent a manifest that does not match the object id.')
  const objectKey = await unwrapKey(detail.wrappedKey, identity)
  const { k } = manifest.erasure
  // Progress counts verified pieces, each worth 1/k of its segment's plaintext.
  let fetched = 0
  const progress = (): void => options.onProgress?.({ bytes: Math.min(Math.round(fetched), manifest.size), total: manifest.size })
  progress()
  const fetchOne = (i: number): Promise<{ cipher: Bytes; skipped: number }> => {
    const segment = manifest.segments[i] as ManifestSegment
    return fetchSegment(segment, i, detail.segments[i]?.pieces ?? [], k, () => {
      fetched += segment.plainSize / k
      progress()
    })
  }
  const parts: Bytes[] = []
  let skipped = 0
  // One segment is fetched ahead while the current one is decoded and decrypted.
  let next: Promise<{ cipher: Bytes; skipped: number }> | undefined = fetchOne(0)
  try {
    for (let i = 0; i < manifest.segments.length; i++) {
      const segment = manifest.segments[i] as ManifestSegment
      const fetched: { cipher: Bytes; skipped: number } = await (next as Promise<{ cipher: Bytes; skipped: number }>)
      skipped += fetched.skipped
      next = i + 1 < manifest.segments.length ? fetchOne(i + 1) : undefined
      next?.catch(() => undefined)
      const plain = await decryptSegment(fetched.cipher, objectKey, i)
      if (plain.byteLength !== segment.plainSize) throw new Error(`Segment ${i} has the wrong size.`)
      parts.push(plain)
    }
  } finally {
    objectKey.fill(0)
  }
  return { blob: new Blob(parts, { type: 'application/octet-stream' }), object: detail.object, skipped }
}

/** Offers a Blob as a file download under `name`. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The browser has taken its own reference once the download started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
