/**
 * Reading objects back. A segment is fetched from the k + extra most promising nodes at once;
 * every piece is checked against the CID in the manifest before use (a wrong or corrupt piece is
 * dropped and another node asked), the first k good pieces win and the rest are aborted. Whole
 * segments are authenticated by AES-GCM before a single byte of them reaches the sink, so a bad
 * download ends in an error, never in wrong bytes. Transports are injected.
 */
import { W3aiError, type Manifest, type ManifestSegment, type StoredPiece } from '@w3ai/protocol'
import { platform } from '#platform'
import { pieceCid } from './cid.js'
import { DEFAULT_DOWNLOAD_EXTRA, DEFAULT_DOWNLOAD_PREFETCH, ERASURE_LIMITS } from './constants.js'
import { decryptSegment } from './keys.js'
import { validateManifest } from './manifest.js'
import type { BufferPool } from './pool.js'
import { firstSuccesses } from './race.js'

export interface DownloadSegmentOptions {
  /**
   * Fetches one piece from its node (with its get order). `into`, given with a pool, is a buffer
   * of the piece's size the transport may fill and return (it must stop writing to it once
   * `signal` aborts); returning other bytes is fine too.
   */
  getPiece(piece: StoredPiece, signal: AbortSignal, into?: Uint8Array): Promise<Uint8Array>
  k: number
  /** Highest shard index + 1 the object may use; default k + 6 (the coder's limit). */
  total?: number
  /** Pieces requested beyond k; default 2. */
  extra?: number
  /**
   * The usual time (ms) a segment's first k pieces take, shared by the segments of one download
   * and kept up to date here: with it, the `extra` pieces are asked for only once the first k
   * have taken twice that long (or one failed), so a quick segment reads k pieces, not k + extra.
   * Without it every piece goes out at once.
   */
  pace?: { ms?: number }
  /** Called for each verified piece taken for the decode (progress). */
  onPiece?: (piece: StoredPiece) => void
  /** Called for each piece that could not be read or did not match its CID (another is asked instead). */
  onFailure?: (piece: StoredPiece, error: unknown) => void
  /**
   * Piece and decode buffers come from here and go back after the decode; the ciphertext returned
   * is then a view of a pooled buffer, for the caller to give back once decrypted.
   */
  pool?: BufferPool
  signal?: AbortSignal
}

/**
 * Fetches any k intact pieces of a segment and returns its ciphertext. Fewer than k pieces
 * that match their CIDs → W3aiError('STORAGE_NOT_ENOUGH_PIECES').
 */
export async function downloadSegment(segment: ManifestSegment, pieces: readonly StoredPiece[], options: DownloadSegmentOptions): Promise<Uint8Array> {
  const { k } = options
  const total = options.total ?? k + ERASURE_LIMITS.maxParity
  const expected = new Map(segment.pieces.map((p) => [p.index, p.cid]))
  // Only pieces the manifest vouches for are worth a request; healthy nodes first, and data
  // shards before parity: when the k data shards win the race, there is nothing to decode.
  const candidates = pieces
    .filter((p) => expected.get(p.index) === p.cid)
    .sort((a, b) => Number(b.healthy) - Number(a.healthy) || Number(a.index >= k) - Number(b.index >= k) || a.index - b.index)
  const have = new Map<number, Uint8Array>()
  const { pool, pace } = options
  /** Pooled buffers handed to transports, given back once the segment is decoded or failed. */
  const lent: Uint8Array[] = []
  // Data shards are read straight into their place in one buffer of k shards: when they are the
  // k pieces that win (the usual case), that buffer is the ciphertext, with nothing to decode.
  const slab = pool?.take(k * segment.shardSize)
  if (slab !== undefined) lent.push(slab)
  const slot = (index: number): Uint8Array | undefined => (slab === undefined || index >= k ? undefined : slab.subarray(index * segment.shardSize, (index + 1) * segment.shardSize))
  /** Slots already handed to a transport: a second copy of a shard gets a buffer of its own. */
  const slotted = new Set<number>()
  const raceOptions = {
    items: candidates,
    needed: k,
    concurrency: k + (options.extra ?? DEFAULT_DOWNLOAD_EXTRA),
    run: async (piece: StoredPiece, signal: AbortSignal): Promise<Uint8Array> => {
      try {
        let bytes: Uint8Array
        if (pool === undefined) bytes = await options.getPiece(piece, signal)
        else {
          let into = slotted.has(piece.index) ? undefined : slot(piece.index)
          if (into !== undefined) slotted.add(piece.index)
          else {
            into = pool.take(segment.shardSize)
            lent.push(into)
          }
          bytes = await options.getPiece(piece, signal, into)
        }
        if (bytes.byteLength !== segment.shardSize || pieceCid(bytes) !== piece.cid) throw new Error(`piece ${piece.index} from ${piece.nodeId} does not match its CID`)
        return bytes
      } catch (err) {
        // Pieces cut off because k others already arrived did not fail.
        if (!signal.aborted) options.onFailure?.(piece, err)
        throw err
      }
    },
    accept: (piece: StoredPiece, bytes: Uint8Array): boolean => {
      // A second copy of an index we already hold adds nothing to the decode.
      if (have.has(piece.index)) return false
      have.set(piece.index, bytes)
      options.onPiece?.(piece)
      return true
    },
  }
  const started = performance.now()
  const hedged = pace?.ms === undefined ? raceOptions : { ...raceOptions, hedgeAfterMs: DOWNLOAD_HEDGE_FACTOR * pace.ms }
  try {
    const { failures } = await firstSuccesses(options.signal === undefined ? hedged : { ...hedged, signal: options.signal })
    if (have.size < k) {
      const reasons = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error)))
      throw new W3aiError('STORAGE_NOT_ENOUGH_PIECES', `Only ${have.size} of the ${k} pieces needed could be read${reasons.length === 0 ? '' : ` (${reasons.join('; ')})`}.`, {
        have: have.size,
        need: k,
        failures: failures.map((f) => ({ index: f.item.index, nodeId: f.item.nodeId, error: f.error instanceof Error ? f.error.message : String(f.error) })),
      })
    }
    if (pace !== undefined) {
      const took = performance.now() - started
      pace.ms = pace.ms === undefined ? took : 0.8 * pace.ms + 0.2 * took
    }
    if (slab !== undefined && segment.cipherSize <= slab.byteLength && isInSlots(have, k, slot)) {
      // The ciphertext is already in place; the caller gives the slab back once it is decrypted.
      lent.shift()
      return slab.subarray(0, segment.cipherSize)
    }
    return await platform.decodeShards(have, k, total, segment.shardSize, segment.cipherSize, pool)
  } finally {
    // The race has aborted every transport still running, so no piece buffer is written any more.
    for (const buffer of lent) pool?.give(buffer)
  }
}

/** The spare pieces of a segment are asked for once its first k have taken this many times the usual time. */
const DOWNLOAD_HEDGE_FACTOR = 2

/** Whether the pieces held are exactly the k data shards, each read into its own slot. */
function isInSlots(have: ReadonlyMap<number, Uint8Array>, k: number, slot: (index: number) => Uint8Array | undefined): boolean {
  if (have.size !== k) return false
  for (let i = 0; i < k; i++) {
    const bytes = have.get(i)
    const place = slot(i)
    if (bytes === undefined || place === undefined || bytes.buffer !== place.buffer || bytes.byteOffset !== place.byteOffset || bytes.byteLength !== place.byteLength) return false
  }
  return true
}

/** Where downloadObject gets each segment's ciphertext (usually downloadSegment over the hub's piece list). */
export type SegmentSource = (index: number, segment: ManifestSegment, signal: AbortSignal) => Promise<Uint8Array>

/** Where downloadObject writes plaintext, in order; awaited, so it can apply backpressure. */
export type PlainSink = (chunk: Uint8Array) => void | Promise<void>

export interface DownloadObjectOptions {
  /** Segments fetched ahead of the one being written; default 1. */
  prefetch?: number
  /**
   * Ciphertexts from `source` are taken to be views of this pool's buffers and given back once
   * decrypted (downloadSegment with the same pool returns such views).
   */
  pool?: BufferPool
  /**
   * With a pool: plaintext is decrypted into pooled buffers too, given back once the sink's
   * promise resolves, so the sink must be done with each chunk by then (a file write is).
   */
  reusePlain?: boolean
  signal?: AbortSignal
}

/**
 * Downloads, authenticates and writes an object's plaintext segment by segment. A segment that
 * fails its check stops the download with W3aiError('STORAGE_INTEGRITY') before any of its bytes
 * are written. Returns the bytes written.
 */
export async function downloadObject(manifest: Manifest, objectKey: Uint8Array, source: SegmentSource, sink: PlainSink, options: DownloadObjectOptions = {}): Promise<number> {
  validateManifest(manifest)
  const controller = new AbortController()
  const outer = options.signal
  const onAbort = (): void => controller.abort(outer?.reason)
  if (outer?.aborted === true) throw outer.reason
  outer?.addEventListener('abort', onAbort, { once: true })
  const ahead = Math.max(0, options.prefetch ?? DEFAULT_DOWNLOAD_PREFETCH)
  const pending: Array<Promise<Uint8Array>> = []
  let requested = 0
  const request = (): void => {
    const index = requested++
    const segment = manifest.segments[index] as ManifestSegment
    const task = Promise.resolve().then(() => source(index, segment, controller.signal))
    // A prefetched segment may fail while an earlier one is still being written.
    task.catch(() => undefined)
    pending.push(task)
  }
  let written = 0
  try {
    for (let index = 0; index < manifest.segments.length; index++) {
      while (requested < manifest.segments.length && requested <= index + ahead) request()
      const segment = manifest.segments[index] as ManifestSegment
      const cipher = await (pending.shift() as Promise<Uint8Array>)
      if (cipher.byteLength !== segment.cipherSize) throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} has the wrong ciphertext size.`)
      const { pool } = options
      const into = pool !== undefined && options.reusePlain === true ? pool.take(segment.plainSize) : undefined
      try {
        const plain = await decryptSegment(cipher, objectKey, index, into)
        if (plain.byteLength !== segment.plainSize) throw new W3aiError('STORAGE_INTEGRITY', `Segment ${index} has the wrong plaintext size.`)
        if (plain.byteLength > 0) await sink(plain)
        written += plain.byteLength
      } finally {
        pool?.give(cipher)
        if (into !== undefined) pool?.give(into)
      }
    }
  } finally {
    outer?.removeEventListener('abort', onAbort)
    controller.abort(new DOMException('download finished', 'AbortError'))
  }
  return written
}
