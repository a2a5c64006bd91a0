/** Federated routes for people: node datasets (public, like the node list) and trainings (signed by their owner). */
import {
  DatasetListQuerySchema,
  DatasetListSchema,
  ErrorBodySchema,
  FlConfigSchema,
  FlGlobalParametersSchema,
  FlModelSchema,
  FlOwnerAggregateSchema,
  FlOwnerGlobalSchema,
  MAX_FL_BODY_BYTES,
  MAX_FL_CONFIG_BYTES,
  FlTrainingIdSchema,
  FlTrainingListSchema,
  FlTrainingQuerySchema,
  FlTrainingSchema,
  W3aiError,
  type DatasetListQuery,
  type FlConfig,
  type FlModel,
  type FlOwnerGlobal,
  type FlTrainingQuery,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf } from '../../shell/auth.js'
import type { FederatedPluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const Params = Type.Object({ id: FlTrainingIdSchema })

export const federatedRoutes: FastifyPluginAsync<FederatedPluginOptions> = async (app, { datasets, federated, accounts }) => {
  const member = async (request: FastifyRequest): Promise<string> => {
    const owner = accountOf(request)
    await accounts.requireAccount(owner)
    return owner
  }

  app.get<{ Querystring: DatasetListQuery }>(
    '/datasets',
    {
      schema: {
        tags: ['federated'],
        summary: 'Datasets nodes offer to federated trainings (name, schema, rows; the data stays on the node), by name then node, a page at a time',
        querystring: DatasetListQuerySchema,
        response: { 200: DatasetListSchema, default: ErrorBodySchema },
      },
    },
    async (request) => datasets.list(request.query),
  )

  app.post<{ Body: FlConfig }>(
    '/fl/trainings',
    {
      config: signed,
      // A CKKS public key makes configs larger than the default limit.
      bodyLimit: MAX_FL_CONFIG_BYTES,
      // A config that breaks the schema is FL_BAD_CONFIG naming the field, like every other config mistake.
      attachValidation: true,
      schema: {
        tags: ['federated'],
        summary: 'Start a federated training over node datasets (201; 200 with an idempotency key already used)',
        body: FlConfigSchema,
        response: { 200: FlTrainingSchema, 201: FlTrainingSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const invalid = request.validationError
      if (invalid !== undefined && invalid !== null) {
        const first = (invalid as { validation?: Array<{ instancePath: string; message?: string }> }).validation?.[0]
        const field = (first?.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.') || 'config'
        throw new W3aiError('FL_BAD_CONFIG', `${field} ${first?.message ?? 'is invalid'}.`, { field })
      }
      const { training, created } = await federated.create(await member(request), request.body)
      return reply.status(created ? 201 : 200).send(training)
    },
  )

  app.get<{ Querystring: FlTrainingQuery }>(
    '/fl/trainings',
    { config: signed, schema: { tags: ['federated'], summary: 'Your federated trainings, newest first, a page at a time: a summary each (setup, progress, latest accuracy and loss; the training itself has the rounds)', querystring: FlTrainingQuerySchema, response: { 200: FlTrainingListSchema, default: ErrorBodySchema } } },
    async (request) => federated.list(accountOf(request), request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/fl/trainings/:id',
    { config: signed, schema: { tags: ['federated'], summary: 'A federated training: status, clients, every round (accuracy, loss, participants, dropouts) and, when decentralized, the silos\' topology with its cycle time', params: Params, response: { 200: FlTrainingSchema, default: ErrorBodySchema } } },
    async (request) => federated.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/fl/trainings/:id/stop',
    { config: signed, schema: { tags: ['federated'], summary: 'Stop a running training after its last finished round (resume goes on from there)', params: Params, response: { 200: FlTrainingSchema, default: ErrorBodySchema } } },
    async (request) => federated.stop(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/fl/trainings/:id/resume',
    { config: signed, schema: { tags: ['federated'], summary: 'Resume a stopped or failed training at the round after its last finished one', params: Params, response: { 200: FlTrainingSchema, default: ErrorBodySchema } } },
    async (request) => federated.resume(accountOf(request), request.params.id),
  )

  app.get<{ Params: { id: string } }>(
    '/fl/trainings/:id/parameters',
    { config: signed, schema: { tags: ['federated'], summary: 'The global parameters after the last finished round (float32, base64), to export the model', params: Params, response: { 200: FlGlobalParametersSchema, default: ErrorBodySchema } } },
    async (request) => federated.globalParameters(accountOf(request), request.params.id),
  )

  app.get<{ Params: { id: string } }>(
    '/fl/trainings/:id/aggregate',
    { config: signed, schema: { tags: ['federated'], summary: 'Under ckks: the encrypted sum of the round waiting for you (only your secret key decrypts it)', params: Params, response: { 200: FlOwnerAggregateSchema, default: ErrorBodySchema } } },
    async (request) => federated.ownerAggregate(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string }; Body: FlOwnerGlobal }>(
    '/fl/trainings/:id/global',
    {
      config: signed,
      bodyLimit: MAX_FL_BODY_BYTES,
      schema: { tags: ['federated'], summary: 'Under ckks: the next global parameters, sealed with your model key, and the key wrapped to the nodes (the hub relays both unread)', params: Params, body: FlOwnerGlobalSchema, response: { 204: Type.Null(), default: ErrorBodySchema } },
    },
    async (request, reply) => {
      await federated.publishGlobal(accountOf(request), request.params.id, request.body)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: FlModel }>(
    '/fl/trainings/:id/model',
    { config: signed, schema: { tags: ['federated'], summary: 'Record the ONNX model you stored in W3S from this training (its CID becomes modelCid)', params: Params, body: FlModelSchema, response: { 200: FlTrainingSchema, default: ErrorBodySchema } } },
    async (request) => federated.setModel(accountOf(request), request.params.id, request.body.cid),
  )
}
