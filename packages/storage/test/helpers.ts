/** Test kit: a seeded PRNG and in-memory fake nodes for the pipeline tests. */
import { W3aiError, type PiecePlacement, type SignedReceipt, type StoredPiece } from '@w3ai/protocol'
import { merkleRoot } from '../src/index.js'

/** A seeded PRNG, uniform in [0, 1): the shared one of @w3ai/util. */
export { seededRandom as prng } from '@w3ai/util'

/** `size` pseudo-random bytes from `random`. */
export function randomBuffer(size: number, random: () => number): Buffer {
  const out = Buffer.alloc(size)
  let i = 0
  for (; i + 4 <= size; i += 4) out.writeUInt32LE(Math.floor(random() * 4294967296), i)
  for (; i < size; i++) out[i] = Math.floor(random() * 256)
  return out
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer)
        reject(signal.reason)
      },
      { once: true },
    )
  })
}

export const nodeId = (i: number): string => `n_${i.toString(16).padStart(20, '0')}`

/** A receipt as an honest node would sign it (the signature is not checked client-side). */
export function receiptFor(placement: PiecePlacement, bytes: Uint8Array, leafSize = 4096): SignedReceipt {
  return {
    receipt: { v: 1, pieceCid: placement.cid, nodeId: placement.nodeId, size: bytes.byteLength, merkleRoot: merkleRoot(bytes, leafSize), storedAt: 0 },
    signature: 'sig',
  }
}

/** Placements putting shard i on node i. */
export function placementsFor(shards: ReadonlyArray<{ index: number; cid: string }>): PiecePlacement[] {
  return shards.map((s) => ({
    index: s.index,
    cid: s.cid,
    nodeId: nodeId(s.index),
    endpoint: `http://node-${s.index}`,
    order: { order: { v: 1, action: 'put', pieceCid: s.cid, nodeId: nodeId(s.index), maxSize: 1 << 30, expiresAt: 0, serial: 'serial-serial-serial' }, signature: 'sig' },
  }))
}

/** An in-memory network: node id → stored pieces by CID. */
export class FakeNetwork {
  readonly stores = new Map<string, Map<string, Buffer>>()

  constructor(private readonly leafSize = 4096) {}

  /** Stores a piece as a node would and answers its receipt. */
  async put(placement: PiecePlacement, bytes: Uint8Array): Promise<SignedReceipt> {
    let store = this.stores.get(placement.nodeId)
    if (store === undefined) this.stores.set(placement.nodeId, (store = new Map()))
    store.set(placement.cid, Buffer.from(bytes))
    return receiptFor(placement, bytes, this.leafSize)
  }

  /** Serves a piece, or STORAGE_PIECE_NOT_FOUND. */
  async get(piece: StoredPiece): Promise<Uint8Array> {
    const bytes = this.stores.get(piece.nodeId)?.get(piece.cid)
    if (bytes === undefined) throw new W3aiError('STORAGE_PIECE_NOT_FOUND')
    return bytes
  }

  /** The hub's view of where a segment's pieces are. */
  piecesOf(pieces: ReadonlyArray<{ index: number; cid: string }>): StoredPiece[] {
    return pieces.map((p) => ({ index: p.index, cid: p.cid, nodeId: nodeId(p.index), endpoint: `http://node-${p.index}`, nodeStatus: 'online', healthy: true }))
  }
}
