/**
 * Reed–Solomon erasure coding of one segment's ciphertext with @ronomon/reed-solomon (native,
 * runs in libuv's thread pool). The ciphertext is zero-padded to k shards of `shardSize` bytes
 * (a multiple of 8, as the coder requires); parity shards follow, so shard i < k is plain data.
 *
 * The coder's parity depends on the parity count m it was created with, so we always create it
 * with the maximum m (6) and compute only the parity shards asked for. Shard i is therefore the
 * same bytes whatever `total` an upload used: the manifest needs only k, spares can be cut, and
 * repair regenerates byte-identical shards (same CIDs). Limits: k <= 24, total <= k + 6.
 */
import { createRequire } from 'node:module'
import { ERASURE_LIMITS } from './constants.js'
import { checkErasureParams, checkShards, shardSizeFor } from './erasure-params.js'
import type { BufferPool } from './pool.js'

interface RonomonReedSolomon {
  MAX_K: number
  MAX_M: number
  create(k: number, m: number): Buffer
  encode(
    context: Buffer,
    sources: number,
    targets: number,
    buffer: Buffer,
    bufferOffset: number,
    bufferSize: number,
    parity: Buffer,
    parityOffset: number,
    paritySize: number,
    callback: (error?: Error) => void,
  ): void
}

let addon: RonomonReedSolomon | undefined

// Loaded on first use so that importing this package (e.g. for CIDs or manifests) never fails
// where the native addon was not built. Its main is a .node file, which ESM cannot import.
function rs(): RonomonReedSolomon {
  if (addon === undefined) {
    try {
      addon = createRequire(import.meta.url)('@ronomon/reed-solomon') as RonomonReedSolomon
    } catch (err) {
      throw new Error(`The Reed–Solomon addon is not built; run \`npm rebuild @ronomon/reed-solomon\` (${(err as Error).message})`)
    }
  }
  return addon
}
const M = ERASURE_LIMITS.maxParity
const contexts = new Map<number, Buffer>()

export interface EncodedSegment {
  shardSize: number
  /** `total` shards, data first. They are views into two shared buffers: do not mutate them. */
  shards: Buffer[]
  /** The two buffers the shards are views into (data, parity). */
  buffers: Buffer[]
}

function context(k: number): Buffer {
  let ctx = contexts.get(k)
  if (ctx === undefined) {
    ctx = rs().create(k, M)
    contexts.set(k, ctx)
  }
  return ctx
}

function run(k: number, sources: number, targets: number, data: Buffer, parity: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    rs().encode(context(k), sources, targets, data, 0, data.length, parity, 0, parity.length, (error) => (error ? reject(error) : resolve()))
  })
}

const bit = (i: number): number => 2 ** i

/** A buffer of `size` bytes from the pool (contents arbitrary), or a fresh one. */
function scratch(size: number, pool: BufferPool | undefined): Buffer {
  if (pool === undefined) return Buffer.allocUnsafe(size)
  const bytes = pool.take(size)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Splits a ciphertext (one buffer or its parts in order) into `total` shards, any k of which
 * rebuild it. With a pool, the shards are views into two pooled buffers (`buffers`), which the
 * caller gives back once the shards are no longer needed.
 */
export async function encodeSegment(cipher: Uint8Array | readonly Uint8Array[], k: number, total: number, pool?: BufferPool): Promise<EncodedSegment> {
  checkErasureParams(k, total)
  const parts = cipher instanceof Uint8Array ? [cipher] : cipher
  const cipherSize = parts.reduce((sum, p) => sum + p.byteLength, 0)
  const shardSize = shardSizeFor(cipherSize, k)
  const data = scratch(k * shardSize, pool)
  let offset = 0
  for (const part of parts) {
    data.set(part, offset)
    offset += part.byteLength
  }
  // Padding must be deterministic (zeros) so repaired shards match the originals.
  data.fill(0, cipherSize)
  // Parity slots beyond `total` are declared present below, so the coder never reads them.
  const parity = scratch(M * shardSize, pool)
  let sources = 0
  for (let i = 0; i < k; i++) sources |= bit(i)
  let targets = 0
  for (let i = k; i < total; i++) targets |= bit(i)
  // Parity slots we do not want are declared present so the coder skips computing them.
  for (let i = total; i < k + M; i++) sources |= bit(i)
  await run(k, sources, targets, data, parity)
  const shards: Buffer[] = []
  for (let i = 0; i < total; i++) {
    const buf = i < k ? data : parity
    const at = (i < k ? i : i - k) * shardSize
    shards.push(buf.subarray(at, at + shardSize))
  }
  return { shardSize, shards, buffers: [data, parity] }
}

/**
 * Runs the coder over k chosen shards to fill `wanted` missing indices. Returns the data and
 * parity buffers; slots not chosen, not wanted and above every chosen index are left unfilled.
 */
async function rebuild(available: ReadonlyMap<number, Uint8Array>, chosen: number[], k: number, shardSize: number, wanted: number[], pool?: BufferPool): Promise<{ data: Buffer; parity: Buffer }> {
  const data = pool === undefined ? Buffer.alloc(k * shardSize) : scratch(k * shardSize, pool)
  // Only slots the coder reads (chosen) or writes (targets) matter; with every data shard at hand
  // there is nothing to compute and no parity buffer is needed.
  const allData = chosen.length === k && chosen[k - 1] === k - 1
  const parity = allData && pool !== undefined ? data.subarray(0, 0) : pool === undefined ? Buffer.alloc(M * shardSize) : scratch(M * shardSize, pool)
  let sources = 0
  for (const i of chosen) {
    const shard = available.get(i) as Uint8Array
    if (i < k) data.set(shard, i * shardSize)
    else parity.set(shard, (i - k) * shardSize)
    sources |= bit(i)
  }
  let targets = 0
  for (const i of wanted) if ((sources & bit(i)) === 0) targets |= bit(i)
  if (targets === 0) return { data, parity }
  // Slots above the highest chosen source are never read by the coder as sources (it uses the
  // first k), so declaring them present spares computing parity nobody asked for.
  const highest = chosen[chosen.length - 1] ?? 0
  for (let i = highest + 1; i < k + M; i++) if ((targets & bit(i)) === 0) sources |= bit(i)
  await run(k, sources, targets, data, parity)
  return { data, parity }
}

/**
 * Rebuilds a segment's ciphertext from any k of its shards (index → bytes, already verified
 * against their CIDs). Fewer than k → W3aiError('STORAGE_NOT_ENOUGH_PIECES'). With a pool the
 * result is a view of a pooled buffer of k × shardSize bytes, for the caller to give back.
 */
export async function decodeSegment(available: ReadonlyMap<number, Uint8Array>, k: number, total: number, shardSize: number, cipherSize: number, pool?: BufferPool): Promise<Buffer> {
  const chosen = checkShards(available, k, total, shardSize).slice(0, k)
  if (cipherSize > k * shardSize) throw new Error(`a ciphertext of ${cipherSize} bytes does not fit ${k} shards of ${shardSize}`)
  const wanted: number[] = []
  for (let i = 0; i < k; i++) wanted.push(i)
  const { data, parity } = await rebuild(available, chosen, k, shardSize, wanted, pool)
  if (pool !== undefined && parity.byteLength > 0) pool.give(parity)
  return data.subarray(0, cipherSize)
}

/**
 * Regenerates the shards at `wanted` indices from any k others (repair). The result is
 * byte-identical to what encodeSegment produced, so the regenerated pieces keep their CIDs.
 */
export async function reconstructShards(
  available: ReadonlyMap<number, Uint8Array>,
  k: number,
  total: number,
  shardSize: number,
  wanted: readonly number[],
): Promise<Map<number, Buffer>> {
  const chosen = checkShards(available, k, total, shardSize).slice(0, k)
  for (const i of wanted) if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`wanted shard ${i} is outside 0..${total - 1}`)
  const { data, parity } = await rebuild(available, chosen, k, shardSize, [...wanted])
  const out = new Map<number, Buffer>()
  for (const i of wanted) {
    const buf = i < k ? data : parity
    const at = (i < k ? i : i - k) * shardSize
    out.set(i, Buffer.from(buf.subarray(at, at + shardSize)))
  }
  return out
}
