/** Compute routes: jobs (signed by accounts) and task leases (signed by nodes); thin handlers over the job service. */
import {
  ClaimedTaskSchema,
  ErrorBodySchema,
  JobCandidatesSchema,
  JobIdSchema,
  JobKeysSchema,
  KeyRequestListSchema,
  JobListSchema,
  JobSchema,
  JobSubmitSchema,
  MAX_TASK_RESULT_BYTES,
  PageQuerySchema,
  TaskClaimSchema,
  TaskIdSchema,
  TaskProgressSchema,
  TaskReportSchema,
  type JobKeys,
  type JobSubmit,
  type PageQuery,
  type TaskClaim,
  type TaskProgress,
  type TaskReport,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { accountOf, nodeOf } from '../../shell/auth.js'
import type { ComputePluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const JobParams = Type.Object({ id: JobIdSchema })
const TaskParams = Type.Object({ id: TaskIdSchema })
/** A report carries a result of up to MAX_TASK_RESULT_BYTES of JSON, past the default body limit; the rest is the lease id. */
const MAX_REPORT_BYTES = MAX_TASK_RESULT_BYTES + 4096

export const jobRoutes: FastifyPluginAsync<ComputePluginOptions> = async (app, { jobs, accounts, nodes }) => {
  app.post<{ Body: JobSubmit }>(
    '/jobs',
    {
      config: signed,
      schema: {
        tags: ['compute'],
        summary: 'Submit a job; with inputs, answers the chosen nodes to wrap the input keys to',
        body: JobSubmitSchema,
        response: { 201: Type.Union([JobCandidatesSchema, JobSchema]), default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const owner = accountOf(request)
      await accounts.requireAccount(owner)
      return reply.status(201).send(await jobs.submit(owner, request.body))
    },
  )

  app.get(
    '/jobs/key-requests',
    { config: signed, schema: { tags: ['compute'], summary: "Buyers' jobs on data you sold compute on (compute-only orders), awaiting its key wrapped to their nodes", response: { 200: KeyRequestListSchema, default: ErrorBodySchema } } },
    async (request) => {
      const provider = accountOf(request)
      await accounts.requireAccount(provider)
      return { requests: await jobs.keyRequests(provider) }
    },
  )

  app.post<{ Params: { id: string }; Body: JobKeys }>(
    '/jobs/:id/keys',
    { config: signed, schema: { tags: ['compute'], summary: "Input keys wrapped to the job's nodes; releases the job", params: JobParams, body: JobKeysSchema, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.provideKeys(accountOf(request), request.params.id, request.body),
  )

  app.get<{ Querystring: PageQuery }>(
    '/jobs',
    { config: signed, schema: { tags: ['compute'], summary: 'Your jobs, newest first, a page at a time (?limit, ?cursor = the previous nextCursor)', querystring: PageQuerySchema, response: { 200: JobListSchema, default: ErrorBodySchema } } },
    async (request) => jobs.list(accountOf(request), request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/jobs/:id',
    { config: signed, schema: { tags: ['compute'], summary: 'A job with its result, verification and history (retries, expirations, speculation)', params: JobParams, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.view(accountOf(request), request.params.id),
  )

  app.post<{ Params: { id: string } }>(
    '/jobs/:id/cancel',
    { config: signed, schema: { tags: ['compute'], summary: 'Cancel a job', params: JobParams, response: { 200: JobSchema, default: ErrorBodySchema } } },
    async (request) => jobs.cancel(accountOf(request), request.params.id),
  )

  app.post<{ Body: TaskClaim }>(
    '/tasks/claim',
    { config: signed, schema: { tags: ['compute'], summary: 'A node with free capacity leases tasks (signed by the node)', body: TaskClaimSchema, response: { 200: Type.Object({ tasks: Type.Array(ClaimedTaskSchema) }), default: ErrorBodySchema } } },
    async (request) => {
      const nodeId = nodeOf(request)
      await nodes.requireNode(nodeId)
      return { tasks: await jobs.claim(nodeId, request.body.executors, request.body.capacity) }
    },
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/tasks/:id/renew',
    { config: signed, schema: { tags: ['compute'], summary: 'Extend a task lease', params: TaskParams, body: TaskReportSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await jobs.renew(nodeOf(request), request.params.id, request.body.leaseId)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: TaskProgress }>(
    '/tasks/:id/progress',
    { config: signed, schema: { tags: ['compute'], summary: 'Report progress of a running task (e.g. per-epoch metrics)', params: TaskParams, body: TaskProgressSchema, response: { 204: Type.Null(), default: ErrorBodySchema } } },
    async (request, reply) => {
      await jobs.progress(nodeOf(request), request.params.id, request.body.leaseId, request.body.progress, request.body.seq)
      return reply.status(204).send()
    },
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/tasks/:id/complete',
    { config: signed, bodyLimit: MAX_REPORT_BYTES, schema: { tags: ['compute'], summary: 'Report a result (committed exactly once per replica)', params: TaskParams, body: TaskReportSchema, response: { 200: Type.Object({ outcome: Type.String() }), default: ErrorBodySchema } } },
    async (request) => ({ outcome: await jobs.complete(nodeOf(request), request.params.id, request.body.leaseId, request.body.result) }),
  )

  app.post<{ Params: { id: string }; Body: TaskReport }>(
    '/tasks/:id/fail',
    { config: signed, schema: { tags: ['compute'], summary: 'Report a failed attempt (retried elsewhere while attempts remain)', params: TaskParams, body: TaskReportSchema, response: { 200: Type.Object({ outcome: Type.String() }), default: ErrorBodySchema } } },
    async (request) => {
      const error = request.body.error ?? { code: 'COMPUTE_FAILED', message: 'The node reported a failure.' }
      return { outcome: await jobs.fail(nodeOf(request), request.params.id, request.body.leaseId, error, request.body.retryable ?? true) }
    },
  )
}
