/** Node registration (signed by the node's key), listing and lookup. */
import { idFromPublicKey } from '@w3ai/crypto'
import {
  ErrorBodySchema,
  NodeIdSchema,
  NodeListQuerySchema,
  NodeListSchema,
  NodeRegistrationSchema,
  NodeSchema,
  W3aiError,
  type NodeListQuery,
  type NodeRegistration,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { signerOf } from '../auth.js'
import type { HubContext } from '../context.js'

export async function nodeRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  app.post<{ Body: NodeRegistration }>(
    '/v1/nodes',
    {
      preValidation: ctx.requireSignature,
      schema: {
        tags: ['nodes'],
        summary: 'Register (or update) the node whose key signs the request',
        security: [{ w3aiSignature: [] }],
        body: NodeRegistrationSchema,
        response: { 200: NodeSchema, 201: NodeSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const publicKey = signerOf(request)
      const id = idFromPublicKey('node', publicKey)
      const { node, created } = await ctx.nodes.upsert(id, publicKey, request.body, ctx.hubId)
      ctx.metrics.registrations.inc({ kind: 'node' })
      ctx.bus.publish({ type: 'node.registered', node })
      return reply.status(created ? 201 : 200).send(node)
    },
  )

  app.get<{ Querystring: NodeListQuery }>(
    '/v1/nodes',
    {
      schema: {
        tags: ['nodes'],
        summary: 'List nodes, filtered by status, region or executor, in pages ordered by id',
        querystring: NodeListQuerySchema,
        response: { 200: NodeListSchema, default: ErrorBodySchema },
      },
    },
    async (request) => ctx.nodes.list(request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/v1/nodes/:id',
    {
      schema: {
        tags: ['nodes'],
        summary: 'One node',
        params: Type.Object({ id: NodeIdSchema }),
        response: { 200: NodeSchema, default: ErrorBodySchema },
      },
    },
    async (request) => {
      const node = await ctx.nodes.get(request.params.id)
      if (node === undefined) throw new W3aiError('NODE_NOT_FOUND')
      return node
    },
  )
}
