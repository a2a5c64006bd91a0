/** Model serving: deployments (signed by accounts), inference through the hub, and the nodes' side (signed by nodes). */
import {
  DeploymentCandidatesSchema,
  DeploymentCreateSchema,
  DeploymentIdSchema,
  DeploymentKeysSchema,
  DeploymentSchema,
  ErrorBodySchema,
  InferRequestSchema,
  InferResponseSchema,
  MAX_INFER_BODY_BYTES,
  ServingAssignmentSchema,
  ServingModelSchema,
  ServingStateSchema,
  W3aiError,
  type DeploymentCreate,
  type DeploymentKeys,
  type ServingState,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { accountOf, nodeOf } from '../auth.js'
import type { HubContext } from '../context.js'

const security = [{ w3aiSignature: [] }]
const Params = Type.Object({ id: DeploymentIdSchema })
const DEPLOYMENT_ID = new RegExp((DeploymentIdSchema as { pattern: string }).pattern)


export async function servingRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  const sign = ctx.requireSignature
  const serving = ctx.serving

  const member = async (request: FastifyRequest): Promise<string> => {
    const owner = accountOf(request)
    if ((await ctx.accounts.get(owner)) === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
    return owner
  }

  app.post<{ Body: DeploymentCreate }>(
    '/v1/deployments',
    {
      preValidation: sign,
      schema: {
        tags: ['serving'],
        summary: 'Deploy a stored ONNX model for inference; answers the nodes to wrap the model key to',
        security,
        body: DeploymentCreateSchema,
        response: { 201: DeploymentCandidatesSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await serving.create(await member(request), request.body)),
  )

  app.post<{ Params: { id: string }; Body: DeploymentKeys }>(
    '/v1/deployments/:id/keys',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'The model key wrapped to the chosen nodes (at creation or to replace lost replicas); they start loading it', security, params: Params, body: DeploymentKeysSchema, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.provideKeys(accountOf(request), request.params.id, request.body),
  )

  app.post<{ Params: { id: string } }>(
    '/v1/deployments/:id/replicas',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'Replace replicas lost with their nodes: answers new nodes to wrap the model key to (then POST …/keys)', security, params: Params, response: { 200: DeploymentCandidatesSchema, default: ErrorBodySchema } } },
    async (request) => serving.offerReplacements(accountOf(request), request.params.id),
  )

  app.get(
    '/v1/deployments',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'Your deployments, newest first', security, response: { 200: Type.Object({ deployments: Type.Array(DeploymentSchema) }), default: ErrorBodySchema } } },
    async (request) => ({ deployments: await serving.list(accountOf(request)) }),
  )

  app.get<{ Params: { id: string } }>(
    '/v1/deployments/:id',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'A deployment: status, replicas, model inputs and outputs, request counts', security, params: Params, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/v1/deployments/:id/stop',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'Stop serving; the nodes unload the model', security, params: Params, response: { 200: DeploymentSchema, default: ErrorBodySchema } } },
    async (request) => serving.stopDeployment(accountOf(request), request.params.id),
  )

  // Inference bodies can be large and are only forwarded: they are kept as bytes, never parsed here.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers()
    raw.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_INFER_BODY_BYTES }, (request, body, done) => {
      request.rawBody = body as Buffer
      done(null, body)
    })
    raw.post<{ Params: { id: string } }>(
      '/v1/deployments/:id/infer',
      {
        preValidation: sign,
        // The body is checked by the serving node against the model; the schema here documents it.
        validatorCompiler: () => () => true,
        schema: {
          tags: ['serving'],
          summary: 'Run inference on a deployment: JSON tensors in, JSON tensors out (batched with other requests on the node)',
          security,
          params: Params,
          body: InferRequestSchema,
          response: { 200: InferResponseSchema, default: ErrorBodySchema },
        },
      },
      async (request, reply) => {
        if (!DEPLOYMENT_ID.test(request.params.id)) throw new W3aiError('DEPLOYMENT_NOT_FOUND')
        const body = request.rawBody
        if (body === undefined || body.length === 0) throw new W3aiError('VALIDATION_FAILED', 'Send the inputs as a JSON body: { "inputs": { "<name>": { "type", "dims", "data" } } }.')
        const answer = await serving.infer(accountOf(request), request.params.id, body)
        const hub = `hub;dur=${reply.elapsedTime.toFixed(2)}`
        return reply
          .status(answer.status)
          .header('content-type', 'application/json; charset=utf-8')
          .header('x-w3ai-node', answer.nodeId)
          .header('server-timing', answer.timing === undefined ? hub : `${hub}, ${answer.timing}`)
          .send(answer.body)
      },
    )
  })

  app.get(
    '/v1/serving/assignments',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'The models this node should keep loaded (signed by the node)', security, response: { 200: Type.Object({ assignments: Type.Array(ServingAssignmentSchema) }), default: ErrorBodySchema } } },
    async (request) => {
      const nodeId = nodeOf(request)
      if (!(await ctx.nodes.exists(nodeId))) throw new W3aiError('NODE_NOT_REGISTERED')
      return { assignments: await serving.assignments(nodeId) }
    },
  )

  app.get<{ Params: { id: string } }>(
    '/v1/serving/:id/model',
    { preValidation: sign, schema: { tags: ['serving'], summary: "How a serving node fetches and opens its deployment's model: manifest, pieces with get orders, the key wrapped to it (signed by the node)", security, params: Params, response: { 200: ServingModelSchema, default: ErrorBodySchema } } },
    async (request) => serving.model(nodeOf(request), request.params.id),
  )

  app.post<{ Params: { id: string }; Body: ServingState }>(
    '/v1/serving/:id/state',
    { preValidation: sign, schema: { tags: ['serving'], summary: 'A node reports that it loaded a model (ready) or could not (failed)', security, params: Params, body: ServingStateSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await serving.report(nodeOf(request), request.params.id, request.body)
      return reply.status(204).send()
    },
  )
}
