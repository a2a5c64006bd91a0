/**
 * Uploading a file from the page. Every segment is encrypted and erasure-coded here; the hub
 * places its pieces and signs orders, the pieces go straight to the nodes (all n + spares at once,
 * the slowest cut once n receipts are in), the receipts are committed, and finally the manifest
 * and the object key wrapped to the account complete the object. The hub never sees a key.
 */
import type { ManifestSegment, ObjectSummary, PiecePlacement, SignedReceipt } from '@w3ai/protocol'
import { firstSuccesses } from '@w3ai/storage/portable'
import { randomBytes, type Bytes } from './bytes.js'
import { prepareSegment, type PreparedSegment, type PreparedShard } from './encode-segment.js'
import type { StorageApi } from './hub-api.js'
import type { BrowserIdentity } from './identity.js'
import { buildManifest, encodeManifest } from './manifest.js'
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

interface StoredPiece {
  index: number
  receipt: SignedReceipt
}

/** Puts a segment's pieces on their nodes and returns the first `needed` matching receipts. */
async function storeSegment(seg: PreparedSegment, placements: readonly PiecePlacement[], needed: number, onStored: (count: number) => void): Promise<StoredPiece[]> {
  const shards = new Map(seg.shards.map((s) => [s.index, s]))
  const jobs = placements.map((placement) => {
    const shard = shards.get(placement.index)
    if (shard === undefined || shard.cid !== placement.cid) throw new Error(`The hub placed a piece segment ${seg.index} does not have.`)
    return { placement, shard }
  })
  let stored = 0
  const { successes, failures } = await firstSuccesses({
    items: jobs,
    needed,
    concurrency: jobs.length,
    run: (job: { placement: PiecePlacement; shard: PreparedShard }, signal) => putPiece(job.placement, job.shard.bytes, signal),
    // A receipt for other bytes than we sent is as good as no receipt.
    accept: ({ placement, shard }, { receipt }) => {
      const ok = receipt.pieceCid === shard.cid && receipt.size === shard.bytes.byteLength && receipt.merkleRoot === shard.merkleRoot && receipt.nodeId === placement.nodeId
      if (ok) onStored(++stored)
      return ok
    },
  })
  if (successes.length < needed) {
    const why = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error))).join('; ')
    throw new Error(`Only ${successes.length} of ${needed} pieces of segment ${seg.index} were stored. ${why}`)
  }
  return successes.map((s) => ({ index: s.item.placement.index, receipt: s.result })).sort((a, b) => a.index - b.index)
}

/** Segments whose pieces are in flight at once: the nodes' disks and the hub's bookkeeping overlap. */
const SEGMENTS_IN_FLIGHT = 3

/** Encrypts, encodes and uploads `file`; resolves with the stored object. */
export async function uploadFile(api: StorageApi, identity: Pick<BrowserIdentity, 'encryptionKey'>, file: Blob, options: UploadOptions = {}): Promise<ObjectSummary> {
  const size = file.size
  const upload = await api.createUpload({ size, ...(options.segmentSize === undefined ? {} : { segmentSize: options.segmentSize }), ...(options.name === undefined ? {} : { name: options.name }) })
  const { k, n } = upload.redundancy
  const code = { k, total: upload.totalPieces, merkleLeafSize: upload.merkleLeafSize }
  const objectKey = randomBytes(32)
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
    const placements = await api.orders(upload.uploadId, seg.index, { pieces: seg.shards.map((s) => ({ index: s.index, cid: s.cid, size: s.bytes.byteLength })) })
    const pieces = await storeSegment(seg, placements, n, (count) => progress(seg.index, (seg.plainSize * count) / n))
    await api.commit(upload.uploadId, seg.index, { plainSize: seg.plainSize, cipherSize: seg.cipherSize, shardSize: seg.shardSize, pieces })
    const cids = new Map(seg.shards.map((s) => [s.index, s.cid]))
    return { plainSize: seg.plainSize, cipherSize: seg.cipherSize, shardSize: seg.shardSize, pieces: pieces.map((p) => ({ index: p.index, cid: cids.get(p.index) as string })) }
  }

  const segments: ManifestSegment[] = []
  const inFlight = new Set<Promise<void>>()
  let failure: { error: unknown } | undefined
  // Encoding runs on this thread between network events; a few segments upload meanwhile.
  for (let index = 0; index < count && failure === undefined; index++) {
    const start = index * upload.segmentSize
    const plain: Bytes = new Uint8Array(await file.slice(start, Math.min(size, start + upload.segmentSize)).arrayBuffer())
    const seg = await prepareSegment(plain, index, objectKey, code)
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
  const { bytes } = await encodeManifest(manifest)
  // As the Node SDK: wrap to the key the hub has on record for the account.
  const account = await api.me()
  const wrapped = await wrapKey(objectKey, account.encryptionKey ?? identity.encryptionKey)
  objectKey.fill(0)
  return api.complete(upload.uploadId, bytes, wrapped)
}
