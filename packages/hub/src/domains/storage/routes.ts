/**
 * W3S storage API. The hub places pieces, signs orders, checks receipts and keeps manifests and
 * wrapped keys; it never sees plaintext or a usable key. All routes are signed by an account.
 */
import { randomBytes } from 'node:crypto'
import { verifyObject } from '@w3ai/crypto'
import {
  CidSchema,
  ErrorBodySchema,
  ObjectDetailSchema,
  ObjectSummarySchema,
  STORAGE_DEFAULTS,
  SegmentCommitSchema,
  SegmentOrdersRequestSchema,
  SegmentOrdersSchema,
  ShareCreateSchema,
  UploadCompleteSchema,
  UploadCreateSchema,
  UploadSchema,
  W3aiError,
  type ObjectDetail,
  type Redundancy,
  type SegmentCommit,
  type SegmentOrdersRequest,
  type ShareCreate,
  type UploadComplete,
  type UploadCreate,
} from '@w3ai/protocol'
import { decodeManifest, encodeManifest } from '@w3ai/storage'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { accountOf } from '../auth.js'
import type { HubContext } from '../context.js'
import { issueOrder } from '../storage/orders.js'
import { countPlaceable, placePieces } from '../storage/placement.js'
import type { UploadRow } from '../store/uploads.js'

const security = [{ w3aiSignature: [] }]
const UploadParams = Type.Object({ id: Type.String({ pattern: '^u_[0-9a-f]{24}$' }) })
const SegmentParams = Type.Object({ id: Type.String({ pattern: '^u_[0-9a-f]{24}$' }), index: Type.Integer({ minimum: 0, maximum: 10_000_000 }) })
const CidParams = Type.Object({ cid: Type.String({ maxLength: 200 }) })
const GB = 1024 ** 3

// The Reed–Solomon coder handles up to 24 data and 6 parity shards per segment.
const MAX_K = 24
const MAX_PARITY = 6

function checkRedundancy(r: Redundancy): void {
  if (!(r.k < r.n && r.k <= MAX_K && r.n - r.k <= MAX_PARITY && r.repairThreshold >= r.k && r.repairThreshold <= r.n)) {
    throw new W3aiError(
      'STORAGE_BAD_REDUNDANCY',
      `Redundancy ${r.k}/${r.n} with repair threshold ${r.repairThreshold} is invalid: need 1 <= K < N, K <= ${MAX_K}, N - K <= ${MAX_PARITY}, K <= repair <= N.`,
    )
  }
}

function checkCid(cid: string): void {
  if (!CID_RE.test(cid)) throw new W3aiError('STORAGE_BAD_CID', `"${cid.slice(0, 80)}" is not a CIDv1 in base32.`)
}
const CID_RE = new RegExp((CidSchema as { pattern: string }).pattern)

function segmentCount(u: UploadRow): number {
  return Math.max(1, Math.ceil(u.size / u.segmentSize))
}

function expectedPlainSize(u: UploadRow, seg: number): number {
  if (u.size === 0) return 0
  return Math.min(u.segmentSize, u.size - seg * u.segmentSize)
}

export async function storageRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  const sign = ctx.requireSignature

  async function openUpload(request: FastifyRequest, id: string): Promise<UploadRow> {
    const upload = await ctx.uploads.get(id)
    if (upload === undefined || upload.owner !== accountOf(request) || upload.completed || upload.expiresAt.getTime() < Date.now()) {
      throw new W3aiError('STORAGE_UPLOAD_NOT_FOUND')
    }
    return upload
  }

  app.post<{ Body: UploadCreate }>(
    '/v1/storage/uploads',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'Start an upload: checks quota and redundancy, returns the upload', security, body: UploadCreateSchema, response: { 201: UploadSchema, default: ErrorBodySchema } } },
    async (request, reply) => {
      const owner = accountOf(request)
      if ((await ctx.accounts.get(owner)) === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
      const redundancy = request.body.redundancy ?? { k: STORAGE_DEFAULTS.k, n: STORAGE_DEFAULTS.n, repairThreshold: STORAGE_DEFAULTS.repairThreshold }
      checkRedundancy(redundancy)
      const segmentSize = request.body.segmentSize ?? STORAGE_DEFAULTS.segmentSize
      const used = await ctx.uploads.usedBytes(owner)
      if (used + request.body.size > ctx.storageQuotaBytes) {
        throw new W3aiError('STORAGE_QUOTA_EXCEEDED', `This upload of ${request.body.size} bytes would bring you to ${used + request.body.size} of your ${ctx.storageQuotaBytes}-byte quota.`)
      }
      const pieceGb = Math.ceil(Math.min(segmentSize, Math.max(request.body.size, 1)) / redundancy.k) / GB
      const placeable = await countPlaceable(ctx.db, pieceGb)
      if (placeable < redundancy.n) {
        throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Redundancy ${redundancy.k}/${redundancy.n} needs ${redundancy.n} online nodes with free space; ${placeable} are available.`)
      }
      const id = `u_${randomBytes(12).toString('hex')}`
      const expiresAt = new Date(Date.now() + 24 * 3600_000)
      const totalPieces = Math.min(redundancy.n + STORAGE_DEFAULTS.longTail, redundancy.k + MAX_PARITY, placeable)
      await ctx.uploads.create({ id, owner, name: request.body.name ?? null, size: request.body.size, segmentSize, redundancy, totalPieces, expiresAt })
      return reply.status(201).send({ uploadId: id, segmentSize, redundancy, totalPieces, merkleLeafSize: STORAGE_DEFAULTS.merkleLeafSize, expiresAt: expiresAt.toISOString() })
    },
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentOrdersRequest }>(
    '/v1/storage/uploads/:id/segments/:index/orders',
    { preValidation: sign, schema: { tags: ['storage'], summary: "Place a segment's pieces on distinct nodes and sign put orders", security, params: SegmentParams, body: SegmentOrdersRequestSchema, response: { 200: SegmentOrdersSchema, default: ErrorBodySchema } } },
    async (request) => {
      const upload = await openUpload(request, request.params.id)
      const { index } = request.params
      const pieces = request.body.pieces
      const maxShard = Math.ceil(Math.max(upload.segmentSize + 16, 16) / upload.redundancy.k) + 8
      const indices = new Set(pieces.map((p) => p.index))
      if (index >= segmentCount(upload) || pieces.length < upload.redundancy.n || pieces.length > upload.totalPieces || indices.size !== pieces.length || pieces.some((p) => p.index >= upload.totalPieces || p.size > maxShard)) {
        throw new W3aiError('STORAGE_UPLOAD_INVALID', `Segment ${index} needs ${upload.redundancy.n} to ${upload.totalPieces} distinct pieces of at most ${maxShard} bytes, indices below ${upload.totalPieces}.`)
      }
      const existing = await ctx.uploads.orders(upload.id, index)
      if (existing?.committed === true) throw new W3aiError('STORAGE_UPLOAD_INVALID', `Segment ${index} is already committed.`)
      const size = pieces[0]?.size ?? 0
      const targets = await placePieces(ctx.db, pieces.length, size / GB)
      if (targets.length < upload.redundancy.n) {
        throw new W3aiError('STORAGE_NOT_ENOUGH_NODES', `Only ${targets.length} online nodes can take pieces now; redundancy needs ${upload.redundancy.n}.`)
      }
      const placed = pieces.slice(0, targets.length).map((p, i) => ({ ...p, nodeId: targets[i]!.id, endpoint: targets[i]!.endpoint }))
      await ctx.uploads.saveOrders(upload.id, index, placed.map(({ index: pi, cid, nodeId, size: s }) => ({ index: pi, cid, nodeId, size: s })))
      return {
        placements: placed.map((p) => ({ index: p.index, cid: p.cid, nodeId: p.nodeId, endpoint: p.endpoint, order: issueOrder(ctx.networkKey, 'put', p.cid, p.nodeId, p.size) })),
      }
    },
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentCommit }>(
    '/v1/storage/uploads/:id/segments/:index/commit',
    { preValidation: sign, schema: { tags: ['storage'], summary: "Record a segment's stored pieces from the nodes' signed receipts", security, params: SegmentParams, body: SegmentCommitSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      const upload = await openUpload(request, request.params.id)
      const { index } = request.params
      const ordered = await ctx.uploads.orders(upload.id, index)
      if (ordered === undefined) throw new W3aiError('STORAGE_UPLOAD_INVALID', `No pieces were placed for segment ${index}; ask for orders first.`)
      const body = request.body
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
        const node = await ctx.nodes.get(r.nodeId)
        if (node === undefined || !verifyObject(node.publicKey, r, receipt.signature)) {
          throw new W3aiError('STORAGE_RECEIPT_INVALID', `The receipt for piece ${pi} is not signed by node ${r.nodeId}.`)
        }
        seen.add(pi)
        committed.push({ index: pi, cid: r.pieceCid, nodeId: r.nodeId, size: r.size, merkleRoot: r.merkleRoot })
      }
      await ctx.uploads.commitSegment(upload.id, index, body, committed)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: UploadComplete }>(
    '/v1/storage/uploads/:id/complete',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'Finish an upload with its manifest and the wrapped object key; returns the object', security, params: UploadParams, body: UploadCompleteSchema, response: { 201: ObjectSummarySchema, default: ErrorBodySchema } } },
    async (request, reply) => {
      const upload = await openUpload(request, request.params.id)
      const bytes = Buffer.from(request.body.manifest, 'base64url')
      const manifest = decodeManifest(bytes)
      const { cid, bytes: canonical } = encodeManifest(manifest)
      const segments = await ctx.uploads.committedSegments(upload.id)
      const mismatch =
        !canonical.equals(bytes) ||
        manifest.size !== upload.size ||
        manifest.segmentSize !== upload.segmentSize ||
        manifest.erasure.k !== upload.redundancy.k ||
        manifest.erasure.n !== upload.redundancy.n ||
        manifest.segments.length !== segmentCount(upload) ||
        segments.length !== manifest.segments.length ||
        manifest.segments.some((s, i) => {
          const c = segments[i]
          return (
            c === undefined ||
            c.seg !== i ||
            c.plainSize !== s.plainSize ||
            c.cipherSize !== s.cipherSize ||
            c.shardSize !== s.shardSize ||
            JSON.stringify(c.pieces) !== JSON.stringify(s.pieces.map((p) => ({ index: p.index, cid: p.cid })))
          )
        })
      if (mismatch) throw new W3aiError('STORAGE_MANIFEST_INVALID')
      await ctx.objects.create({ cid, uploadId: upload.id, owner: upload.owner, name: upload.name, size: upload.size, manifest, repairThreshold: upload.redundancy.repairThreshold, wrappedKey: request.body.wrappedKey })
      const stored = await ctx.objects.get(cid)
      return reply.status(201).send(stored!.summary)
    },
  )

  app.get(
    '/v1/storage/objects',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'Objects you own or that were shared with you', security, response: { 200: Type.Object({ objects: Type.Array(ObjectSummarySchema) }), default: ErrorBodySchema } } },
    async (request) => ({ objects: await ctx.objects.listFor(accountOf(request)) }),
  )

  async function readable(request: FastifyRequest, cid: string) {
    checkCid(cid)
    return ctx.objects.readableBy(cid, accountOf(request))
  }

  app.get<{ Params: { cid: string } }>(
    '/v1/storage/objects/:cid',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'An object: manifest, your wrapped key, and where its pieces are, with get orders', security, params: CidParams, response: { 200: ObjectDetailSchema, default: ErrorBodySchema } } },
    async (request): Promise<ObjectDetail> => {
      const { object, wrappedKey } = await readable(request, request.params.cid)
      const pieces = await ctx.objects.pieces(object.summary.cid)
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
            order: issueOrder(ctx.networkKey, 'get', p.cid, p.nodeId, p.size),
          })),
        }
      })
      return { object: object.summary, manifest: object.manifest, wrappedKey, segments }
    },
  )

  app.delete<{ Params: { cid: string } }>(
    '/v1/storage/objects/:cid',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'Delete an object you own; its pieces are removed from the nodes', security, params: CidParams, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      const { object } = await readable(request, request.params.cid)
      if (object.summary.owner !== accountOf(request)) throw new W3aiError('STORAGE_ACCESS_DENIED', 'Only the owner may delete an object.')
      await ctx.objects.delete(object.summary.cid)
      ctx.collector.wake()
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { cid: string }; Body: ShareCreate }>(
    '/v1/storage/objects/:cid/shares',
    { preValidation: sign, schema: { tags: ['storage'], summary: 'Share an object: store its key re-wrapped to another account', security, params: CidParams, body: ShareCreateSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      const { object } = await readable(request, request.params.cid)
      const me = accountOf(request)
      if (object.summary.owner !== me) throw new W3aiError('STORAGE_ACCESS_DENIED', 'Only the owner may share an object.')
      if ((await ctx.accounts.get(request.body.accountId)) === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
      await ctx.objects.share(object.summary.cid, request.body.accountId, request.body.wrappedKey, me)
      return reply.status(204).send()
    },
  )
}
