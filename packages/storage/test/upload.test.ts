import type { PiecePlacement, SignedReceipt } from '@w3ai/protocol'
import { describe, expect, it } from 'vitest'
import { encodeObjectSegments, generateObjectKey, segmentCommit, segmentOrdersRequest, uploadSegment, type PreparedSegment } from '../src/index.js'
import { delay, FakeNetwork, placementsFor, prng, randomBuffer, receiptFor } from './helpers.js'

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) return reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

async function prepare(size = 10_000): Promise<PreparedSegment> {
  for await (const seg of encodeObjectSegments([randomBuffer(size, prng(31))], { objectKey: generateObjectKey(), segmentSize: 64 * 1024, k: 4, total: 8 })) return seg
  throw new Error('no segment')
}

describe('uploadSegment', () => {
  it('stores n pieces and returns their receipts by shard index', async () => {
    const prepared = await prepare()
    expect(segmentOrdersRequest(prepared).pieces).toHaveLength(8)
    const net = new FakeNetwork()
    const stored = await uploadSegment(prepared, placementsFor(prepared.shards), { putPiece: (p, b) => net.put(p, b), needed: 8 })
    expect(stored.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect(segmentCommit(prepared, stored).pieces).toHaveLength(8)
  })

  it('cuts the long tail: resolves with the fastest n and aborts the slow uploads', async () => {
    const prepared = await prepare()
    const aborted: number[] = []
    const started: number[] = []
    const putPiece = async (placement: PiecePlacement, bytes: Buffer, signal: AbortSignal): Promise<SignedReceipt> => {
      started.push(placement.index)
      signal.addEventListener('abort', () => aborted.push(placement.index))
      // Shards 2 and 5 sit on nodes that never answer: only the abort ends their uploads, so the
      // segment finishes only if the long tail is cut (no timing involved).
      if (placement.index === 2 || placement.index === 5) await untilAborted(signal)
      else await delay(5, signal)
      return receiptFor(placement, bytes)
    }
    const stored = await uploadSegment(prepared, placementsFor(prepared.shards), { putPiece, needed: 6 })
    expect(started).toHaveLength(8)
    expect(stored.map((s) => s.index)).toEqual([0, 1, 3, 4, 6, 7])
    expect(aborted.sort()).toEqual([2, 5])
  })

  it('replaces failures and bad receipts, and fails with STORAGE_NOT_ENOUGH_NODES when n is out of reach', async () => {
    const prepared = await prepare()
    const placements = placementsFor(prepared.shards)
    const flaky = (failing: number[]) => async (p: PiecePlacement, bytes: Buffer): Promise<SignedReceipt> => {
      if (failing.includes(p.index)) throw new Error('connection refused')
      const r = receiptFor(p, bytes)
      // Node 7 signs for a different Merkle root than the bytes it got.
      return p.index === 7 ? { ...r, receipt: { ...r.receipt, merkleRoot: '0'.repeat(64) } } : r
    }
    const ok = await uploadSegment(prepared, placements, { putPiece: flaky([0]), needed: 6 })
    expect(ok.map((s) => s.index)).toEqual([1, 2, 3, 4, 5, 6])
    const err = await uploadSegment(prepared, placements, { putPiece: flaky([0, 1]), needed: 6 }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'STORAGE_NOT_ENOUGH_NODES', details: { stored: 5, needed: 6 } })
  })

  it('respects the concurrency limit', async () => {
    const prepared = await prepare()
    let inFlight = 0
    let peak = 0
    const putPiece = async (p: PiecePlacement, bytes: Buffer, signal: AbortSignal): Promise<SignedReceipt> => {
      peak = Math.max(peak, ++inFlight)
      try {
        await delay(2, signal)
        return receiptFor(p, bytes)
      } finally {
        inFlight--
      }
    }
    const stored = await uploadSegment(prepared, placementsFor(prepared.shards), { putPiece, needed: 6, concurrency: 2 })
    expect(stored).toHaveLength(6)
    expect(peak).toBe(2)
  })

  it('refuses placements that do not match the segment', async () => {
    const prepared = await prepare()
    const placements = placementsFor(prepared.shards)
    placements[1] = { ...placements[1]!, cid: placements[0]!.cid }
    await expect(uploadSegment(prepared, placements, { putPiece: async () => ({}) as SignedReceipt, needed: 6 })).rejects.toMatchObject({ code: 'STORAGE_UPLOAD_INVALID' })
  })

  it('stops everything when the caller aborts', async () => {
    const prepared = await prepare()
    const controller = new AbortController()
    const p = uploadSegment(prepared, placementsFor(prepared.shards), {
      putPiece: async (pl, b, signal) => {
        await delay(10_000, signal)
        return receiptFor(pl, b)
      },
      needed: 6,
      signal: controller.signal,
    })
    controller.abort(new Error('user cancelled'))
    await expect(p).rejects.toThrow('user cancelled')
  })
})
