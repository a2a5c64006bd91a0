/**
 * W3S storage rules. The hub places pieces, signs orders, checks receipts and keeps manifests and
 * wrapped keys; it never sees plaintext or a usable key. Every method acts for one account.
 */
import { randomBytes } from 'node:crypto'
import { verifyObject, type Identity } from '@w3ai/crypto'
import {
  STORAGE_DEFAULTS,
  type SegmentOrdersSchema,
  W3aiError,
  type ObjectDetail,
  type ObjectList,
  type ObjectSummary,
  type Redundancy,
  type SegmentCommit,
  type SegmentOrdersRequest,
  type ShareCreate,
  type Upload,
  type UploadComplete,
  type UploadCreate,
} from '@w3ai/protocol'
import { decodeManifest, encodeManifest } from '@w3ai/storage'
import type { Static } from '@sinclair/typebox'
import type { PageRequest } from '../../infra/paging.js'
import type { AccountLookup } from '../accounts/service.js'
import type { NodeStore } from '../nodes/store.js'
import type { ObjectStore } from './object-store.js'
import { issueOrder } from './orders.js'
import type { PiecePlacement } from './placement.js'
import type { StorageBilling } from './rewards.js'
import { checkCid, checkRedundancy, expectedPlainSize, fittingRedundancy, manifestMatches, MAX_PARITY, maxShardSize, segmentCount } from './rules.js'
import type { UploadRow, UploadStore } from './upload-store.js'

const GB = 1024 ** 3
type SegmentOrders = Static<typeof SegmentOrdersSchema>
const UPLOAD_TTL_MS = 24 * 3600_000

export interface StorageServiceComponents {
  uploads: UploadStore
  objects: ObjectStore
  nodes: Pick<NodeStore, 'get'>
  /** Where pieces can go: the hub router's node index, which the event bus keeps current. */
  placement: PiecePlacement
  accounts: AccountLookup
  networkKey: Identity
  quotaBytes: number
  /** Runs the piece collector soon (after a delete). */
  wakeCollector: () => void
  /** Storage payments (escrow at commit, refunds); absent when billing is off. */
  billing?: StorageBilling
  now?: () => number
}

export class StorageService {
  private readonly now: () => number

  constructor(private readonly c: StorageServiceComponents) {
    this.now = c.now ?? Date.now
  }

  /** Starts an upload after checking the account, redundancy, quota and that enough nodes can take its pieces. */
  async createUpload(owner: string, body: UploadCreate): Promise<Upload> {
    await this.c.accounts.requireAccount(owner)
    const segmentSize = body.segmentSize ?? STORAGE_DEFAULTS.segmentSize
    const redundancy = body.redundancy ?? (await this.fittingRedundancy(body.size, segmentSize))
    checkRedundancy(redundancy)
    const used = await this.c.uploads.usedBytes(owner)
    if (used + body.size > this.c.quotaBytes) {
      throw new W3aiError('STORAGE_QUOTA_EXCEEDED', `This upload of ${body.size} bytes would bring you to ${used + body.size} of your ${this.c.quotaBytes}-byte quota.`)
    }
    const pieceGb = Math.ceil(Math.min(segmentSize, Math.max(body.size, 1)) / redundancy.k) / GB
    // Counting past the most pieces an upload takes would only scan more of a large network.
    const placeable = await this.c.placement.countPlaceable(pieceGb, redundancy.k + MAX_PARITY)
    if (placeable < redundancy.n) {
      throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Redundancy ${redundancy.k}/${redundancy.n} needs ${redundancy.n} online nodes with free space; ${placeable} are available.`)
    }
    const id = `u_${randomBytes(12).toString('hex')}`
    const expiresAt = new Date(this.now() + UPLOAD_TTL_MS)
    const totalPieces = Math.min(redundancy.n + STORAGE_DEFAULTS.longTail, redundancy.k + MAX_PARITY, placeable)
    // Refused before any piece is placed when the owner cannot pay for (about) what the nodes will hold.
    await this.c.billing?.reserve(owner, id, Math.ceil((body.size * redundancy.n) / redundancy.k), body.durationHours)
    await this.c.uploads.create({ id, owner, name: body.name ?? null, size: body.size, segmentSize, redundancy, totalPieces, expiresAt })
    return { uploadId: id, segmentSize, redundancy, totalPieces, merkleLeafSize: STORAGE_DEFAULTS.merkleLeafSize, expiresAt: expiresAt.toISOString() }
  }

  /**
   * The redundancy of an upload that names none: the default where enough nodes can take its
   * pieces, else the largest that fits them (issue 8 C1: five devnet nodes get 3-of-5).
   */
  private async fittingRedundancy(size: number, segmentSize: number): Promise<Redundancy> {
    // The largest piece (k = 1) bounds the free space asked of each node.
    const placeable = await this.c.placement.countPlaceable(Math.min(segmentSize, Math.max(size, 1)) / GB, STORAGE_DEFAULTS.n)
    const fitted = fittingRedundancy(placeable)
    if (fitted === undefined) throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Storing needs at least 2 online nodes with free space (each piece on its own node); ${placeable} are available.`)
    return fitted
  }

  /** Places a segment's pieces on distinct nodes and signs put orders. */
  async orders(owner: string, uploadId: string, index: number, body: SegmentOrdersRequest): Promise<SegmentOrders> {
    const upload = await this.openUpload(owner, uploadId)
    const pieces = body.pieces
    const maxShard = maxShardSize(upload)
    const indices = new Set(pieces.map((p) => p.index))
    if (index >= segmentCount(upload) || pieces.length < upload.redundancy.n || pieces.length > upload.totalPieces || indices.size !== pieces.length || pieces.some((p) => p.index >= upload.totalPieces || p.size > maxShard)) {
      throw new W3aiError('STORAGE_UPLOAD_INVALID', `Segment ${index} needs ${upload.redundancy.n} to ${upload.totalPieces} distinct pieces of at most ${maxShard} bytes, indices below ${upload.totalPieces}.`)
    }
    const existing = await this.c.uploads.orders(upload.id, index)
    if (existing?.committed === true) throw new W3aiError('STORAGE_UPLOAD_INVALID', `Segment ${index} is already committed.`)
    const size = pieces[0]?.size ?? 0
    const targets = await this.c.placement.placePieces(pieces.length, size / GB)
    if (targets.length < upload.redundancy.n) {
      throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Only ${targets.length} online nodes can take pieces now; redundancy needs ${upload.redundancy.n}.`)
    }
    const placed = pieces.slice(0, targets.length).map((p, i) => ({ ...p, nodeId: targets[i]!.id, endpoint: targets[i]!.endpoint }))
    await this.c.uploads.saveOrders(upload.id, index, placed.map(({ index: pi, cid, nodeId, size: s }) => ({ index: pi, cid, nodeId, size: s })))
    return { placements: placed.map((p) => ({ index: p.index, cid: p.cid, nodeId: p.nodeId, endpoint: p.endpoint, order: issueOrder(this.c.networkKey, 'put', p.cid, p.nodeId, p.size) })) }
  }

  /** Records a segment's stored pieces from the nodes' signed receipts. */
  async commit(owner: string, uploadId: string, index: number, body: SegmentCommit): Promise<void> {
    const upload = await this.openUpload(owner, uploadId)
    const ordered = await this.c.uploads.orders(upload.id, index)
    if (ordered === undefined) throw new W3aiError('STORAGE_UPLOAD_INVALID', `No pieces were placed for segment ${index}; ask for orders first.`)
    if (body.plainSize !== expectedPlainSize(upload, index) || body.pieces.length < upload.redundancy.n) {
      throw new W3aiError('STORAGE_UPLOAD_INVALID', `Segment ${index} must hold ${expectedPlainSize(upload, index)} plaintext bytes in at least ${upload.redundancy.n} stored pieces.`)
    }
    const byIndex = new Map(ordered.placements.map((p) => [p.index, p]))
    const committed = []
    const seen = new Set<number>()
    for (const { index: pi, receipt } of body.pieces) {
      const placed = byIndex.get(pi)
      const r = receipt.receipt
      if (placed === undefined || seen.has(pi) || r.pieceCid !== placed.cid || r.nodeId !== placed.nodeId || r.size !== placed.size || r.size !== body.shardSize) {
        throw new W3aiError('STORAGE_RECEIPT_INVALID', `The receipt for piece ${pi} does not match what was placed.`)
      }
      const node = await this.c.nodes.get(r.nodeId)
      if (node === undefined || !verifyObject(node.publicKey, r, receipt.signature)) {
        throw new W3aiError('STORAGE_RECEIPT_INVALID', `The receipt for piece ${pi} is not signed by node ${r.nodeId}.`)
      }
      seen.add(pi)
      committed.push({ index: pi, cid: r.pieceCid, nodeId: r.nodeId, size: r.size, merkleRoot: r.merkleRoot })
    }
    await this.c.uploads.commitSegment(upload.id, index, body, committed)
  }

  /** Finishes an upload with its manifest and the wrapped object key; returns the object. */
  async complete(owner: string, uploadId: string, body: UploadComplete): Promise<ObjectSummary> {
    const upload = await this.openUpload(owner, uploadId)
    const bytes = Buffer.from(body.manifest, 'base64url')
    const manifest = decodeManifest(bytes)
    const { cid, bytes: canonical } = encodeManifest(manifest)
    const segments = await this.c.uploads.committedSegments(upload.id)
    if (!canonical.equals(bytes) || !manifestMatches(manifest, upload, segments)) throw new W3aiError('STORAGE_MANIFEST_INVALID')
    // Paid before the object exists: a refusal leaves the upload open to complete again.
    await this.c.billing?.escrow(upload.owner, upload.id, segments.reduce((sum, s) => sum + s.shardSize * s.pieces.length, 0))
    await this.c.objects.create({ cid, uploadId: upload.id, owner: upload.owner, name: upload.name, size: upload.size, manifest, repairThreshold: upload.redundancy.repairThreshold, wrappedKey: body.wrappedKey })
    await this.c.billing?.activated(upload.id)
    const stored = await this.c.objects.get(cid)
    return stored!.summary
  }

  /** One page of the objects the account may read, newest first. */
  async list(accountId: string, request: PageRequest = {}): Promise<ObjectList> {
    const page = await this.c.objects.listFor(accountId, request)
    return { objects: page.items, nextCursor: page.nextCursor }
  }

  /** An object's manifest, the reader's wrapped key, and where its pieces are, with get orders. */
  async detail(accountId: string, cid: string): Promise<ObjectDetail> {
    const { object, wrappedKey } = await this.readable(accountId, cid)
    const pieces = await this.c.objects.pieces(object.summary.cid)
    const segments = object.manifest.segments.map((_, seg) => {
      const mine = pieces.filter((p) => p.seg === seg)
      return {
        index: seg,
        healthy: mine.filter((p) => p.healthy).length,
        pieces: mine.map((p) => ({
          index: p.index,
          cid: p.cid,
          nodeId: p.nodeId,
          endpoint: p.endpoint,
          nodeStatus: p.nodeStatus,
          healthy: p.healthy,
          order: issueOrder(this.c.networkKey, 'get', p.cid, p.nodeId, p.size),
        })),
      }
    })
    return { object: object.summary, manifest: object.manifest, wrappedKey, segments }
  }

  /** Deletes an object its owner asks to delete; the collector removes its pieces from the nodes. */
  async delete(accountId: string, cid: string): Promise<void> {
    const { object } = await this.readable(accountId, cid)
    if (object.summary.owner !== accountId) throw new W3aiError('STORAGE_ACCESS_DENIED', 'Only the owner may delete an object.')
    await this.c.objects.delete(object.summary.cid)
    this.c.wakeCollector()
    await this.c.billing?.deleted(object.uploadId)
  }

  /** Stores the object's key re-wrapped to another account. */
  async share(accountId: string, cid: string, body: ShareCreate): Promise<void> {
    const { object } = await this.readable(accountId, cid)
    if (object.summary.owner !== accountId) throw new W3aiError('STORAGE_ACCESS_DENIED', 'Only the owner may share an object.')
    await this.c.accounts.requireAccount(body.accountId)
    await this.c.objects.share(object.summary.cid, body.accountId, body.wrappedKey, accountId)
  }

  private async readable(accountId: string, cid: string): ReturnType<ObjectStore['readableBy']> {
    checkCid(cid)
    return this.c.objects.readableBy(cid, accountId)
  }

  private async openUpload(owner: string, id: string): Promise<UploadRow> {
    const upload = await this.c.uploads.get(id)
    if (upload === undefined || upload.owner !== owner || upload.completed || upload.expiresAt.getTime() < this.now()) {
      throw new W3aiError('STORAGE_UPLOAD_NOT_FOUND')
    }
    return upload
  }
}
