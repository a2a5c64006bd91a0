/** User accounts, identified by the ed25519 key that signs their requests. */
import { AccountCreateSchema, AccountIdSchema, AccountSchema, ErrorBodySchema, type AccountCreate } from '@w3ai/protocol'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync } from 'fastify'
import { accountOf, signerOf } from '../../shell/auth.js'
import type { AccountsPluginOptions } from './plugin.js'

const signed = { auth: 'signed' } as const

export const accountRoutes: FastifyPluginAsync<AccountsPluginOptions> = async (app, { accounts }) => {
  app.post<{ Body: AccountCreate }>(
    '',
    { config: signed, schema: { tags: ['accounts'], summary: 'Create the account of the signing key', body: AccountCreateSchema, response: { 201: AccountSchema, default: ErrorBodySchema } } },
    async (request, reply) => reply.status(201).send(await accounts.create(signerOf(request), request.body)),
  )

  app.get(
    '/me',
    { config: signed, schema: { tags: ['accounts'], summary: 'The account of the signing key', response: { 200: AccountSchema, default: ErrorBodySchema } } },
    async (request) => accounts.get(accountOf(request)),
  )

  app.get<{ Params: { id: string } }>(
    '/:id',
    { schema: { tags: ['accounts'], summary: 'Public view of an account', params: Type.Object({ id: AccountIdSchema }), response: { 200: AccountSchema, default: ErrorBodySchema } } },
    async (request) => accounts.get(request.params.id),
  )
}
