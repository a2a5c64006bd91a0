/**
 * Uploading one segment's shards to the nodes the hub placed them on. All shards go out at once
 * (n plus long-tail spares); as soon as `needed` nodes have returned a matching receipt the
 * others are aborted, so one slow node never sets the pace. The transport is injected.
 */
import { W3aiError, type PiecePlacement, type SignedReceipt } from '@w3ai/protocol'
import type { PreparedSegment, PreparedShard, UploadedPiece } from './encode.js'
import { firstSuccesses } from './race.js'

export interface UploadSegmentOptions {
  /** Sends one piece to its node with its order; resolves with the node's signed receipt. */
  putPiece(placement: PiecePlacement, bytes: Uint8Array, signal: AbortSignal): Promise<SignedReceipt>
  /** Receipts to wait for (the redundancy n). */
  needed: number
  /** Called with the count of matching receipts each time one arrives (progress). */
  onStored?: (count: number) => void
  /** Most uploads in flight at once; default all placements. */
  concurrency?: number
  /**
   * The spares (placements beyond `needed`) are sent only once the first `needed` uploads have
   * taken this long without all succeeding; default: all at once. A failure is replaced at once.
   */
  hedgeAfterMs?: number
  signal?: AbortSignal
}

/**
 * Uploads a prepared segment's shards (one placement per shard index) and returns the first
 * `needed` receipts that match their shard, sorted by index. Receipts are checked for the piece
 * CID, size, Merkle root and node, not for their signature (the hub checks that on commit).
 * If `needed` cannot be reached → W3aiError('STORAGE_NOT_ENOUGH_NODES').
 */
export async function uploadSegment(prepared: PreparedSegment, placements: readonly PiecePlacement[], options: UploadSegmentOptions): Promise<UploadedPiece[]> {
  const shards = new Map(prepared.shards.map((s) => [s.index, s]))
  const seen = new Set<number>()
  const jobs: Array<{ placement: PiecePlacement; shard: PreparedShard }> = []
  for (const placement of placements) {
    const shard = shards.get(placement.index)
    if (shard === undefined || shard.cid !== placement.cid || seen.has(placement.index)) {
      throw new W3aiError('STORAGE_UPLOAD_INVALID', `Placement for shard ${placement.index} does not match segment ${prepared.index}.`)
    }
    seen.add(placement.index)
    jobs.push({ placement, shard })
  }
  let stored = 0
  const raceOptions = {
    items: jobs,
    needed: options.needed,
    concurrency: options.concurrency ?? jobs.length,
    run: (job: (typeof jobs)[number], signal: AbortSignal) => options.putPiece(job.placement, job.shard.bytes, signal),
    // A receipt for other bytes than we sent is as good as no receipt.
    accept: (job: (typeof jobs)[number], signed: SignedReceipt) => {
      const ok =
        signed.receipt.pieceCid === job.shard.cid &&
        signed.receipt.size === job.shard.bytes.byteLength &&
        signed.receipt.merkleRoot === job.shard.merkleRoot &&
        signed.receipt.nodeId === job.placement.nodeId
      if (ok) options.onStored?.(++stored)
      return ok
    },
  }
  const hedged = options.hedgeAfterMs === undefined ? raceOptions : { ...raceOptions, hedgeAfterMs: options.hedgeAfterMs }
  const { successes, failures } = await firstSuccesses(options.signal === undefined ? hedged : { ...hedged, signal: options.signal })
  if (successes.length < options.needed) {
    const reasons = failures.map((f) => `${f.item.placement.nodeId}: ${f.error instanceof Error ? f.error.message : String(f.error)}`)
    throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Only ${successes.length} of ${options.needed} pieces of segment ${prepared.index} were stored${reasons.length === 0 ? '' : ` (${reasons.join('; ')})`}.`, {
      segment: prepared.index,
      stored: successes.length,
      needed: options.needed,
      failures: failures.map((f) => ({ index: f.item.placement.index, nodeId: f.item.placement.nodeId, error: f.error instanceof Error ? f.error.message : String(f.error) })),
    })
  }
  return successes.map((s) => ({ index: s.item.placement.index, nodeId: s.item.placement.nodeId, receipt: s.result })).sort((a, b) => a.index - b.index)
}
