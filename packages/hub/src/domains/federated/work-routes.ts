/** Federated routes for nodes (signed by the node): claim work for local datasets, fetch its parameters, answer it. */
import {
  ErrorBodySchema,
  FlClaimSchema,
  FlParametersSchema,
  FlWorkIdSchema,
  FlWorkReplySchema,
  FlWorkSchema,
  MAX_FL_BODY_BYTES,
  type FlClaim,
  type FlWorkReply,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { nodeOf } from '../../shell/auth.js'
import type { FederatedPluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const Params = Type.Object({ id: FlWorkIdSchema })

export const workRoutes: FastifyPluginAsync<FederatedPluginOptions> = async (app, { federated, nodes }) => {
  app.post<{ Body: FlClaim }>(
    '/fl/work/claim',
    { config: signed, schema: { tags: ['federated'], summary: 'A node leases federated work for the datasets it holds (signed by the node)', body: FlClaimSchema, response: { 200: Type.Object({ work: Type.Array(FlWorkSchema) }), default: ErrorBodySchema } } },
    async (request) => {
      const nodeId = nodeOf(request)
      await nodes.requireNode(nodeId)
      return { work: await federated.claim(nodeId, request.body) }
    },
  )

  app.get<{ Params: { id: string }; Querystring: { digest?: string } }>(
    '/fl/work/:id/parameters',
    {
      config: signed,
      schema: {
        tags: ['federated'],
        summary: 'The parameters a piece of work starts from, or (?digest) a neighbour model its message names (float32, base64; signed by the node holding it)',
        params: Params,
        querystring: Type.Object({ digest: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ parameters: FlParametersSchema }), default: ErrorBodySchema },
      },
    },
    async (request) => ({ parameters: await federated.workParameters(nodeOf(request), request.params.id, request.query.digest) }),
  )

  app.post<{ Params: { id: string }; Body: FlWorkReply }>(
    '/fl/work/:id/reply',
    {
      config: signed,
      // Parameters of large models: the signature and the declared length are checked before the body is read.
      bodyLimit: MAX_FL_BODY_BYTES,
      schema: { tags: ['federated'], summary: 'Answer a piece of work once, before its deadline: parameters, example count, metrics (signed by the node)', params: Params, body: FlWorkReplySchema, response: { 204: Type.Null(), default: ErrorBodySchema } },
    },
    async (request, reply) => {
      await federated.reply(nodeOf(request), request.params.id, request.body)
      return reply.status(204).send()
    },
  )
}
