/**
 * Content-addressed piece files under `<home>/pieces`, readable by the node's user only (0700
 * directories, 0600 files). A piece is streamed into a temporary file while its sha256 and Merkle
 * root are computed, checked against its CID, and only then renamed into place, so a piece file
 * that exists is always whole and always matches its name. Hashing and Merkle trees are the
 * storage core's, the same code clients use to address and check pieces.
 */
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, lstat, mkdir, open, readdir, rename, rm, statfs, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { STORAGE_DEFAULTS, W3aiError, type AuditProof } from '@w3ai/protocol'
import { MerkleBuilder, merkleLeafCount, merkleProofFromStream, parseCid, PieceHasher, RAW_CODEC } from '@w3ai/storage'

/** Where unfinished uploads live; on the same filesystem as the pieces so rename is atomic. */
const TEMP_DIR = '.tmp'

/**
 * Received chunks (64 KiB from the socket) are written in batches of this many bytes with one
 * writev, while the next batch arrives: a 2 MiB piece costs 4 writes, not 32 thread-pool trips.
 */
const WRITE_BATCH_BYTES = 512 * 1024

/** The Merkle builder's leaf-hash buffer is sized for the order's piece size up to this. */
const MERKLE_PRESIZE_MAX = 16 * 1024 * 1024

export interface PieceStoreComponents {
  /** The pieces directory, `<home>/pieces`. */
  dir: string
  /** Bytes the operator offers for pieces (the node's disk share). */
  capacityBytes: number
  /** Free bytes on the filesystem holding `dir` (default: statfs). */
  freeBytes?: (dir: string) => Promise<number>
  /** Merkle leaf size (default STORAGE_DEFAULTS.merkleLeafSize). */
  leafSize?: number
  /** Called after a piece was added or removed, e.g. to re-measure disk use. */
  onChange?: () => void
}

export interface PutResult {
  cid: string
  size: number
  /** 64 hex characters. */
  merkleRoot: string
  /** False when the piece was already stored (its bytes were still received and hashed, not written). */
  created: boolean
}

export interface PieceStat {
  size: number
  /** mtime of the piece file, ms since the epoch. */
  storedAt: number
}

/** Inclusive byte range, already checked against the piece size. */
export interface ByteRange {
  start: number
  end: number
}

export interface PieceListing {
  pieces: Array<{ cid: string; storedAt: number }>
  /** The cursor for the next page, or null after the last. */
  next: string | null
}

export interface PieceUsage {
  pieces: number
  bytes: number
}

/** The node's piece store: piece files on a local disk (the hub keeps piece records, not bytes). */
export class DiskPieceStore {
  private readonly dir: string
  private readonly tempDir: string
  private readonly capacityBytes: number
  private readonly leafSize: number
  private readonly freeBytes: (dir: string) => Promise<number>
  private readonly onChange: () => void
  private pieces = 0
  private bytes = 0
  /** Bytes written to temporary files of puts in flight: they count against the share too. */
  private inflightBytes = 0
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly locks = new Map<string, Promise<unknown>>()
  private readonly closing = new AbortController()
  private starting: Promise<void> | undefined
  /** Shard directories known to exist (never removed while the store runs), so a put skips its mkdir. */
  private readonly shardDirs = new Set<string>()

  constructor(c: PieceStoreComponents) {
    this.dir = c.dir
    this.tempDir = join(c.dir, TEMP_DIR)
    this.capacityBytes = c.capacityBytes
    this.leafSize = c.leafSize ?? STORAGE_DEFAULTS.merkleLeafSize
    this.freeBytes = c.freeBytes ?? defaultFreeBytes
    this.onChange = c.onChange ?? (() => undefined)
  }

  /** Creates the directories, removes temporary files a crash left behind and counts the pieces. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await rm(this.tempDir, { recursive: true, force: true })
      await mkdir(this.tempDir, { recursive: true, mode: 0o700 })
      // Also tightens a directory an older version (or the operator) made readable to others.
      await chmod(this.dir, 0o700)
      const { pieces, bytes } = await this.scan()
      this.pieces = pieces
      this.bytes = bytes
    })()
    return this.starting
  }

  /** Aborts uploads in flight (their temporary files are removed) and waits for them. */
  async stop(): Promise<void> {
    this.closing.abort(new Error('the piece store is stopping'))
    await Promise.allSettled([...this.inflight])
  }

  /** The file of a piece; it exists only while the piece is stored. */
  pathOf(cid: string): string {
    parseCid(cid, RAW_CODEC)
    return join(this.dir, shardOf(cid), cid)
  }

  /**
   * Up to `limit` stored pieces after the piece `after` (a cursor: the last CID of the previous
   * page), with when each was stored. Pages follow the on-disk order (shard, then CID), so a page
   * reads only the shards it needs however many pieces the node holds.
   */
  async list(after: string | undefined, limit: number): Promise<PieceListing> {
    const startShard = after === undefined ? '' : shardOf(after)
    const shards = (await readdir(this.dir, { withFileTypes: true }))
      .filter((d) => d.isDirectory() && d.name !== TEMP_DIR && d.name >= startShard)
      .map((d) => d.name)
      .sort()
    const pieces: PieceListing['pieces'] = []
    for (const shard of shards) {
      const names = (await readdir(join(this.dir, shard))).filter((n) => after === undefined || shard > startShard || n > after).sort()
      for (const cid of names) {
        const st = await this.stat(cid).catch(() => undefined)
        if (st === undefined) continue
        pieces.push({ cid, storedAt: st.storedAt })
        if (pieces.length === limit) return { pieces, next: cid }
      }
    }
    return { pieces, next: null }
  }

  usage(): PieceUsage {
    return { pieces: this.pieces, bytes: this.bytes }
  }

  /** Whether `bytes` more would fit both the offered share and the filesystem. */
  async hasRoomFor(bytes: number): Promise<boolean> {
    if (this.bytes + this.inflightBytes + bytes > this.capacityBytes) return false
    return (await this.freeBytes(this.dir)) >= bytes
  }

  async stat(cid: string): Promise<PieceStat | undefined> {
    try {
      const st = await lstat(this.pathOf(cid))
      return st.isFile() ? { size: st.size, storedAt: Math.round(st.mtimeMs) } : undefined
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
  }

  /**
   * Stores the bytes of `source` as piece `cid`. Refuses (and keeps nothing) when the bytes exceed
   * `maxSize` (STORAGE_PIECE_TOO_LARGE), the share or the disk (STORAGE_NODE_FULL), or do not hash
   * to the CID (STORAGE_PIECE_HASH_MISMATCH). A piece already stored is still read and hashed in
   * full (a receipt vouches for the bytes of this request, never for a CID alone), then not
   * written again.
   */
  put(cid: string, source: AsyncIterable<Uint8Array> | Readable, maxSize: number, signal?: AbortSignal): Promise<PutResult> {
    const task = this.doPut(cid, source, maxSize, signal)
    this.inflight.add(task)
    void task.catch(() => undefined).finally(() => this.inflight.delete(task))
    return task
  }

  /** A read stream of the piece, or of `range` of it. */
  async get(cid: string, range?: ByteRange): Promise<{ stream: Readable; size: number; range: ByteRange | undefined }> {
    let fh: FileHandle
    try {
      fh = await open(this.pathOf(cid), 'r')
    } catch (err) {
      if (isNotFound(err)) throw notFound(cid)
      throw err
    }
    try {
      const { size } = await fh.stat()
      if (range !== undefined && !(range.start >= 0 && range.start <= range.end && range.end < size)) {
        throw new RangeError(`bytes ${range.start}-${range.end} are outside a piece of ${size} bytes`)
      }
      const stream = fh.createReadStream(range === undefined ? {} : { start: range.start, end: range.end })
      return { stream, size, range }
    } catch (err) {
      await fh.close()
      throw err
    }
  }

  /** Removes a piece; STORAGE_PIECE_NOT_FOUND when it is not stored. */
  delete(cid: string): Promise<void> {
    const path = this.pathOf(cid)
    return this.withLock(cid, async () => {
      const st = await this.stat(cid)
      if (st === undefined) throw notFound(cid)
      try {
        await unlink(path)
      } catch (err) {
        if (isNotFound(err)) throw notFound(cid)
        throw err
      }
      this.pieces--
      this.bytes -= st.size
      this.onChange()
    })
  }

  /** The audit proof of one leaf; VALIDATION_FAILED when the piece has no such leaf. */
  async prove(cid: string, leafIndex: number): Promise<AuditProof> {
    const st = await this.stat(cid)
    if (st === undefined) throw notFound(cid)
    const leaves = merkleLeafCount(st.size, this.leafSize)
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leaves) {
      throw new W3aiError('VALIDATION_FAILED', `leafIndex must be 0..${leaves - 1} for this piece of ${st.size} bytes.`)
    }
    try {
      const chunks = createReadStream(this.pathOf(cid), { highWaterMark: Math.max(64 * 1024, this.leafSize) })
      return await merkleProofFromStream(chunks, leafIndex, this.leafSize)
    } catch (err) {
      if (isNotFound(err)) throw notFound(cid)
      throw err
    }
  }

  private async doPut(cid: string, source: AsyncIterable<Uint8Array> | Readable, maxSize: number, signal?: AbortSignal): Promise<PutResult> {
    parseCid(cid, RAW_CODEC)
    // A piece already held is received and checked like any other, only not written: without the
    // bytes, a receipt would let anyone who can name a CID claim a copy of it (issue 8 A1).
    const held = (await this.stat(cid)) !== undefined
    const abort = signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal])
    const temp = join(this.tempDir, `${cid.slice(-12)}.${randomBytes(6).toString('hex')}`)
    let received = 0
    let reserved = 0
    let committed = false
    let fh: FileHandle | undefined
    // One batch is written while the next is received; a failed write surfaces at the next await.
    let writing: Promise<unknown> = Promise.resolve()
    let batch: Uint8Array[] = []
    let batchBytes = 0
    const flush = async (): Promise<void> => {
      await writing
      const chunks = batch
      batch = []
      batchBytes = 0
      writing = (fh as FileHandle).writev(chunks)
      writing.catch(() => undefined)
    }
    try {
      abort.throwIfAborted()
      if (!held) fh = await open(temp, 'wx', 0o600)
      const hasher = new PieceHasher()
      const merkle = new MerkleBuilder(this.leafSize, -1, Math.min(maxSize, MERKLE_PRESIZE_MAX))
      for await (const chunk of abortable(source, abort)) {
        if (received + chunk.length > maxSize) throw tooLarge(maxSize)
        hasher.update(chunk)
        merkle.update(chunk)
        received += chunk.length
        if (fh === undefined) continue
        if (this.bytes + this.inflightBytes + chunk.length > this.capacityBytes) throw full()
        reserved += chunk.length
        this.inflightBytes += chunk.length
        batch.push(chunk)
        batchBytes += chunk.length
        if (batchBytes >= WRITE_BATCH_BYTES || batch.length >= 256) await flush()
      }
      if (fh !== undefined) {
        if (batchBytes > 0) await flush()
        await writing
        // A receipt promises the bytes are kept: make them durable before the piece exists
        // (fdatasync: the data and the size needed to read it back, not the timestamps).
        await fh.datasync()
        await fh.close()
        fh = undefined
      }
      if (hasher.cid() !== cid) {
        throw new W3aiError('STORAGE_PIECE_HASH_MISMATCH', `The ${received} bytes received do not hash to ${cid}.`)
      }
      const merkleRoot = merkle.root()
      const created = await this.withLock(cid, async () => {
        if ((await this.stat(cid)) !== undefined) return false
        if (held) throw new W3aiError('STORAGE_PIECE_NOT_FOUND', `Piece ${cid} was deleted while it was being received; send it again.`)
        await this.renameIntoPlace(temp, cid)
        committed = true
        this.pieces++
        this.bytes += received
        return true
      })
      if (created) this.onChange()
      return { cid, size: received, merkleRoot, created }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw full()
      throw err
    } finally {
      this.inflightBytes -= reserved
      await writing.catch(() => undefined)
      await fh?.close().catch(() => undefined)
      if (!committed && !held) await rm(temp, { force: true })
    }
  }

  /** Renames a received piece to its path, making its shard directory the first time. */
  private async renameIntoPlace(temp: string, cid: string): Promise<void> {
    const path = this.pathOf(cid)
    const dir = join(path, '..')
    if (!this.shardDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 })
      this.shardDirs.add(dir)
    }
    try {
      await rename(temp, path)
    } catch (err) {
      // The directory went away under us (an operator's cleanup): make it again, once.
      if (!isNotFound(err)) throw err
      this.shardDirs.delete(dir)
      await mkdir(dir, { recursive: true, mode: 0o700 })
      this.shardDirs.add(dir)
      await rename(temp, path)
    }
  }

  /** Serialises commit and delete of one CID so the counters cannot drift. */
  private async withLock<T>(cid: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(cid) ?? Promise.resolve()
    const run = previous.catch(() => undefined).then(fn)
    const tail = run.catch(() => undefined)
    this.locks.set(cid, tail)
    try {
      return await run
    } finally {
      if (this.locks.get(cid) === tail) this.locks.delete(cid)
    }
  }

  private async scan(): Promise<PieceUsage> {
    let pieces = 0
    let bytes = 0
    for (const shard of await readdir(this.dir, { withFileTypes: true })) {
      if (!shard.isDirectory() || shard.name === TEMP_DIR) continue
      for (const entry of await readdir(join(this.dir, shard.name), { withFileTypes: true })) {
        if (!entry.isFile()) continue
        try {
          bytes += (await lstat(join(this.dir, shard.name, entry.name))).size
          pieces++
        } catch {
          // removed while scanning
        }
      }
    }
    return { pieces, bytes }
  }
}

/**
 * The directory of a piece. The leading characters of a raw sha2-256 CID are the same for every
 * piece (bafkrei…); the ones before the last (which holds 3 bits and padding) are digest bits, so
 * they shard evenly.
 */
function shardOf(cid: string): string {
  return cid.slice(-3, -1)
}

/**
 * Iterates `source`, rejecting as soon as `signal` aborts even while the source is stalled. It
 * does not destroy the source when it stops early, so a request can still be answered.
 */
async function* abortable(source: AsyncIterable<Uint8Array> | Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const it = (source as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
  let done = false
  try {
    while (true) {
      const next = await nextOrAbort(it, signal)
      if (next.done === true) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    if (!done) void Promise.resolve(it.return?.()).catch(() => undefined)
  }
}

/**
 * One step of `it`, or the abort reason. A listener per step, removed after it: racing every
 * step against one long-lived abort promise would keep every chunk reachable until the end.
 */
function nextOrAbort<T>(it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    it.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort)
        resolve(result)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err as Error)
      },
    )
  })
}

async function defaultFreeBytes(dir: string): Promise<number> {
  const fs = await statfs(dir)
  return Number(fs.bavail) * Number(fs.bsize)
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT'
}

function notFound(cid: string): W3aiError {
  return new W3aiError('STORAGE_PIECE_NOT_FOUND', `This node holds no piece ${cid}.`)
}

function tooLarge(maxSize: number): W3aiError {
  return new W3aiError('STORAGE_PIECE_TOO_LARGE', `The piece is larger than the ${maxSize} bytes its order allows.`)
}

function full(): W3aiError {
  return new W3aiError('STORAGE_NODE_FULL')
}
