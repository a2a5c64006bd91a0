/** Governance routes, thin over the governance service: reads are public, proposals and votes signed by an account. */
import {
  ErrorBodySchema,
  GovernanceLogQuerySchema,
  GovernanceLogSchema,
  NetworkParametersSchema,
  ProposalCreateSchema,
  ProposalIdSchema,
  ProposalListQuerySchema,
  ProposalListSchema,
  ProposalSchema,
  VoteAnswerSchema,
  VoteCastSchema,
  type GovernanceLogQuery,
  type ProposalCreate,
  type ProposalListQuery,
  type VoteCast,
  W3aiError,
} from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf, nodeOf } from '../../shell/auth.js'
import type { GovernancePluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const tags = ['governance']
const Params = Type.Object({ id: ProposalIdSchema })
const BODY_LIMIT = 64 * 1024

export const governanceRoutes: FastifyPluginAsync<GovernancePluginOptions> = async (app, { governance, accounts, nodes }) => {
  /** The signer: its account, else its registered node (the operator votes with the node's balance and stake); ACCOUNT_NOT_FOUND when neither. */
  const member = async (request: FastifyRequest): Promise<string> => {
    const account = accountOf(request)
    try {
      await accounts.requireAccount(account)
      return account
    } catch (err) {
      if (!(err instanceof W3aiError && err.code === 'ACCOUNT_NOT_FOUND')) throw err
      const node = nodeOf(request)
      if (!(await nodes.requireNode(node).then(() => true, () => false))) throw err
      return node
    }
  }

  app.post<{ Body: ProposalCreate }>(
    '/proposals',
    {
      config: signed,
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        summary: "Propose changes to network parameters (values as decimal strings); the proposer needs tokens at the snapshot, the journal head now",
        body: ProposalCreateSchema,
        response: { 201: ProposalSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await governance.propose(await member(request), request.body)),
  )

  app.get<{ Querystring: ProposalListQuery }>(
    '/proposals',
    { schema: { tags, summary: 'Governance proposals, newest first, with live status and tally, a page at a time (?status to filter)', querystring: ProposalListQuerySchema, response: { 200: ProposalListSchema, default: ErrorBodySchema } } },
    async (request) => governance.list(request.query),
  )

  app.get<{ Params: { id: string } }>(
    '/proposals/:id',
    { schema: { tags, summary: 'A proposal: its changes, schedule, live status and tally (quorum and threshold reached or not)', params: Params, response: { 200: ProposalSchema, default: ErrorBodySchema } } },
    async (request) => governance.get(request.params.id),
  )

  app.post<{ Params: { id: string }; Body: VoteCast }>(
    '/proposals/:id/votes',
    {
      config: signed,
      bodyLimit: BODY_LIMIT,
      schema: {
        tags,
        summary: "Vote for, against or abstain, weighted by your balance plus stake at the proposal's snapshot; once, while voting is open",
        params: Params,
        body: VoteCastSchema,
        response: { 201: VoteAnswerSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await governance.vote(await member(request), request.params.id, request.body.support)),
  )

  app.post<{ Params: { id: string } }>(
    '/proposals/:id/cancel',
    { config: signed, schema: { tags, summary: 'Withdraw your proposal before its vote opens', params: Params, response: { 200: ProposalSchema, default: ErrorBodySchema } } },
    async (request) => governance.cancel(await member(request), request.params.id),
  )

  app.get<{ Querystring: GovernanceLogQuery }>(
    '/log',
    { schema: { tags, summary: 'The hash-chained governance log the hub signs (genesis values, proposed, voted, queued, defeated, executed, cancelled), from ?after= seq', querystring: GovernanceLogQuerySchema, response: { 200: GovernanceLogSchema, default: ErrorBodySchema } } },
    async (request) => governance.log(request.query.after ?? 0, request.query.limit ?? 500),
  )
}

export const parameterRoutes: FastifyPluginAsync<GovernancePluginOptions> = async (app, { governance }) => {
  app.get(
    '',
    { schema: { tags, summary: 'The network parameters every domain reads: value, kind, default, bounds, and the proposal that last set each', response: { 200: NetworkParametersSchema, default: ErrorBodySchema } } },
    async () => ({ parameters: await governance.parameters() }),
  )
}
