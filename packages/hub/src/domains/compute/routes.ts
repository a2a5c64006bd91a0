/** Compute jobs (signed by accounts) and task leases (signed by nodes). */
import {
  ClaimedTaskSchema,
  ErrorBodySchema,
  JobCandidatesSchema,
  JobIdSchema,
  JobKeysSchema,
  JobSchema,
  JobSubmitSchema,
  TaskClaimSchema,
  TaskIdSchema,
  TaskProgressSchema,
  TaskReportSchema,
  W3aiError,
  type JobKeys,
  type JobSubmit,
  type TaskClaim,
  type TaskProgress,
  type TaskReport,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { accountOf, nodeOf } from '../auth.js'
import type { HubContext } from '../context.js'

const security = [{ w3aiSignature: [] }]
const JobParams = Type.Object({ id: JobIdSchema })
const TaskParams = Type.Object({ id: TaskIdSchema })


export async function jobRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  const sign = ctx.requireSignature
  const jobs = ctx.jobService

  app.post<{ Body: JobSubmit }>(
    '/v1/jobs',
    {
      preValidation: sign,
      schema: {
        tags: ['compute'],
        summary: 'Submit a job; with inputs, answers the chosen nodes to wrap the input keys to',
        security,
        body: JobSubmitSchema,
        response: { 201: Type.Union([JobCandidatesSchema, JobSchema]), default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const owner = accountOf(request)
      if ((await ctx.accounts.get(owner)) === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
      return reply.status(201).send(await jobs.submit(owner, request.body))
    },
  )

  app.post<{ Params: { id: string }; Body: JobKeys }>(
    '/v1/jobs/:id/keys',
    { preValidation: sign, schema: { tags: ['compute'], summary: "Input keys wrapped to the job's nodes; releases the job", security, params: JobParams, body: JobKeysSchema, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.provideKeys(accountOf(request), request.params.id, request.body),
  )

  app.get(
    '/v1/jobs',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Your jobs, newest first', security, response: { 200: Type.Object({ jobs: Type.Array(JobSchema) }), default: ErrorBodySchema } } },
    async (request) => ({ jobs: await jobs.list(accountOf(request)) }),
  )

  app.get<{ Params: { id: string } }>(
    '/v1/jobs/:id',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'A job with its result, verification and history (retries, expirations, speculation)', security, params: JobParams, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/v1/jobs/:id/cancel',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Cancel a job', security, params: JobParams, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.cancel(accountOf(request), request.params.id),
  )

  app.post<{ Body: TaskClaim }>(
    '/v1/tasks/claim',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'A node with free capacity leases tasks (signed by the node)', security, body: TaskClaimSchema, response: { 200: Type.Object({ tasks: Type.Array(ClaimedTaskSchema) }), default: ErrorBodySchema } } },
    async (request) => {
      const nodeId = nodeOf(request)
      if (!(await ctx.nodes.exists(nodeId))) throw new W3aiError('NODE_NOT_REGISTERED')
      return { tasks: await jobs.claim(nodeId, request.body.executors, request.body.capacity) }
    },
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/v1/tasks/:id/renew',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Extend a task lease', security, params: TaskParams, body: TaskReportSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await jobs.renew(nodeOf(request), request.params.id, request.body.leaseId)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: TaskProgress }>(
    '/v1/tasks/:id/progress',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Report progress of a running task (e.g. per-epoch metrics)', security, params: TaskParams, body: TaskProgressSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await jobs.progress(nodeOf(request), request.params.id, request.body.leaseId, request.body.progress)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/v1/tasks/:id/complete',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Report a result (committed exactly once per replica)', security, params: TaskParams, body: TaskReportSchema, response: { 200: Type.Object({ outcome: Type.String() }), default: ErrorBodySchema } } },
    async (request) => ({ outcome: await jobs.complete(nodeOf(request), request.params.id, request.body.leaseId, request.body.result) }),
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/v1/tasks/:id/fail',
    { preValidation: sign, schema: { tags: ['compute'], summary: 'Report a failed attempt (retried elsewhere while attempts remain)', security, params: TaskParams, body: TaskReportSchema, response: { 200: Type.Object({ outcome: Type.String() }), default: ErrorBodySchema } } },
    async (request) => {
      const error = request.body.error ?? { code: 'COMPUTE_FAILED', message: 'The node reported a failure.' }
      return { outcome: await jobs.fail(nodeOf(request), request.params.id, request.body.leaseId, error, request.body.retryable ?? true) }
    },
  )
}
