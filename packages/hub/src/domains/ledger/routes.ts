/**
 * Ledger routes, thin handlers over the ledger service. Wallet and faucet routes are signed (a
 * signer debits only its own account); the journal, blocks, accounts and summary are public, so
 * anyone can download them and verify the chain.
 */
import { transferToWire } from '@w3ai/ledger'
import { ErrorBodySchema, JournalPageSchema, LedgerAccountPageSchema, LedgerBlockPageSchema, LedgerSummarySchema, TransferSchema, WalletSchema } from '@w3ai/protocol'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { accountOf, nodeOf } from '../../shell/auth.js'
import type { LedgerPluginOptions } from './plugin.js'
import {
  AccountsQuerySchema,
  AfterQuerySchema,
  CursorQuerySchema,
  DEFAULT_LEDGER_PAGE,
  FaucetBodySchema,
  MAX_WALLET_BODY_BYTES,
  WalletTransferSchema,
  type AccountsQuery,
  type AfterQuery,
  type CursorQuery,
  type FaucetBody,
  type WalletTransferBody,
} from './schemas.js'

const signed = { auth: 'signed' } as const
const tags = ['ledger']
const afterOf = (q: AfterQuery): number => q.after ?? (q.cursor === undefined ? 0 : Number(q.cursor))

/** /v1/wallet: the signer's balance, history and transfers. */
export const walletRoutes: FastifyPluginAsync<LedgerPluginOptions> = async (app, { ledger, accounts }) => {
  const member = async (request: FastifyRequest): Promise<string> => {
    const id = accountOf(request)
    await accounts.requireAccount(id)
    return id
  }

  app.get(
    '',
    { config: signed, schema: { tags, summary: 'Your wallet (user:<your account>): balance, available (balance − reserved) and pending (reserved), in units', response: { 200: WalletSchema, default: ErrorBodySchema } } },
    async (request) => ledger.wallet(`user:${await member(request)}`),
  )

  app.get<{ Querystring: CursorQuery }>(
    '/history',
    { config: signed, schema: { tags, summary: 'The journal entries that debit or credit your account, newest first, a page at a time', querystring: CursorQuerySchema, response: { 200: JournalPageSchema, default: ErrorBodySchema } } },
    async (request) => ledger.history(`user:${await member(request)}`, request.query.cursor, request.query.limit ?? DEFAULT_LEDGER_PAGE),
  )

  app.post<{ Body: WalletTransferBody }>(
    '/transfers',
    {
      config: signed,
      bodyLimit: MAX_WALLET_BODY_BYTES,
      schema: {
        tags,
        summary: 'Send units from your account (201); the id is the idempotency key: sending it again answers the first outcome, other fields under it are LEDGER_ID_CONFLICT',
        body: WalletTransferSchema,
        response: { 201: TransferSchema, default: ErrorBodySchema },
      },
    },
    async (request, reply) => {
      const accountId = await member(request)
      const { transfer } = await ledger.send({ accountId, nodeId: nodeOf(request) }, request.body)
      return reply.status(201).send(transferToWire(transfer))
    },
  )
}

/** /v1/faucet: tokens for testing, on devnets only. */
export const faucetRoutes: FastifyPluginAsync<LedgerPluginOptions> = async (app, { ledger, accounts }) => {
  app.post<{ Body: FaucetBody }>(
    '',
    {
      config: signed,
      bodyLimit: MAX_WALLET_BODY_BYTES,
      schema: { tags, summary: 'Take units from the faucet (devnets; LEDGER_FAUCET_DISABLED elsewhere), up to a cap per account', body: FaucetBodySchema, response: { 201: TransferSchema, default: ErrorBodySchema } },
    },
    async (request, reply) => {
      const accountId = accountOf(request)
      await accounts.requireAccount(accountId)
      const { transfer } = await ledger.faucet(accountId, request.body?.amount)
      return reply.status(201).send(transferToWire(transfer))
    },
  )
}

/** /v1/ledger: the public journal, blocks, accounts and totals. */
export const ledgerRoutes: FastifyPluginAsync<LedgerPluginOptions> = async (app, { ledger }) => {
  app.get<{ Querystring: AfterQuery }>(
    '/journal',
    { schema: { tags, summary: 'Journal entries after seq ?after (or ?cursor), in order; each names the hash of the one before', querystring: AfterQuerySchema, response: { 200: JournalPageSchema, default: ErrorBodySchema } } },
    async (request) => ledger.journal(afterOf(request.query), request.query.limit ?? DEFAULT_LEDGER_PAGE),
  )

  app.get<{ Querystring: AfterQuery }>(
    '/blocks',
    { schema: { tags, summary: 'Blocks after height ?after (or ?cursor), in order: runs of journal entries signed by the hub', querystring: AfterQuerySchema, response: { 200: LedgerBlockPageSchema, default: ErrorBodySchema } } },
    async (request) => ledger.blocks(afterOf(request.query), request.query.limit ?? DEFAULT_LEDGER_PAGE),
  )

  app.get<{ Querystring: AccountsQuery }>(
    '/accounts',
    { schema: { tags, summary: 'Every ledger account with its four sums (or those of one ?kind=), in id order, a page at a time', querystring: AccountsQuerySchema, response: { 200: LedgerAccountPageSchema, default: ErrorBodySchema } } },
    async (request) => ledger.accounts(request.query.cursor, request.query.limit ?? DEFAULT_LEDGER_PAGE, request.query.kind),
  )

  app.get(
    '/summary',
    { schema: { tags, summary: 'Minted, burned, supply (minted − burned), and the treasury, escrow and staked amounts, in units', response: { 200: LedgerSummarySchema, default: ErrorBodySchema } } },
    async () => ledger.summary(),
  )
}
