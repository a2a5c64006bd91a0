/** Model serving: deployments (signed by accounts), inference through the hub, and the nodes' side (signed by nodes). */
import { randomUUID } from 'node:crypto'
import {
  DeploymentCandidatesSchema,
  DeploymentCreateSchema,
  DeploymentIdSchema,
  DeploymentKeysSchema,
  DeploymentListSchema,
  DeploymentSchema,
  ErrorBodySchema,
  InferRequestSchema,
  InferResponseSchema,
  MAX_INFER_BODY_BYTES,
  PageQuerySchema,
  ServingAssignmentSchema,
  ServingModelSchema,
  ServingStateSchema,
  TENSOR_FRAME_TYPE,
  TicketGrantSchema,
  TicketRequestSchema,
  W3aiError,
  type TicketRequest,
  type DeploymentCreate,
  type DeploymentKeys,
  type PageQuery,
  type ServingState,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf, nodeOf, signerOf } from '../../shell/auth.js'
import type { ServingPluginOptions } from './plugin.js'
import type { InferWire, PaidCall } from './service.js'

const signed = { auth: 'signed' } as const
const Params = Type.Object({ id: DeploymentIdSchema })
const DEPLOYMENT_ID = new RegExp((DeploymentIdSchema as { pattern: string }).pattern)


export const servingRoutes: FastifyPluginAsync<ServingPluginOptions> = async (app, { serving, accounts, nodes }) => {
  const member = async (request: FastifyRequest): Promise<string> => {
    const owner = accountOf(request)
    await accounts.requireAccount(owner)
    return owner
  }

  app.post<{ Body: DeploymentCreate }>(
    '/deployments',
    {
      config: signed,
      schema: {
        tags: ['serving'],
        summary: 'Deploy a stored ONNX model for inference; answers the nodes to wrap the model key to',
        body: DeploymentCreateSchema,
        response: { 201: DeploymentCandidatesSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await serving.create(await member(request), request.body)),
  )

  app.post<{ Params: { id: string }; Body: DeploymentKeys }>(
    '/deployments/:id/keys',
    { config: signed, schema: { tags: ['serving'], summary: 'The model key wrapped to the chosen nodes (at creation or to replace lost replicas); they start loading it', params: Params, body: DeploymentKeysSchema, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.provideKeys(accountOf(request), request.params.id, request.body),
  )

  app.post<{ Params: { id: string } }>(
    '/deployments/:id/replicas',
    { config: signed, schema: { tags: ['serving'], summary: 'Replace replicas lost with their nodes: answers new nodes to wrap the model key to (then POST …/keys)', params: Params, response: { 200: DeploymentCandidatesSchema, default: ErrorBodySchema } } },
    async (request) => serving.offerReplacements(accountOf(request), request.params.id),
  )

  app.get<{ Querystring: PageQuery }>(
    '/deployments',
    { config: signed, schema: { tags: ['serving'], summary: 'Your deployments, newest first, a page at a time (?limit, ?cursor = the previous nextCursor)', querystring: PageQuerySchema, response: { 200: DeploymentListSchema, default: ErrorBodySchema } } },
    async (request) => serving.list(accountOf(request), request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/deployments/:id',
    { config: signed, schema: { tags: ['serving'], summary: 'A deployment: status, replicas, model inputs and outputs, request counts', params: Params, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/deployments/:id/stop',
    { config: signed, schema: { tags: ['serving'], summary: 'Stop serving; the nodes unload the model', params: Params, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.stopDeployment(accountOf(request), request.params.id),
  )

  // Inference bodies can be large and are only forwarded: they are kept as bytes, never parsed here.
  // The signature headers and the declared length are checked before a byte of the body is read.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers()
    const keep = (request: FastifyRequest, body: string | Buffer, done: (err: null, body: unknown) => void): void => {
      request.rawBody = body as Buffer
      done(null, body)
    }
    raw.addContentTypeParser('application/json', { parseAs: 'buffer' }, keep)
    raw.addContentTypeParser(TENSOR_FRAME_TYPE, { parseAs: 'buffer' }, keep)
    raw.post<{ Params: { id: string } }>(
      '/deployments/:id/infer',
      {
        config: signed,
        bodyLimit: MAX_INFER_BODY_BYTES,
        // The body is checked by the serving node against the model; the schema here documents it.
        validatorCompiler: () => () => true,
        schema: {
          tags: ['serving'],
          summary: `Run inference on a deployment: JSON tensors in, JSON tensors out (batched with other requests on the node); or binary tensor frames (${TENSOR_FRAME_TYPE}, see Binary tensors), the answer a frame when Accept names one`,
          params: Params,
          body: InferRequestSchema,
          response: { 200: InferResponseSchema, default: ErrorBodySchema },
        },
      },
      async (request, reply) => {
        if (!DEPLOYMENT_ID.test(request.params.id)) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
        const body = request.rawBody
        if (body === undefined || body.length === 0) throw new W3aiError('VALIDATION_FAILED', 'Send the inputs as a JSON body: { "inputs": { "<name>": { "type", "dims", "data" } } }.')
        const contentType = request.headers['content-type'] ?? 'application/json'
        const accept = request.headers.accept
        const wire: InferWire = { contentType, ...(accept === undefined ? {} : { accept }), ...(request.bodyDigest === undefined ? {} : { digest: request.bodyDigest }) }
        const answer = await serving.infer(accountOf(request), request.params.id, body, paidCall(request.headers), wire)
        const hub = `hub;dur=${reply.elapsedTime.toFixed(2)}`
        return reply
          .status(answer.status)
          .header('content-type', answer.contentType)
          .header('x-w3ai-node', answer.nodeId)
          .header('server-timing', answer.timing === undefined ? hub : `${hub}, ${answer.timing}`)
          .send(answer.body)
      },
    )
  })

  app.post<{ Params: { id: string }; Body: TicketRequest | undefined }>(
    '/deployments/:id/tickets',
    {
      config: signed,
      schema: {
        tags: ['serving'],
        summary: "A direct ticket: call one of your deployment's nodes without the hub (POST {endpoint}/v1/serve/{id} with x-w3ai-ticket, signed by the same key); refused (TICKET_REFUSED) for calls paid from an order or billed per call",
        params: Params,
        body: Type.Optional(TicketRequestSchema),
        response: { 201: TicketGrantSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const paid = request.headers['x-w3ai-order'] !== undefined
      return reply.status(201).send(await serving.ticket(accountOf(request), signerOf(request), request.params.id, request.body ?? {}, paid))
    },
  )

  app.get(
    '/serving/assignments',
    { config: signed, schema: { tags: ['serving'], summary: 'The models this node should keep loaded (signed by the node)', response: { 200: Type.Object({ assignments: Type.Array(ServingAssignmentSchema) }), default: ErrorBodySchema } } },
    async (request) => {
      const nodeId = nodeOf(request)
      await nodes.requireNode(nodeId)
      return { assignments: await serving.assignments(nodeId) }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/serving/:id/model',
    { config: signed, schema: { tags: ['serving'], summary: "How a serving node fetches and opens its deployment's model: manifest, pieces with get orders, the key wrapped to it (signed by the node)", params: Params, response: { 200: ServingModelSchema, default: ErrorBodySchema } } },
    async (request) => serving.model(nodeOf(request), request.params.id),
  )

  app.post<{ Params: { id: string }; Body: ServingState }>(
    '/serving/:id/state',
    { config: signed, schema: { tags: ['serving'], summary: 'A node reports that it loaded a model (ready) or could not (failed)', params: Params, body: ServingStateSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await serving.report(nodeOf(request), request.params.id, request.body)
      return reply.status(204).send()
    },
  )
}

const ORDER_ID = /^o_[0-9a-f]{16}$/
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/

/**
 * A call paid from a per-call purchase: `x-w3ai-order` names the buyer's order and
 * `idempotency-key` the request (a retry with the same key counts one call); without a key each
 * request counts.
 */
function paidCall(headers: Record<string, string | string[] | undefined>): PaidCall | undefined {
  const order = headers['x-w3ai-order']
  if (order === undefined) return undefined
  if (typeof order !== 'string' || !ORDER_ID.test(order)) throw new W3aiError('VALIDATION_FAILED', 'x-w3ai-order must name an order (o_ and 16 hex digits).')
  const key = headers['idempotency-key']
  if (key !== undefined && (typeof key !== 'string' || !REQUEST_ID.test(key))) throw new W3aiError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 64 letters, digits, _ or -.')
  return { orderId: order, requestId: typeof key === 'string' ? key : randomUUID() }
}
