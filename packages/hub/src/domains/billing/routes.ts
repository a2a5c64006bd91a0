/** POST /v1/quotes: the price of a job, an upload or inference, before asking for it (public: prices are). */
import { ErrorBodySchema, QuoteRequestSchema, QuoteSchema, type QuoteRequest } from '@w3ai/protocol'
import type { FastifyPluginAsync } from 'fastify'
import type { BillingPluginOptions } from './plugin.js'

export const quoteRoutes: FastifyPluginAsync<BillingPluginOptions> = async (app, { quotes }) => {
  app.post<{ Body: QuoteRequest }>(
    '',
    {
      schema: {
        tags: ['billing'],
        summary: 'The price of a job (at most: its escrow), an upload or inference calls, in units, with the fee split; nothing is held or created',
        body: QuoteRequestSchema,
        response: { 200: QuoteSchema, default: ErrorBodySchema },
      },
    },
    async (request) => quotes.quote(request.body),
  )
}
