/**
 * Uploading a file from the page. Every segment is encrypted and erasure-coded here; the hub
 * places its pieces and signs orders, the pieces go straight to the nodes (all n + spares at once,
 * the slowest cut once n receipts are in), the receipts are committed, and finally the manifest
 * and the object key wrapped to the account complete the object. The hub never sees a key.
 */
import type { ManifestSegment, ObjectSummary } from '@w3ai/protocol'
import {
  buildManifest,
  encodeManifest,
  manifestSegment,
  prepareSegment,
  segmentCommit,
  segmentOrdersRequest,
  uploadSegment,
  type PreparedSegment,
} from '@w3ai/storage/portable'
import { randomBytes } from './bytes.js'
import type { StorageApi } from './hub-api.js'
import type { BrowserIdentity } from './identity.js'
import { putPiece } from './pieces.js'
import { wrapKey } from './wrap.js'

export interface TransferProgress {
  /** Plaintext bytes done (fractions of a segment count as its pieces land). */
  bytes: number
  total: number
}

export interface UploadOptions {
  name?: string
  /** Default: the hub's (8 MiB). */
  segmentSize?: number
  onProgress?: (p: TransferProgress) => void
}

/** Segments whose pieces are in flight at once: the nodes' disks and the hub's bookkeeping overlap. */
const SEGMENTS_IN_FLIGHT = 3

/** Encrypts, encodes and uploads `file`; resolves with the stored object. */
export async function uploadFile(api: StorageApi, identity: Pick<BrowserIdentity, 'encryptionKey'>, file: Blob, options: UploadOptions = {}): Promise<ObjectSummary> {
  const size = file.size
  const upload = await api.createUpload({ size, ...(options.segmentSize === undefined ? {} : { segmentSize: options.segmentSize }), ...(options.name === undefined ? {} : { name: options.name }) })
  const { k, n } = upload.redundancy
  const objectKey = randomBytes(32)
  const code = { objectKey, segmentSize: upload.segmentSize, k, total: upload.totalPieces, merkleLeafSize: upload.merkleLeafSize }
  const count = Math.max(1, Math.ceil(size / upload.segmentSize))
  // Progress: each segment counts its plaintext times the share of its n receipts already in.
  const stored = new Map<number, number>()
  const progress = (index: number, bytes: number): void => {
    stored.set(index, bytes)
    let sum = 0
    for (const b of stored.values()) sum += b
    options.onProgress?.({ bytes: Math.min(Math.round(sum), size), total: size })
  }
  options.onProgress?.({ bytes: 0, total: size })

  const send = async (seg: PreparedSegment): Promise<ManifestSegment> => {
    const placements = await api.orders(upload.uploadId, seg.index, segmentOrdersRequest(seg))
    // All n + spares go out at once; the slowest are cut once n matching receipts are in.
    const stored = await uploadSegment(seg, placements, { putPiece, needed: n, onStored: (count) => progress(seg.index, (seg.plainSize * count) / n) })
    await api.commit(upload.uploadId, seg.index, segmentCommit(seg, stored))
    return manifestSegment(seg, stored)
  }

  const segments: ManifestSegment[] = []
  const inFlight = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  // Encoding runs on this thread between network events; a few segments upload meanwhile.
  for (let index = 0; index < count && failure === undefined; index++) {
    const start = index * upload.segmentSize
    const plain = new Uint8Array(await file.slice(start, Math.min(size, start + upload.segmentSize)).arrayBuffer())
    const seg = await prepareSegment(plain, index, code)
    const task: Promise<void> = send(seg).then(
      (entry) => void (segments[index] = entry),
      (error: unknown) => void (failure ??= { error }),
    )
    inFlight.add(task)
    void task.finally(() => inFlight.delete(task))
    while (inFlight.size >= SEGMENTS_IN_FLIGHT) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  if (failure !== undefined) throw failure.error

  const manifest = buildManifest({ segmentSize: upload.segmentSize, k, n, total: upload.totalPieces, merkleLeafSize: upload.merkleLeafSize, segments })
  const { bytes } = encodeManifest(manifest)
  // As the Node SDK: wrap to the key the hub has on record for the account.
  const account = await api.me()
  const wrapped = await wrapKey(objectKey, account.encryptionKey ?? identity.encryptionKey)
  objectKey.fill(0)
  return api.complete(upload.uploadId, bytes, wrapped)
}
