/** Staking routes: thin handlers over the staking service. Stake and unstake are signed by the node itself; a node's stake is public. */
import { ErrorBodySchema, NodeIdSchema, NodeStakeSchema, StakeReceiptSchema, StakeRequestSchema, type StakeRequest } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { nodeOf } from '../../shell/auth.js'
import type { StakingPluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const
const tags = ['staking']
const MAX_STAKE_BODY_BYTES = 4 * 1024
const NodeParams = Type.Object({ nodeId: NodeIdSchema })

export const stakingRoutes: FastifyPluginAsync<StakingPluginOptions> = async (app, { staking }) => {
  app.post<{ Body: StakeRequest }>(
    '/stake',
    {
      config: signed,
      bodyLimit: MAX_STAKE_BODY_BYTES,
      schema: {
        tags,
        summary: "Stake units from the node's earnings account node:<nodeId> into stake:<nodeId>; signed by the node identity (201). The id is the idempotency key",
        body: StakeRequestSchema,
        response: { 201: StakeReceiptSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await staking.stake(nodeOf(request), request.body)),
  )

  app.post<{ Body: StakeRequest }>(
    '/unstake',
    {
      config: signed,
      bodyLimit: MAX_STAKE_BODY_BYTES,
      schema: {
        tags,
        summary: 'Unstake units: they unbond (still slashable) for the governed unbondingMs, then return to node:<nodeId>; signed by the node identity (201). The id is the idempotency key',
        body: StakeRequestSchema,
        response: { 201: StakeReceiptSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => reply.status(201).send(await staking.unstake(nodeOf(request), request.body)),
  )

  app.get<{ Params: { nodeId: string } }>(
    '/:nodeId',
    { schema: { tags, summary: "A node's bonded stake, unbonding entries, the minimum it needs for work above the free limit, and what was slashed", params: NodeParams, response: { 200: NodeStakeSchema, default: ErrorBodySchema } } },
    async (request) => staking.get(request.params.nodeId),
  )
}
