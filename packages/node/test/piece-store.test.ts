import { createHash, randomBytes } from 'node:crypto'
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { text } from 'node:stream/consumers'
import { Readable } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { cidFromDigest } from '@w3ai/storage'
import { DiskPieceStore, type PieceStoreComponents } from '../src/piece-store.js'
import { chunksOf, cidOf, naiveRoot, verifyProof } from './pieces-kit.js'

const MiB = 1024 * 1024

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (err instanceof W3aiError) return err.code
  return err === undefined ? 'resolved' : String(err)
}

describe('piece store', () => {
  let root: string
  let n = 0
  const stores: DiskPieceStore[] = []
  const open = async (extra: Partial<PieceStoreComponents> = {}, dir = join(root, `s${n++}`)): Promise<{ store: DiskPieceStore; dir: string }> => {
    const store = new DiskPieceStore({ dir, capacityBytes: 64 * MiB, ...extra })
    stores.push(store)
    await store.start()
    return { store, dir }
  }
  const tempFiles = (dir: string): Promise<string[]> => readdir(join(dir, '.tmp'))

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'w3ai-pieces-'))
  })
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.stop()))
  })
  afterAll(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('stores a piece under its CID and reads it back whole and by range, then deletes it', async () => {
    const { store, dir } = await open()
    const bytes = randomBytes(3 * 4096 + 123)
    const cid = await cidOf(bytes)
    const put = await store.put(cid, chunksOf(bytes, 1000), bytes.length)
    expect(put).toEqual({ cid, size: bytes.length, merkleRoot: naiveRoot(bytes, 4096), created: true })
    expect(store.pathOf(cid).startsWith(join(dir, cid.slice(-3, -1)))).toBe(true)
    expect(await readFile(store.pathOf(cid))).toEqual(bytes)
    expect(store.usage()).toEqual({ pieces: 1, bytes: bytes.length })
    expect((await store.stat(cid))?.size).toBe(bytes.length)

    const whole = await store.get(cid)
    expect(Buffer.from(await new Response(Readable.toWeb(whole.stream) as ReadableStream).arrayBuffer())).toEqual(bytes)
    const part = await store.get(cid, { start: 10, end: 19 })
    expect(await text(part.stream)).toBe(bytes.subarray(10, 20).toString())
    await expect(store.get(cid, { start: 0, end: bytes.length })).rejects.toThrow(RangeError)

    await store.delete(cid)
    expect(await store.stat(cid)).toBeUndefined()
    expect(store.usage()).toEqual({ pieces: 0, bytes: 0 })
    expect(await codeOf(store.delete(cid))).toBe('STORAGE_PIECE_NOT_FOUND')
    expect(await codeOf(store.get(cid))).toBe('STORAGE_PIECE_NOT_FOUND')
  })

  it('stores a 0-byte piece with the root of one empty leaf', async () => {
    const { store } = await open()
    const cid = await cidOf(new Uint8Array(0))
    const put = await store.put(cid, chunksOf(Buffer.alloc(0), 1), 0)
    expect(put.size).toBe(0)
    expect(put.merkleRoot).toBe(naiveRoot(Buffer.alloc(0), 4096))
    expect(verifyProof(await store.prove(cid, 0), put.merkleRoot)).toBe(true)
    expect(await codeOf(store.prove(cid, 1))).toBe('VALIDATION_FAILED')
  })

  it('refuses bytes that do not hash to the CID and keeps nothing', async () => {
    const { store, dir } = await open()
    const cid = await cidOf(Buffer.from('the real piece'))
    expect(await codeOf(store.put(cid, chunksOf(Buffer.from('something else'), 4), 1000))).toBe('STORAGE_PIECE_HASH_MISMATCH')
    expect(await store.stat(cid)).toBeUndefined()
    expect(await tempFiles(dir)).toEqual([])
    expect(store.usage()).toEqual({ pieces: 0, bytes: 0 })
  })

  it('refuses a piece larger than its order allows and keeps nothing', async () => {
    const { store, dir } = await open()
    const bytes = randomBytes(10_000)
    const cid = await cidOf(bytes)
    expect(await codeOf(store.put(cid, chunksOf(bytes, 1024), 9_999))).toBe('STORAGE_PIECE_TOO_LARGE')
    expect(await store.stat(cid)).toBeUndefined()
    expect(await tempFiles(dir)).toEqual([])
  })

  it('refuses a piece beyond the offered share, counting uploads in flight', async () => {
    const { store, dir } = await open({ capacityBytes: 20_000 })
    const first = randomBytes(15_000)
    await store.put(await cidOf(first), chunksOf(first, 4096), MiB)
    const second = randomBytes(6_000)
    expect(await codeOf(store.put(await cidOf(second), chunksOf(second, 4096), MiB))).toBe('STORAGE_NODE_FULL')
    expect(await tempFiles(dir)).toEqual([])
    expect(await store.hasRoomFor(5_000)).toBe(true)
    expect(await store.hasRoomFor(5_001)).toBe(false)
    expect(store.usage().pieces).toBe(1)
  })

  it('reports no room when the filesystem is fuller than the share', async () => {
    const { store } = await open({ freeBytes: async () => 1000 })
    expect(await store.hasRoomFor(1000)).toBe(true)
    expect(await store.hasRoomFor(1001)).toBe(false)
  })

  it('reads and hashes a second put of a stored piece in full, without writing it again', async () => {
    const { store, dir } = await open()
    const bytes = randomBytes(9000)
    const cid = await cidOf(bytes)
    const first = await store.put(cid, chunksOf(bytes, 4096), MiB)
    const storedAt = (await stat(store.pathOf(cid))).mtimeMs
    let read = 0
    const second = await store.put(
      cid,
      (async function* () {
        for await (const chunk of chunksOf(bytes, 1000)) {
          read += chunk.length
          yield chunk
        }
      })(),
      MiB,
    )
    expect(second).toEqual({ ...first, created: false })
    expect(read).toBe(bytes.length)
    expect((await stat(store.pathOf(cid))).mtimeMs).toBe(storedAt)
    expect(store.usage()).toEqual({ pieces: 1, bytes: 9000 })
    expect(await tempFiles(dir)).toEqual([])
  })

  it('refuses a put of a stored piece with no bytes, too few or other bytes, and keeps the piece', async () => {
    const { store } = await open()
    const bytes = randomBytes(9000)
    const cid = await cidOf(bytes)
    await store.put(cid, chunksOf(bytes, 4096), MiB)
    const other = Buffer.from(bytes)
    other[100] = (other[100] ?? 0) ^ 1
    for (const body of [Buffer.alloc(0), bytes.subarray(0, 4096), other]) {
      expect(await codeOf(store.put(cid, chunksOf(body, 4096), MiB))).toBe('STORAGE_PIECE_HASH_MISMATCH')
    }
    expect(await codeOf(store.put(cid, chunksOf(Buffer.concat([bytes, bytes]), 4096), 9000))).toBe('STORAGE_PIECE_TOO_LARGE')
    expect(await readFile(store.pathOf(cid))).toEqual(bytes)
    expect(store.usage()).toEqual({ pieces: 1, bytes: 9000 })
  })

  it('keeps its directories and files to the node user (0700 and 0600), tightening an existing directory', async () => {
    const dir = join(root, `s${n++}`)
    await mkdir(dir, { mode: 0o755 })
    await chmod(dir, 0o755)
    const { store } = await open({}, dir)
    const bytes = randomBytes(5000)
    const cid = await cidOf(bytes)
    await store.put(cid, chunksOf(bytes, 4096), MiB)
    const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777
    expect(await mode(dir)).toBe(0o700)
    expect(await mode(join(dir, '.tmp'))).toBe(0o700)
    expect(await mode(join(store.pathOf(cid), '..'))).toBe(0o700)
    expect(await mode(store.pathOf(cid))).toBe(0o600)
  })

  it('stores one copy when the same piece is put concurrently', async () => {
    const { store, dir } = await open()
    const bytes = randomBytes(200_000)
    const cid = await cidOf(bytes)
    const results = await Promise.all(Array.from({ length: 5 }, () => store.put(cid, chunksOf(bytes, 3000), MiB)))
    expect(new Set(results.map((r) => r.merkleRoot)).size).toBe(1)
    expect(results.every((r) => r.size === bytes.length)).toBe(true)
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1)
    expect(store.usage()).toEqual({ pieces: 1, bytes: bytes.length })
    expect(await readFile(store.pathOf(cid))).toEqual(bytes)
    expect(await tempFiles(dir)).toEqual([])
  })

  it('removes the temporary file of an aborted upload, even when the source stalls', async () => {
    const { store, dir } = await open()
    const bytes = randomBytes(50_000)
    const cid = await cidOf(bytes)
    const abort = new AbortController()
    let sent = 0
    const stalled = (async function* () {
      yield bytes.subarray(0, 20_000)
      sent = 20_000
      await new Promise(() => undefined)
    })()
    const put = store.put(cid, stalled, MiB, abort.signal)
    while (sent === 0) await new Promise((r) => setTimeout(r, 5))
    await new Promise((r) => setTimeout(r, 20))
    expect((await tempFiles(dir)).length).toBe(1)
    abort.abort(new Error('client went away'))
    await expect(put).rejects.toThrow('client went away')
    expect(await tempFiles(dir)).toEqual([])
    expect(await store.stat(cid)).toBeUndefined()
    expect(await store.hasRoomFor(64 * MiB)).toBe(true)
  })

  it('aborts uploads in flight when stopped', async () => {
    const { store, dir } = await open()
    const put = store.put(
      await cidOf(Buffer.from('x')),
      (async function* () {
        yield Buffer.from('partial')
        await new Promise(() => undefined)
      })(),
      MiB,
    )
    await new Promise((r) => setTimeout(r, 20))
    await store.stop()
    await expect(put).rejects.toThrow('stopping')
    expect(await tempFiles(dir)).toEqual([])
  })

  it('cleans stale temporary files and counts existing pieces when it starts', async () => {
    const { store, dir } = await open()
    const a = randomBytes(1000)
    const b = randomBytes(2000)
    await store.put(await cidOf(a), chunksOf(a, 100), MiB)
    await store.put(await cidOf(b), chunksOf(b, 100), MiB)
    await store.stop()
    await mkdir(join(dir, '.tmp'), { recursive: true })
    await writeFile(join(dir, '.tmp', 'left-by-a-crash'), 'partial')
    const { store: again } = await open({}, dir)
    expect(again.usage()).toEqual({ pieces: 2, bytes: 3000 })
    expect(await tempFiles(dir)).toEqual([])
  })

  it('proves leaves against the root it reported', async () => {
    const { store } = await open()
    const bytes = randomBytes(10 * 4096 + 17)
    const cid = await cidOf(bytes)
    const { merkleRoot } = await store.put(cid, chunksOf(bytes, 65536), MiB)
    for (const leaf of [0, 5, 10]) expect(verifyProof(await store.prove(cid, leaf), merkleRoot)).toBe(true)
    expect(await codeOf(store.prove(cid, 11))).toBe('VALIDATION_FAILED')
    expect(await codeOf(store.prove(await cidOf(Buffer.from('absent')), 0))).toBe('STORAGE_PIECE_NOT_FOUND')
  })

  it('refuses malformed CIDs', async () => {
    const { store } = await open()
    for (const bad of ['bafy', 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG', (await cidOf(Buffer.from('x'))).toUpperCase()]) {
      expect(await codeOf(store.put(bad, chunksOf(Buffer.from('x'), 1), 10))).toBe('STORAGE_BAD_CID')
    }
  })

  it('keeps memory flat while storing a large piece', async () => {
    const { store } = await open({ capacityBytes: 1024 * MiB })
    const size = 128 * MiB
    const chunk = 64 * 1024
    const block = randomBytes(MiB)
    const hash = createHash('sha256')
    for (let i = 0; i < size / MiB; i++) hash.update(block)
    const cid = cidFromDigest(hash.digest())
    const js = (): number => process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed
    let peak = 0
    // Fresh buffers, as a socket delivers them: a store that kept references to chunks would grow.
    const source = (async function* () {
      for (let offset = 0; offset < size; offset += chunk) {
        peak = Math.max(peak, js())
        yield Buffer.from(block.subarray(offset % MiB, (offset % MiB) + chunk))
      }
    })()
    const before = js()
    const put = await store.put(cid, source, size)
    expect(put.size).toBe(size)
    expect(peak - before).toBeLessThan(64 * MiB)
  })
})
