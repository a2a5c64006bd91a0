/** What a node needs to fetch and open one stored object it was given a key for: manifest, pieces and orders. */
import type { Identity } from '@w3ai/crypto'
import type { TaskInput, WrappedKey } from '@w3ai/protocol'
import { issueOrder } from '../storage/orders.js'
import type { ObjectStore } from '../storage/object-store.js'

export async function taskInput(objects: ObjectStore, networkKey: Identity, nodeId: string, role: string, cid: string, wrappedKey: WrappedKey): Promise<TaskInput | undefined> {
  const manifest = await objects.manifest(cid)
  if (manifest === undefined) return undefined
  const pieces = await objects.pieces(cid)
  return {
    role,
    cid,
    manifest,
    wrappedKey,
    segments: manifest.segments.map((_, seg) => ({
      index: seg,
      pieces: pieces
        .filter((p) => p.seg === seg)
        .map((p) => ({ index: p.index, cid: p.cid, nodeId: p.nodeId, endpoint: p.endpoint, nodeStatus: p.nodeStatus, healthy: p.healthy, order: issueOrder(networkKey, 'get', p.cid, p.nodeId, p.size) })),
    })),
  }
}
