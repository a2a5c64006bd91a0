/**
 * Market routes, thin handlers over the market and order services. Listing reads and searches
 * are public; every write is signed, by the listing's seller or the order's buyer or seller as
 * each route says.
 */
import {
  ErrorBodySchema,
  IDEMPOTENCY_HEADER,
  IdempotencyKeySchema,
  ListingDraftSchema,
  ListingIdSchema,
  ListingPatchSchema,
  ListingSchema,
  ListingVersionCreateSchema,
  MAX_MARKET_BODY_BYTES,
  OrderCreateSchema,
  OrderFulfilSchema,
  OrderIdSchema,
  OrderListQuerySchema,
  OrderPageSchema,
  OrderSchema,
  PageQuerySchema,
  ReviewAnswerSchema,
  ReviewCreateSchema,
  ReviewIdSchema,
  ReviewPageSchema,
  ReviewPatchSchema,
  ReviewSchema,
  SearchPageSchema,
  SearchQuerySchema,
  type ListingDraft,
  type ListingPatch,
  type ListingVersionCreate,
  type OrderCreate,
  type OrderFulfil,
  type OrderListQuery,
  type PageQuery,
  type ReviewAnswer,
  type ReviewCreate,
  type ReviewPatch,
  type SearchQuery,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf } from '../../shell/auth.js'
import type { MarketPluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const tags = ['market']
const ListingParams = Type.Object({ id: ListingIdSchema })
const OrderParams = Type.Object({ id: OrderIdSchema })
const ReviewParams = Type.Object({ id: ReviewIdSchema })
const IdempotencyHeaders = Type.Object({ [IDEMPOTENCY_HEADER]: Type.Optional(IdempotencyKeySchema) })
type Idempotent = { [IDEMPOTENCY_HEADER]?: string }
type Id = { id: string }
const body = { bodyLimit: MAX_MARKET_BODY_BYTES }

export const marketRoutes: FastifyPluginAsync<MarketPluginOptions> = async (app, { market, orders, accounts }) => {
  const member = async (request: FastifyRequest): Promise<string> => {
    const id = accountOf(request)
    await accounts.requireAccount(id)
    return id
  }

  app.post<{ Body: ListingDraft; Headers: Idempotent }>(
    '/listings',
    {
      config: signed,
      ...body,
      schema: {
        tags,
        summary: 'Publish a listing of a stored object you can read (201; 200 with an Idempotency-Key already used for the same draft)',
        headers: IdempotencyHeaders,
        body: ListingDraftSchema,
        response: { 200: ListingSchema, 201: ListingSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { listing, created } = await market.publish(await member(request), request.body, request.headers[IDEMPOTENCY_HEADER])
      return reply.status(created ? 201 : 200).send(listing)
    },
  )

  app.get<{ Querystring: SearchQuery }>(
    '/listings',
    { schema: { tags, summary: 'Search listings: ?q= ranked by full text (websearch syntax), else newest first; filters kind, access, tag, licence, seller, minPrice, maxPrice, minRating; a page at a time', querystring: SearchQuerySchema, response: { 200: SearchPageSchema, default: ErrorBodySchema } } },
    async (request) => market.search(request.query),
  )

  app.get<{ Params: Id }>(
    '/listings/:id',
    { schema: { tags, summary: 'A listing with its card, every version and its rating', params: ListingParams, response: { 200: ListingSchema, default: ErrorBodySchema } } },
    async (request) => market.get(request.params.id),
  )

  app.patch<{ Params: Id; Body: ListingPatch }>(
    '/listings/:id',
    { config: signed, ...body, schema: { tags, summary: "Change a listing's title, description, tags, licence, price or card (its seller)", params: ListingParams, body: ListingPatchSchema, response: { 200: ListingSchema, default: ErrorBodySchema } } },
    async (request) => market.patch(await member(request), request.params.id, request.body),
  )

  app.post<{ Params: Id; Body: ListingVersionCreate }>(
    '/listings/:id/versions',
    { config: signed, ...body, schema: { tags, summary: 'Add a version (a new name, a stored object you can read); later buyers get it (its seller)', params: ListingParams, body: ListingVersionCreateSchema, response: { 201: ListingSchema, default: ErrorBodySchema } } },
    async (request, reply) => reply.status(201).send(await market.addVersion(await member(request), request.params.id, request.body)),
  )

  app.get<{ Params: Id; Querystring: PageQuery }>(
    '/listings/:id/reviews',
    { schema: { tags, summary: "A listing's reviews, newest first, a page at a time", params: ListingParams, querystring: PageQuerySchema, response: { 200: ReviewPageSchema, default: ErrorBodySchema } } },
    async (request) => market.reviews(request.params.id, request.query),
  )

  app.post<{ Params: Id; Body: OrderCreate; Headers: Idempotent }>(
    '/listings/:id/orders',
    {
      config: signed,
      ...body,
      schema: {
        tags,
        summary: 'Buy: holds the price (per-call: calls × price) from your wallet in escrow (201; 200 with an Idempotency-Key already used for the same purchase)',
        headers: IdempotencyHeaders,
        params: ListingParams,
        body: OrderCreateSchema,
        response: { 200: OrderSchema, 201: OrderSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const { order, created } = await orders.buy(await member(request), request.params.id, request.body, request.headers[IDEMPOTENCY_HEADER])
      return reply.status(created ? 201 : 200).send(order)
    },
  )

  app.get<{ Querystring: OrderListQuery }>(
    '/orders',
    { config: signed, schema: { tags, summary: 'Your purchases (?role=buyer, the default) or sales (?role=seller), newest first, a page at a time', querystring: OrderListQuerySchema, response: { 200: OrderPageSchema, default: ErrorBodySchema } } },
    async (request) => orders.list(await member(request), request.query),
  )

  app.get<{ Params: Id }>(
    '/orders/:id',
    { config: signed, schema: { tags, summary: 'An order (its buyer or seller): status, deadline, allowance, wrapped key, what the seller was paid', params: OrderParams, response: { 200: OrderSchema, default: ErrorBodySchema } } },
    async (request) => orders.view(await member(request), request.params.id),
  )

  app.post<{ Params: Id; Body: OrderFulfil }>(
    '/orders/:id/fulfil',
    { config: signed, ...body, schema: { tags, summary: "Fulfil a download (its seller): the object key wrapped to the buyer; the escrow pays you less the governed fee", params: OrderParams, body: OrderFulfilSchema, response: { 200: OrderSchema, default: ErrorBodySchema } } },
    async (request) => orders.fulfil(await member(request), request.params.id, request.body.wrappedKey),
  )

  app.post<{ Params: Id }>(
    '/orders/:id/close',
    { config: signed, schema: { tags, summary: 'Close a per-call allowance (its buyer): the seller is paid for the calls used, the rest comes back', params: OrderParams, response: { 200: OrderSchema, default: ErrorBodySchema } } },
    async (request) => orders.close(await member(request), request.params.id),
  )

  app.post<{ Params: Id; Body: ReviewCreate }>(
    '/orders/:id/review',
    { config: signed, ...body, schema: { tags, summary: 'Review a delivered purchase (its buyer), once; it counts in the listing rating', params: OrderParams, body: ReviewCreateSchema, response: { 201: ReviewSchema, default: ErrorBodySchema } } },
    async (request, reply) => reply.status(201).send(await market.review(await member(request), request.params.id, request.body)),
  )

  app.patch<{ Params: Id; Body: ReviewPatch }>(
    '/reviews/:id',
    { config: signed, ...body, schema: { tags, summary: 'Edit your review', params: ReviewParams, body: ReviewPatchSchema, response: { 200: ReviewSchema, default: ErrorBodySchema } } },
    async (request) => market.editReview(await member(request), request.params.id, request.body),
  )

  app.post<{ Params: Id; Body: ReviewAnswer }>(
    '/reviews/:id/answer',
    { config: signed, ...body, schema: { tags, summary: "Answer a review of your listing (again: replaces the answer)", params: ReviewParams, body: ReviewAnswerSchema, response: { 200: ReviewSchema, default: ErrorBodySchema } } },
    async (request) => market.answer(await member(request), request.params.id, request.body),
  )
}
