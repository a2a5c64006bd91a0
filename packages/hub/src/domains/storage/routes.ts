/** W3S storage routes: thin handlers over the storage service. */
import {
  ErrorBodySchema,
  ObjectDetailSchema,
  ObjectListSchema,
  ObjectSummarySchema,
  PageQuerySchema,
  SegmentCommitSchema,
  SegmentOrdersRequestSchema,
  SegmentOrdersSchema,
  ShareCreateSchema,
  UploadCompleteSchema,
  UploadCreateSchema,
  UploadSchema,
  type PageQuery,
  type SegmentCommit,
  type SegmentOrdersRequest,
  type ShareCreate,
  type UploadComplete,
  type UploadCreate,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { accountOf } from '../../shell/auth.js'
import type { StoragePluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const tags = ['storage']
const UploadParams = Type.Object({ id: Type.String({ pattern: '^u_[0-9a-f]{24}$' }) })
const SegmentParams = Type.Object({ id: Type.String({ pattern: '^u_[0-9a-f]{24}$' }), index: Type.Integer({ minimum: 0, maximum: 10_000_000 }) })
const CidParams = Type.Object({ cid: Type.String({ maxLength: 200 }) })

export const storageRoutes: FastifyPluginAsync<StoragePluginOptions> = async (app, { storage }) => {
  app.post<{ Body: UploadCreate }>(
    '/uploads',
    { config: signed, schema: { tags, summary: 'Start an upload: checks quota and redundancy, returns the upload', body: UploadCreateSchema, response: { 201: UploadSchema, default: ErrorBodySchema } } },
    async (request, reply) => reply.status(201).send(await storage.createUpload(accountOf(request), request.body)),
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentOrdersRequest }>(
    '/uploads/:id/segments/:index/orders',
    { config: signed, schema: { tags, summary: "Place a segment's pieces on distinct nodes and sign put orders", params: SegmentParams, body: SegmentOrdersRequestSchema, response: { 200: SegmentOrdersSchema, default: ErrorBodySchema } } },
    async (request) => storage.orders(accountOf(request), request.params.id, request.params.index, request.body),
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentCommit }>(
    '/uploads/:id/segments/:index/commit',
    { config: signed, schema: { tags, summary: "Record a segment's stored pieces from the nodes' signed receipts", params: SegmentParams, body: SegmentCommitSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await storage.commit(accountOf(request), request.params.id, request.params.index, request.body)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: UploadComplete }>(
    '/uploads/:id/complete',
    { config: signed, schema: { tags, summary: 'Finish an upload with its manifest and the wrapped object key; returns the object', params: UploadParams, body: UploadCompleteSchema, response: { 201: ObjectSummarySchema, default: ErrorBodySchema } } },
    async (request, reply) => reply.status(201).send(await storage.complete(accountOf(request), request.params.id, request.body)),
  )

  app.get<{ Querystring: PageQuery }>(
    '/objects',
    { config: signed, schema: { tags, summary: 'Objects you own or that were shared with you, newest first, a page at a time (?limit, ?cursor = the previous nextCursor)', querystring: PageQuerySchema, response: { 200: ObjectListSchema, default: ErrorBodySchema } } },
    async (request) => storage.list(accountOf(request), request.query),
  )

  app.get<{ Params: { cid: string } }>(
    '/objects/:cid',
    { config: signed, schema: { tags, summary: 'An object: its summary with its health (healthy, repairing, under-replicated or lost; healthyPieces, needed, target), manifest, your wrapped key, and where its pieces are, with get orders', params: CidParams, response: { 200: ObjectDetailSchema, default: ErrorBodySchema } } },
    async (request) => storage.detail(accountOf(request), request.params.cid),
  )

  app.delete<{ Params: { cid: string } }>(
    '/objects/:cid',
    { config: signed, schema: { tags, summary: 'Delete an object you own; its pieces are removed from the nodes', params: CidParams, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await storage.delete(accountOf(request), request.params.cid)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { cid: string }; Body: ShareCreate }>(
    '/objects/:cid/shares',
    { config: signed, schema: { tags, summary: 'Share an object: store its key re-wrapped to another account', params: CidParams, body: ShareCreateSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await storage.share(accountOf(request), request.params.cid, request.body)
      return reply.status(204).send()
    },
  )
}
