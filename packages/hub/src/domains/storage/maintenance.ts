/**
 * Storage upkeep, run by every hub (work is claimed row by row, so hubs may overlap harmlessly):
 * - collector: deletes the pieces of deleted objects from their nodes, unless another object
 *   still references the same CID on the same node;
 * - orphan sweep: deletes pieces nodes hold that no record references, after a grace period;
 * - auditor: challenges nodes for random Merkle leaves of random pieces and scores them;
 * - repairer: when a segment's healthy pieces fall below its repair threshold, fetches k pieces,
 *   regenerates the missing ones (Reed–Solomon, on ciphertext: nothing is decrypted) and places
 *   them on other nodes.
 */
import { verifyObject, type Identity } from '@w3ai/crypto'
import { STORAGE_DEFAULTS, W3aiError } from '@w3ai/protocol'
import { auditPiece, deletePiece, getPiece, putPiece } from '@w3ai/sdk'
import { pieceCid, reconstructShards, verifyProof } from '@w3ai/storage'
import type { EventBus } from '../../infra/event-bus.js'
import type { ObjectStore } from './object-store.js'
import type { NodeStore } from '../nodes/store.js'
import type { PieceRef, PieceRecordStore } from './piece-record-store.js'
import { issueOrder } from './orders.js'
import { listNodePieces } from './orphans.js'
import type { PiecePlacement } from './placement.js'

export interface MaintenanceComponents {
  pieces: PieceRecordStore
  objects: ObjectStore
  nodes: NodeStore
  /** Where regenerated pieces can go (the hub router's node index). */
  placement: Pick<PiecePlacement, 'placePieces'>
  networkKey: Identity
  /** Publishes audit results (the dashboard shows each node's score live); tells of nodes that join or return. */
  bus: Pick<EventBus, 'publish' | 'subscribe'>
  /** How often each loop runs (ms). */
  collectIntervalMs: number
  auditIntervalMs: number
  repairIntervalMs: number
  /** Pieces challenged per audit round. */
  auditsPerRound: number
  /** Told of each failed audit with the node's failed-audit count after it (slashing keys the slash on it). */
  onAuditFailed?: (nodeId: string, failures: number) => Promise<unknown>
  /** How often the orphan sweep runs (ms; default ORPHAN_DEFAULTS.intervalMs). */
  orphanIntervalMs?: number
  /** Unreferenced pieces stored longer ago than this are deleted (ms; default ORPHAN_DEFAULTS.graceMs). */
  orphanGraceMs?: number
  /** The longest a failing segment repair waits before its next attempt (ms; default 10 minutes). */
  repairMaxBackoffMs?: number
  now?: () => number
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

const NODE_TIMEOUT_MS = 15_000

const REPAIR_MAX_BACKOFF_MS = 10 * 60_000

export const ORPHAN_DEFAULTS = {
  intervalMs: 5 * 60_000,
  /** Longer than any upload takes between a piece's put and its commit or order. */
  graceMs: 60 * 60_000,
  /** Nodes whose piece lists are read per sweep. */
  nodesPerRound: 4,
  /** Pages of one node's list read per sweep (a page holds up to PIECE_LIST_MAX pieces). */
  pagesPerNode: 20,
} as const
const GB = 1024 ** 3

export class StorageMaintenance {
  private timers: NodeJS.Timeout[] = []
  private busy = new Set<string>()
  /** Where each node's piece list was left by the last orphan sweep. */
  private readonly orphanCursor = new Map<string, string>()
  private stopped = true
  /** Set by stop() so long sweeps end early. */
  private stopping = false
  private unsubscribe: (() => void) | undefined
  /** A node joined or came back while repairs were backing off: retry them at the next chance. */
  private capacityChanged = false

  constructor(private readonly c: MaintenanceComponents) {}

  start(): void {
    this.stopped = false
    this.stopping = false
    const every = (name: string, ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void this.run(name, fn), ms)
      t.unref()
      this.timers.push(t)
    }
    every('collect', this.c.collectIntervalMs, () => this.collect())
    every('audit', this.c.auditIntervalMs, () => this.audit())
    every('repair', this.c.repairIntervalMs, () => this.repair())
    every('orphans', this.c.orphanIntervalMs ?? ORPHAN_DEFAULTS.intervalMs, async () => void (await this.sweepOrphans()))
    // Backing off is for a network with nowhere to put pieces; once that changes, try again at once.
    this.unsubscribe = this.c.bus.subscribe((e) => {
      if (e.type === 'node.registered' || (e.type === 'node.status' && e.status === 'online')) {
        this.capacityChanged = true
        setImmediate(() => void this.run('repair', () => this.repair()))
      }
    })
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.stopping = true
    this.unsubscribe?.()
    this.unsubscribe = undefined
    for (const t of this.timers.splice(0)) clearInterval(t)
    while (this.busy.size > 0) await new Promise((r) => setTimeout(r, 20))
  }

  /** Runs the collector soon (after a delete). */
  wake(): void {
    if (!this.stopped) setImmediate(() => void this.run('collect', () => this.collect()))
  }

  private async run(name: string, fn: () => Promise<void>): Promise<void> {
    if (this.busy.has(name) || this.stopped) return
    this.busy.add(name)
    try {
      await fn()
    } catch (err) {
      this.c.onError(err)
    } finally {
      this.busy.delete(name)
    }
  }

  private target(p: PieceRef, action: 'get' | 'delete' | 'audit' | 'put', nodeId = p.nodeId, endpoint = p.endpoint) {
    return { cid: p.cid, endpoint, order: issueOrder(this.c.networkKey, action, p.cid, nodeId, p.size) }
  }

  /**
   * Removes deleted pieces from their nodes. Pieces are counted per (CID, node): a row whose bytes
   * another object or upload still references on that node is only forgotten (issue 8 A1).
   */
  async collect(): Promise<void> {
    await this.c.pieces.forgetReferenced(500)
    for (const p of await this.c.pieces.deleted(50)) {
      try {
        await deletePiece(this.target(p, 'delete'), AbortSignal.timeout(NODE_TIMEOUT_MS))
        await this.c.pieces.forget(p)
      } catch (err) {
        this.c.log('piece delete failed; will retry', { cid: p.cid, nodeId: p.nodeId, err: String(err) })
      }
    }
  }

  /**
   * Releases abandoned uploads' pieces to the collector, then reads the piece lists of a few
   * online nodes and deletes what no record references and was stored before the grace period.
   * A node's list is read from where the previous sweep stopped.
   */
  async sweepOrphans(): Promise<number> {
    await this.c.pieces.releaseAbandonedUploads()
    const now = this.c.now ?? Date.now
    const graceMs = this.c.orphanGraceMs ?? ORPHAN_DEFAULTS.graceMs
    let deleted = 0
    for (const node of await this.c.pieces.onlineNodes(ORPHAN_DEFAULTS.nodesPerRound)) {
      let after = this.orphanCursor.get(node.id) ?? null
      try {
        for (let page = 0; page < ORPHAN_DEFAULTS.pagesPerNode && !this.stopping; page++) {
          const listing = await listNodePieces(node.endpoint, this.c.networkKey, after, AbortSignal.timeout(NODE_TIMEOUT_MS))
          const old = listing.pieces.filter((p) => p.storedAt < now() - graceMs).map((p) => p.cid)
          for (const cid of await this.c.pieces.unreferenced(node.id, old)) {
            await deletePiece({ cid, endpoint: node.endpoint, order: issueOrder(this.c.networkKey, 'delete', cid, node.id, 0) }, AbortSignal.timeout(NODE_TIMEOUT_MS))
            deleted++
          }
          after = listing.next
          if (after === null) break
        }
        if (after === null) this.orphanCursor.delete(node.id)
        else this.orphanCursor.set(node.id, after)
      } catch (err) {
        this.c.log('orphan sweep of a node failed; will retry', { nodeId: node.id, err: String(err) })
      }
    }
    if (deleted > 0) this.c.log('orphan pieces deleted', { deleted })
    return deleted
  }

  async audit(): Promise<void> {
    const leafSize = STORAGE_DEFAULTS.merkleLeafSize
    for (const p of await this.c.pieces.auditSample(this.c.auditsPerRound)) {
      const leaves = Math.max(1, Math.ceil(p.size / leafSize))
      const leafIndex = Math.floor(Math.random() * leaves)
      let passed: boolean
      try {
        const proof = await auditPiece(this.target(p, 'audit'), leafIndex, AbortSignal.timeout(NODE_TIMEOUT_MS))
        passed = proof.leafIndex === leafIndex && verifyProof(p.merkleRoot, proof, leafSize, p.size)
      } catch (err) {
        // An unreachable node is the failure detector's business; only answers count here.
        if (!(err instanceof W3aiError)) continue
        passed = false
      }
      const audit = await this.c.pieces.recordAudit(p, passed)
      if (audit !== undefined) this.c.bus.publish({ type: 'node.audit', id: p.nodeId, audit })
      if (!passed) this.c.log('audit failed', { cid: p.cid, nodeId: p.nodeId, leafIndex })
      if (!passed && audit !== undefined) await this.c.onAuditFailed?.(p.nodeId, audit.failed).catch(this.c.onError)
    }
  }

  /**
   * Repairs the segments below their threshold. One that cannot be finished (nowhere to place its
   * pieces, too few to rebuild from) backs off exponentially and reads as under-replicated.
   */
  async repair(): Promise<void> {
    if (this.capacityChanged) {
      this.capacityChanged = false
      await this.c.pieces.retryRepairsNow()
    }
    await this.c.pieces.clearSettledRepairs()
    const maxMs = this.c.repairMaxBackoffMs ?? REPAIR_MAX_BACKOFF_MS
    for (const s of await this.c.pieces.needingRepair(10)) {
      try {
        const left = await this.repairSegment(s.objectCid, s.uploadId, s.seg)
        if (left === 0) await this.c.pieces.repairDone(s.uploadId, s.seg)
        else await this.c.pieces.repairFailed(s.uploadId, s.seg, `nowhere to place ${left} piece(s)`, this.c.repairIntervalMs, maxMs)
      } catch (err) {
        const attempts = await this.c.pieces.repairFailed(s.uploadId, s.seg, String(err), this.c.repairIntervalMs, maxMs)
        this.c.log('segment repair failed; backing off', { object: s.objectCid, seg: s.seg, attempts, err: String(err) })
      }
    }
  }

  /**
   * Regenerates the unhealthy pieces of one segment onto other nodes; returns how many it found no
   * node for (0 when the segment is whole again). Targets are chosen before anything is fetched,
   * so a network with nowhere to put pieces costs no transfers or decoding.
   */
  async repairSegment(objectCid: string, uploadId: string, seg: number): Promise<number> {
    const object = await this.c.objects.get(objectCid)
    const segment = object?.manifest.segments[seg]
    if (object === undefined || segment === undefined) return 0
    const { k, total } = object.manifest.erasure
    const pieces = await this.c.pieces.segment(uploadId, seg)
    const unhealthy = pieces.filter((p) => !p.healthy)
    if (unhealthy.length === 0) return 0
    const holders = new Set(pieces.map((p) => p.nodeId))
    const targets = await this.c.placement.placePieces(unhealthy.length, segment.shardSize / GB, holders)
    if (targets.length === 0) throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `segment ${seg} of ${objectCid}: no node can take its ${unhealthy.length} missing piece(s)`)
    const broken = unhealthy.slice(0, targets.length)
    const available = new Map<number, Buffer>()
    for (const p of pieces.filter((x) => x.healthy)) {
      if (available.size >= k) break
      try {
        const bytes = Buffer.from(await getPiece(this.target(p, 'get'), AbortSignal.timeout(NODE_TIMEOUT_MS)))
        if (pieceCid(bytes) === p.cid) available.set(p.index, bytes)
      } catch {
        // try the next healthy piece
      }
    }
    if (available.size < k) throw new W3aiError('STORAGE_NOT_ENOUGH_PIECES', `segment ${seg} of ${objectCid}: ${available.size} of ${k} pieces fetched`)
    const regenerated = await reconstructShards(available, k, total, segment.shardSize, broken.map((p) => p.index))
    let moved = 0
    for (const [i, p] of broken.entries()) {
      const bytes = regenerated.get(p.index)
      const target = targets[i]
      if (bytes === undefined || target === undefined) continue
      const receipt = await putPiece(this.target(p, 'put', target.id, target.endpoint), bytes, AbortSignal.timeout(NODE_TIMEOUT_MS))
      const node = await this.c.nodes.get(target.id)
      const r = receipt.receipt
      if (node === undefined || !verifyObject(node.publicKey, r, receipt.signature) || r.pieceCid !== p.cid || r.merkleRoot !== p.merkleRoot) {
        throw new W3aiError('STORAGE_RECEIPT_INVALID', `node ${target.id} answered a bad receipt during repair`)
      }
      await this.c.pieces.moved(p, target.id)
      moved++
    }
    this.c.log('segment repaired', { object: objectCid, seg, moved })
    return unhealthy.length - moved
  }
}
