/** Pipeline routes, every one signed by the pipeline's owner; thin handlers over the pipeline service. */
import {
  ErrorBodySchema,
  IDEMPOTENCY_HEADER,
  IdempotencyKeySchema,
  MAX_PIPELINE_BODY_BYTES,
  PageQuerySchema,
  PipelineCreateSchema,
  PipelineIdSchema,
  PipelineListSchema,
  PipelineSchema,
  SegmentAnswerSchema,
  SegmentCollectedSchema,
  SegmentPostSchema,
  type PageQuery,
  type PipelineCreate,
  type SegmentCollected,
  type SegmentPost,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf } from '../../shell/auth.js'
import type { PipelinePluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const Params = Type.Object({ id: PipelineIdSchema })
// Out-of-range indexes are PIPELINE_BAD_SEGMENT (the service knows the pipeline's segment count).
const SegmentParams = Type.Object({ id: PipelineIdSchema, index: Type.Integer({ minimum: 0, maximum: 999_999 }) })
const IdempotencyHeaders = Type.Object({ [IDEMPOTENCY_HEADER]: Type.Optional(IdempotencyKeySchema) })
type Idempotent = { [IDEMPOTENCY_HEADER]?: string }

export const pipelineRoutes: FastifyPluginAsync<PipelinePluginOptions> = async (app, { pipelines, accounts }) => {
  const member = async (request: FastifyRequest): Promise<string> => {
    const owner = accountOf(request)
    await accounts.requireAccount(owner)
    return owner
  }

  app.post<{ Body: PipelineCreate; Headers: Idempotent }>(
    '',
    {
      config: signed,
      bodyLimit: MAX_PIPELINE_BODY_BYTES,
      schema: {
        tags: ['pipeline'],
        summary: 'Start a secure inference pipeline over a stored model (201; 200 with an Idempotency-Key already used)',
        headers: IdempotencyHeaders,
        body: PipelineCreateSchema,
        response: { 200: PipelineSchema, 201: PipelineSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { pipeline, created } = await pipelines.create(await member(request), request.body, request.headers[IDEMPOTENCY_HEADER])
      return reply.status(created ? 201 : 200).send(pipeline)
    },
  )

  app.get<{ Querystring: PageQuery }>(
    '',
    { config: signed, schema: { tags: ['pipeline'], summary: 'Your pipelines, newest first, with segments counted by stage, a page at a time', querystring: PageQuerySchema, response: { 200: PipelineListSchema, default: ErrorBodySchema } } },
    async (request) => pipelines.list(accountOf(request), request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/:id',
    { config: signed, schema: { tags: ['pipeline'], summary: 'A pipeline with every segment: its job, node, attempts and stages', params: Params, response: { 200: PipelineSchema, default: ErrorBodySchema } } },
    async (request) => pipelines.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentPost; Headers: Idempotent }>(
    '/:id/segments/:index',
    {
      config: signed,
      bodyLimit: MAX_PIPELINE_BODY_BYTES,
      schema: {
        tags: ['pipeline'],
        summary: "Post a stored encrypted segment: submits its job (result sealed to you) and answers the nodes to wrap the input keys to (POST /v1/jobs/:id/keys)",
        headers: IdempotencyHeaders,
        params: SegmentParams,
        body: SegmentPostSchema,
        response: { 201: SegmentAnswerSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { id, index } = request.params
      return reply.status(201).send(await pipelines.postSegment(await member(request), id, index, request.body, request.headers[IDEMPOTENCY_HEADER]))
    },
  )

  app.post<{ Params: { id: string; index: number }; Body: SegmentCollected }>(
    '/:id/segments/:index/collected',
    {
      config: signed,
      bodyLimit: MAX_PIPELINE_BODY_BYTES,
      schema: {
        tags: ['pipeline'],
        summary: "The segment's sealed result is stored in W3S (and decrypted): marks its collect stage",
        params: SegmentParams,
        body: SegmentCollectedSchema,
        response: { 200: PipelineSchema, default: ErrorBodySchema },
      },
    },
    async (request) => pipelines.collected(accountOf(request), request.params.id, request.params.index, request.body),
  )
}
