/** User accounts, identified by the ed25519 key that signs their requests. */
import { idFromPublicKey } from '@w3ai/crypto'
import { AccountCreateSchema, AccountIdSchema, AccountSchema, ErrorBodySchema, W3aiError, type AccountCreate } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import { signerOf } from '../auth.js'
import type { HubContext } from '../context.js'

export async function accountRoutes(app: FastifyInstance, ctx: HubContext): Promise<void> {
  app.post<{ Body: AccountCreate }>(
    '/v1/accounts',
    {
      preValidation: ctx.requireSignature,
      schema: {
        tags: ['accounts'],
        summary: 'Create the account of the signing key',
        security: [{ w3aiSignature: [] }],
        body: AccountCreateSchema,
        response: { 201: AccountSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const publicKey = signerOf(request)
      const id = idFromPublicKey('account', publicKey)
      const account = await ctx.accounts.create(id, publicKey, request.body.encryptionKey ?? null, request.body.name ?? null)
      if (account === undefined) throw new W3aiError('ACCOUNT_EXISTS')
      ctx.metrics.registrations.inc({ kind: 'account' })
      return reply.status(201).send(account)
    },
  )

  app.get(
    '/v1/accounts/me',
    {
      preValidation: ctx.requireSignature,
      schema: { tags: ['accounts'], summary: 'The account of the signing key', security: [{ w3aiSignature: [] }], response: { 200: AccountSchema, default: ErrorBodySchema } },
    },
    async (request) => {
      const account = await ctx.accounts.get(idFromPublicKey('account', signerOf(request)))
      if (account === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
      return account
    },
  )

  app.get<{ Params: { id: string } }>(
    '/v1/accounts/:id',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Public view of an account',
        params: Type.Object({ id: AccountIdSchema }),
        response: { 200: AccountSchema, default: ErrorBodySchema },
      },
    },
    async (request) => {
      const account = await ctx.accounts.get(request.params.id)
      if (account === undefined) throw new W3aiError('ACCOUNT_NOT_FOUND')
      return account
    },
  )
}
