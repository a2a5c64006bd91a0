/**
 * Storage upkeep, run by every hub (work is claimed row by row, so hubs may overlap harmlessly):
 * - collector: deletes the pieces of deleted objects from their nodes;
 * - auditor: challenges nodes for random Merkle leaves of random pieces and scores them;
 * - repairer: when a segment's healthy pieces fall below its repair threshold, fetches k pieces,
 *   regenerates the missing ones (Reed–Solomon, on ciphertext: nothing is decrypted) and places
 *   them on other nodes.
 */
import { verifyObject, type Identity } from '@w3ai/crypto'
import { STORAGE_DEFAULTS, W3aiError } from '@w3ai/protocol'
import { auditPiece, deletePiece, getPiece, putPiece } from '@w3ai/sdk'
import { pieceCid, reconstructShards, verifyProof } from '@w3ai/storage'
import type { Queryable } from '../../db/types.js'
import type { EventBus } from '../../infra/event-bus.js'
import type { ObjectStore } from './object-store.js'
import type { NodeStore } from '../nodes/store.js'
import type { PieceRef, PieceRecordStore } from './piece-record-store.js'
import { issueOrder } from './orders.js'
import { placePieces } from './placement.js'

export interface MaintenanceComponents {
  db: Queryable
  pieces: PieceRecordStore
  objects: ObjectStore
  nodes: NodeStore
  networkKey: Identity
  /** Publishes audit results (the dashboard shows each node's score live). */
  bus: Pick<EventBus, 'publish'>
  /** How often each loop runs (ms). */
  collectIntervalMs: number
  auditIntervalMs: number
  repairIntervalMs: number
  /** Pieces challenged per audit round. */
  auditsPerRound: number
  onError: (err: unknown) => void
  log: (msg: string, fields?: Record<string, unknown>) => void
}

const NODE_TIMEOUT_MS = 15_000
const GB = 1024 ** 3

export class StorageMaintenance {
  private timers: NodeJS.Timeout[] = []
  private busy = new Set<string>()
  private stopped = true

  constructor(private readonly c: MaintenanceComponents) {}

  start(): void {
    this.stopped = false
    const every = (name: string, ms: number, fn: () => Promise<void>): void => {
      const t = setInterval(() => void this.run(name, fn), ms)
      t.unref()
      this.timers.push(t)
    }
    every('collect', this.c.collectIntervalMs, () => this.collect())
    every('audit', this.c.auditIntervalMs, () => this.audit())
    every('repair', this.c.repairIntervalMs, () => this.repair())
  }

  async stop(): Promise<void> {
    this.stopped = true
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

  async collect(): Promise<void> {
    for (const p of await this.c.pieces.deleted(50)) {
      try {
        await deletePiece(this.target(p, 'delete'), AbortSignal.timeout(NODE_TIMEOUT_MS))
        await this.c.pieces.forget(p)
      } catch (err) {
        this.c.log('piece delete failed; will retry', { cid: p.cid, nodeId: p.nodeId, err: String(err) })
      }
    }
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
    }
  }

  async repair(): Promise<void> {
    for (const s of await this.c.pieces.needingRepair(10)) {
      try {
        await this.repairSegment(s.objectCid, s.uploadId, s.seg)
      } catch (err) {
        this.c.log('segment repair failed; will retry', { object: s.objectCid, seg: s.seg, err: String(err) })
      }
    }
  }

  /** Regenerates the unhealthy pieces of one segment onto other nodes; returns how many moved. */
  async repairSegment(objectCid: string, uploadId: string, seg: number): Promise<number> {
    const object = await this.c.objects.get(objectCid)
    const segment = object?.manifest.segments[seg]
    if (object === undefined || segment === undefined) return 0
    const { k, total } = object.manifest.erasure
    const pieces = await this.c.pieces.segment(uploadId, seg)
    const broken = pieces.filter((p) => !p.healthy)
    if (broken.length === 0) return 0
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
    const holders = new Set(pieces.map((p) => p.nodeId))
    const targets = await placePieces(this.c.db, broken.length, segment.shardSize / GB, holders)
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
    return moved
  }
}
