/** Health, network summary, OpenAPI document and Prometheus metrics (all public). */
import { ErrorBodySchema, HealthSchema, NetworkSummarySchema } from '@w3ai/protocol'
import type { FastifyPluginAsync } from 'fastify'
import type { SystemPluginOptions } from './plugin.js'

export const systemRoutes: FastifyPluginAsync<SystemPluginOptions> = async (app, o) => {
  app.get('/v1/health', { schema: { tags: ['system'], summary: 'Hub health', response: { 200: HealthSchema } } }, async () => ({
    status: 'ok' as const,
    version: o.version,
    hubId: o.hubId,
    database: o.database,
    orderKey: o.orderKey,
    uptimeSec: (Date.now() - o.startedAt) / 1000,
    time: new Date().toISOString(),
  }))

  app.get(
    '/v1/network/summary',
    { schema: { tags: ['system'], summary: 'Node counts by status and capacity of online nodes', response: { 200: NetworkSummarySchema, default: ErrorBodySchema } } },
    async () => o.networkSummary(),
  )

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await o.metrics.metrics()
    return reply.type(o.metrics.contentType).send(text)
  })
}
