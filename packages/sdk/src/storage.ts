/**
 * StorageClient: W3S from the client side. Files are encrypted, erasure-coded and uploaded
 * straight to the nodes here; the hub only places pieces, signs orders and keeps the manifest and
 * the object key wrapped to each reader. Downloads verify every piece and never write bytes that
 * failed their checks.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, rm, stat } from 'node:fs/promises'
import { unwrapKey, wrapKey, type Identity } from '@w3ai/crypto'
import {
  STORAGE_DEFAULTS,
  W3aiError,
  type Account,
  type ObjectDetail,
  type ObjectList,
  type ObjectSummary,
  type PageQuery,
  type Redundancy,
  type Upload,
} from '@w3ai/protocol'
import {
  BufferPool,
  buildManifest,
  downloadObject,
  downloadSegment,
  encodeManifest,
  encodeObjectSegments,
  pieceCid,
  uploadSegment,
  writeCar,
} from '@w3ai/storage'
import type { HubClient } from './client.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'

type ManifestSegmentInput = Parameters<typeof buildManifest>[0]['segments'][number]
type EncodedObjectSegment = Parameters<typeof uploadSegment>[0]
/** Segments uploading at once. */
const SEGMENTS_IN_FLIGHT = 2
/** Segments fetched ahead of the one being written. */
const SEGMENTS_PREFETCHED = 2
/**
 * Long-tail spares of a segment are sent once its first n pieces have taken this many times the
 * usual (moving average) time to store: a quick segment costs the nodes no spare work, a slow
 * node is still raced. Until a segment has finished, every piece goes out at once.
 */
const HEDGE_FACTOR = 2
import { getPiece, putPiece } from './pieces.js'
import { retryingPut } from './retry.js'

/** Puts one piece, retrying a dropped connection to its node (a refusal is not retried). */
const putPieceRetrying = retryingPut(putPiece)

export interface TransferProgress {
  phase: 'upload' | 'download' | 'export'
  /** Plaintext bytes done so far. */
  bytes: number
  total: number
}

export interface PutOptions {
  redundancy?: Redundancy
  segmentSize?: number
  name?: string
  /** Hours of storage paid at completion where the network bills storage (default: the hub's). */
  durationHours?: number
  /** Parallel piece uploads per segment (default: all pieces of the segment). */
  concurrency?: number
  onProgress?: (p: TransferProgress) => void
}

export interface GetOptions {
  onProgress?: (p: TransferProgress) => void
}

/** Where downloaded plaintext goes, in order. */
export type ChunkSink = (chunk: Uint8Array) => Promise<void> | void

export class StorageClient {
  constructor(
    private readonly hub: HubClient,
    private readonly identity: Identity,
  ) {}

  /** Encrypts, encodes and uploads a stream of `size` bytes; returns the stored object. */
  async put(source: AsyncIterable<Uint8Array>, size: number, options: PutOptions = {}): Promise<ObjectSummary> {
    const body: Record<string, unknown> = { size }
    if (options.redundancy !== undefined) body.redundancy = options.redundancy
    if (options.segmentSize !== undefined) body.segmentSize = options.segmentSize
    if (options.name !== undefined) body.name = options.name
    if (options.durationHours !== undefined) body.durationHours = options.durationHours
    const upload = await this.hub.request<Upload>('POST', '/v1/storage/uploads', body)
    const objectKey = randomBytes(32)
    const { k, n } = upload.redundancy
    const segments: ManifestSegmentInput[] = []
    let done = 0
    options.onProgress?.({ phase: 'upload', bytes: 0, total: size })
    // Segments upload concurrently (a few in flight) while the encoder prepares the next ones:
    // the nodes' disks and the hub's bookkeeping overlap instead of running back to back.
    const inFlight = new Set<Promise<void>>()
    let failure: unknown
    const usual: { ms?: number } = {}
    // Segment and shard buffers are reused from one segment to the next: memory stays at the
    // segments in flight whatever the size, and no time goes to faulting in fresh pages.
    const pool = new BufferPool()
    const encoder = encodeObjectSegments(source, { segmentSize: upload.segmentSize, k, total: upload.totalPieces, objectKey, merkleLeafSize: upload.merkleLeafSize }, pool)
    for await (const seg of encoder) {
      if (failure !== undefined) break
      const task = this.uploadOne(upload, seg, n, options.concurrency, usual).finally(() => seg.release?.()).then(
        (entry) => {
          segments[seg.index] = entry
          done += seg.plainSize
          options.onProgress?.({ phase: 'upload', bytes: done, total: size })
        },
        (err: unknown) => {
          failure ??= err
        },
      )
      inFlight.add(task)
      void task.finally(() => inFlight.delete(task))
      while (inFlight.size >= SEGMENTS_IN_FLIGHT) await Promise.race(inFlight)
    }
    await Promise.all(inFlight)
    if (failure !== undefined) throw failure
    const manifest = buildManifest({ size, segmentSize: upload.segmentSize, k, n, total: upload.totalPieces, merkleLeafSize: upload.merkleLeafSize, segments })
    const { bytes } = encodeManifest(manifest)
    const account = await this.hub.me()
    const wrappedKey = wrapKey(objectKey, account.encryptionKey ?? this.identity.encryptionKey)
    return this.hub.request<ObjectSummary>('POST', `/v1/storage/uploads/${upload.uploadId}/complete`, {
      manifest: Buffer.from(bytes).toString('base64url'),
      wrappedKey,
    })
  }

  /** `usual.ms`: the moving average time to store a segment's n pieces, kept up to date here. */
  private async uploadOne(upload: Upload, seg: EncodedObjectSegment, n: number, concurrency: number | undefined, usual: { ms?: number }): Promise<ManifestSegmentInput> {
    const base = `/v1/storage/uploads/${upload.uploadId}/segments/${seg.index}`
    const { placements } = await this.hub.request<{ placements: Parameters<typeof uploadSegment>[1] }>('POST', `${base}/orders`, {
      pieces: seg.shards.map((s) => ({ index: s.index, cid: s.cid, size: s.bytes.length })),
    })
    const started = performance.now()
    const receipts = await uploadSegment(seg, placements, {
      putPiece: putPieceRetrying,
      needed: n,
      concurrency: concurrency ?? placements.length,
      ...(usual.ms === undefined ? {} : { hedgeAfterMs: HEDGE_FACTOR * usual.ms }),
    })
    const took = performance.now() - started
    usual.ms = usual.ms === undefined ? took : 0.8 * usual.ms + 0.2 * took
    await this.hub.request('POST', `${base}/commit`, {
      plainSize: seg.plainSize,
      cipherSize: seg.cipherSize,
      shardSize: seg.shardSize,
      pieces: receipts.map((r) => ({ index: r.index, receipt: r.receipt })),
    })
    return {
      plainSize: seg.plainSize,
      cipherSize: seg.cipherSize,
      shardSize: seg.shardSize,
      pieces: receipts.map((r) => ({ index: r.index, cid: r.receipt.receipt.pieceCid })).sort((a, b) => a.index - b.index),
    }
  }

  /** Uploads a file from disk (streamed). */
  async putFile(path: string, options: PutOptions = {}): Promise<ObjectSummary> {
    const { size } = await stat(path)
    return this.put(readReusing(path), size, options)
  }

  /** Downloads and decrypts an object into `sink`, segment by segment, in order. */
  get(cid: string, sink: ChunkSink, options: GetOptions = {}): Promise<ObjectSummary> {
    return this.download(cid, sink, options, false)
  }

  /** `reusePlain`: the sink is done with each chunk when its promise resolves, so plaintext buffers are reused. */
  private async download(cid: string, sink: ChunkSink, options: GetOptions, reusePlain: boolean): Promise<ObjectSummary> {
    const detail = await this.info(cid)
    const objectKey = unwrapKey(detail.wrappedKey, this.identity)
    const { manifest } = detail
    const { k, total } = manifest.erasure
    let done = 0
    options.onProgress?.({ phase: 'download', bytes: 0, total: manifest.size })
    const pool = new BufferPool()
    // The usual time of a segment's k pieces: spare pieces are asked for only when one is slow.
    const pace: { ms?: number } = {}
    await downloadObject(
      manifest,
      objectKey,
      // The next segments are fetched while the current one is decrypted and written.
      (i, segment, signal) => downloadSegment(segment, detail.segments[i]?.pieces ?? [], { getPiece, k, total, signal, pool, pace }),
      async (plain) => {
        await sink(plain)
        done += plain.length
        options.onProgress?.({ phase: 'download', bytes: done, total: manifest.size })
      },
      { prefetch: SEGMENTS_PREFETCHED, pool, reusePlain },
    )
    return detail.object
  }

  /**
   * Downloads into a file: written to a temporary file and renamed only when every segment
   * verified and decrypted, so a failed download never leaves wrong or partial bytes at `path`.
   */
  async getToFile(cid: string, path: string, options: GetOptions = {}): Promise<ObjectSummary> {
    const tmp = `${path}.w3ai-${randomBytes(4).toString('hex')}.part`
    const handle = await open(tmp, 'w', 0o600)
    try {
      const summary = await this.download(cid, async (chunk) => void (await handle.write(chunk)), options, true)
      await handle.close()
      await rename(tmp, path)
      return summary
    } catch (err) {
      await handle.close().catch(() => undefined)
      await rm(tmp, { force: true })
      throw err
    }
  }

  /** One page of the objects you own or that were shared with you, newest first (`limit` 1..500, default 100; `cursor` from the previous page). */
  async list(query: PageQuery = {}): Promise<ListPage<ObjectSummary>> {
    const r = await this.hub.request<ObjectList>('GET', '/v1/storage/objects', undefined, { query: pageQuery(query) })
    return listPage(r.objects, r.nextCursor)
  }

  /** Every object you may read, newest first, following the cursors page by page. */
  all(query: PageQuery = {}): AsyncGenerator<ObjectSummary, void, undefined> {
    return followPages((q) => this.list(q), query)
  }

  info(cid: string): Promise<ObjectDetail> {
    return this.hub.request<ObjectDetail>('GET', `/v1/storage/objects/${encodeURIComponent(cid)}`)
  }

  remove(cid: string): Promise<void> {
    return this.hub.request('DELETE', `/v1/storage/objects/${encodeURIComponent(cid)}`)
  }

  /** Re-wraps the object key to another account (by id) so it can download and decrypt. */
  async share(cid: string, accountId: string): Promise<void> {
    const detail = await this.info(cid)
    const objectKey = unwrapKey(detail.wrappedKey, this.identity)
    const account = await this.hub.getAccount(accountId)
    if (account.encryptionKey === null) throw new W3aiError('VALIDATION_FAILED', `Account ${accountId} has no encryption key to share with.`)
    await this.hub.request('POST', `/v1/storage/objects/${encodeURIComponent(cid)}/shares`, { accountId, wrappedKey: wrapKey(objectKey, account.encryptionKey) })
  }

  /** Writes a CAR of the object's ciphertext blocks (pieces) with the manifest as root. */
  async exportCar(cid: string, sink: ChunkSink, options: GetOptions = {}): Promise<{ blocks: number }> {
    const detail = await this.info(cid)
    const { bytes, cid: manifestCid } = encodeManifest(detail.manifest)
    let blocks = 0
    const total = detail.segments.reduce((a, s) => a + s.pieces.length, 0)
    const fetchAll = async function* (): AsyncGenerator<{ cid: string; bytes: Uint8Array }> {
      for (const seg of detail.segments) {
        for (const piece of seg.pieces) {
          let data: Uint8Array | undefined
          try {
            data = await getPiece(piece)
          } catch {
            data = undefined // an unreachable piece is left out; k of n suffice to read the object
          }
          if (data !== undefined && pieceCid(data) === piece.cid) {
            blocks++
            options.onProgress?.({ phase: 'export', bytes: blocks, total })
            yield { cid: piece.cid, bytes: data }
          }
        }
      }
    }
    await writeCar(bytes, manifestCid, fetchAll(), sink)
    return { blocks }
  }
}

/**
 * A file's bytes, read into one reused buffer: the encoder copies each chunk into its segment
 * before asking for the next, so a gigabyte read leaves no gigabyte of chunks for the collector.
 */
async function* readReusing(path: string, chunkSize = 256 * 1024): AsyncGenerator<Uint8Array, void, undefined> {
  const handle = await open(path, 'r')
  try {
    const buffer = new Uint8Array(chunkSize)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null)
      if (bytesRead === 0) return
      yield buffer.subarray(0, bytesRead)
    }
  } finally {
    await handle.close()
  }
}

export type { Account }
export const DEFAULT_REDUNDANCY: Redundancy = { k: STORAGE_DEFAULTS.k, n: STORAGE_DEFAULTS.n, repairThreshold: STORAGE_DEFAULTS.repairThreshold }
