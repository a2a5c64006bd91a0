/** Node registration (signed by the node's key), listing and lookup. */
import { ErrorBodySchema, NodeIdSchema, NodeListQuerySchema, NodeListSchema, NodeRegistrationSchema, NodeSchema, type NodeListQuery, type NodeRegistration } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { signerOf } from '../../shell/auth.js'
import type { NodesPluginOptions } from './plugin.js'

export const nodeRoutes: FastifyPluginAsync<NodesPluginOptions> = async (app, { nodes, store }) => {
  app.post<{ Body: NodeRegistration }>(
    '',
    {
      config: { auth: 'signed' },
      schema: {
        tags: ['nodes'],
        summary: 'Register (or update) the node whose key signs the request',
        body: NodeRegistrationSchema,
        response: { 200: NodeSchema, 201: NodeSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { node, created } = await nodes.register(signerOf(request), request.body)
      return reply.status(created ? 201 : 200).send(node)
    },
  )

  app.get<{ Querystring: NodeListQuery }>(
    '',
    {
      schema: {
        tags: ['nodes'],
        summary: 'List nodes, filtered by status, region or executor, in pages ordered by id',
        querystring: NodeListQuerySchema,
        response: { 200: NodeListSchema, default: ErrorBodySchema },
      },
    },
    async (request) => store.list(request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/:id',
    { schema: { tags: ['nodes'], summary: 'One node', params: Type.Object({ id: NodeIdSchema }), response: { 200: NodeSchema, default: ErrorBodySchema } } },
    async (request) => nodes.get(request.params.id),
  )
}
