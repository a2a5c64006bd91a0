/** Federated routes: node datasets (public, like the node list); thin handlers over the services. */
import { DatasetListQuerySchema, DatasetListSchema, ErrorBodySchema, type DatasetListQuery } from '@w3ai/protocol'
import type { FastifyPluginAsync } from 'fastify'
import type { FederatedPluginOptions } from './plugin.js'

export const federatedRoutes: FastifyPluginAsync<FederatedPluginOptions> = async (app, { datasets }) => {
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
}
