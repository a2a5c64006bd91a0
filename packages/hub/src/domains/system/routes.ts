/** Health, network summary, OpenAPI document and Prometheus metrics. */
import { ErrorBodySchema, HealthSchema, NetworkSummarySchema } from '@w3ai/protocol'
import type { FastifyInstance } from 'fastify'
import type { HubContext } from '../context.js'

export async function systemRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  app.get('/v1/health', { schema: { tags: ['system'], summary: 'Hub health', response: { 200: HealthSchema } } }, async () => ({
    status: 'ok' as const,
    version: ctx.version,
    hubId: ctx.hubId,
    database: ctx.db.kind,
    orderKey: ctx.networkKey.publicKey,
    uptimeSec: (Date.now() - ctx.startedAt) / 1000,
    time: new Date().toISOString(),
  }))

  app.get(
    '/v1/network/summary',
    { schema: { tags: ['system'], summary: 'Node counts by status and capacity of online nodes', response: { 200: NetworkSummarySchema, default: ErrorBodySchema } } },
    async () => ctx.nodes.summary(),
  )

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics()
    return reply.type(ctx.metrics.registry.contentType).send(text)
  })
}
