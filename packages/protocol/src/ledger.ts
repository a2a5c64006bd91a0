/**
 * Wire forms of the token ledger (/v1/wallet, /v1/faucet, /v1/ledger). Amounts travel as decimal
 * strings of units (1 token = 10^18 units), never as JSON numbers; @w3ai/ledger converts them to
 * bigint. The journal and blocks are public so anyone can run `w3ai ledger verify`.
 */
import { Type, type Static } from '@sinclair/typebox'
import { NextCursorSchema } from './paging.js'

const strict = { additionalProperties: false }

/** Units as a decimal string (at most 2^127 − 1, checked by the ledger). */
export const UnitsSchema = Type.String({ pattern: '^[0-9]{1,39}$', description: 'units as a decimal string (1 token = 10^18 units)' })
/** Units that may be negative (a balance of the genesis account). */
export const SignedUnitsSchema = Type.String({ pattern: '^-?[0-9]{1,39}$', description: 'units as a decimal string, may be negative' })
export const TransferIdSchema = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'client-chosen; a retry with the same id answers the first outcome' })
export const LedgerAccountIdSchema = Type.String({
  pattern: '^(treasury|burn|faucet|genesis|(user|node|stake|escrow):[A-Za-z0-9_.:-]{1,64})$',
  description: "user:<accountId>, node:<nodeId>, stake:<nodeId>, escrow:<ref>, 'treasury', 'burn', 'faucet' or 'genesis'",
})
export const HashSchema = Type.String({ pattern: '^[0-9a-f]{64}$' })
export const MAX_MEMO_LENGTH = 200

export const LEDGER_ACCOUNT_KINDS = ['user', 'node', 'treasury', 'burn', 'escrow', 'stake', 'faucet', 'genesis'] as const
export const TRANSFER_KIND_NAMES = ['transfer', 'faucet', 'genesis', 'escrow', 'settle', 'fee', 'burn', 'reward', 'stake', 'unstake', 'slash', 'refund'] as const
export const TRANSFER_ACTIONS = ['transfer', 'pending', 'post', 'void', 'expire'] as const
export const TRANSFER_STATUSES = ['posted', 'pending', 'voided', 'expired'] as const
export const TRANSFER_CODES = [
  'ok',
  'exists',
  'LEDGER_ID_CONFLICT',
  'LEDGER_INSUFFICIENT_FUNDS',
  'LEDGER_EXCEEDS_DEBITS',
  'LEDGER_UNKNOWN_ACCOUNT',
  'LEDGER_SAME_ACCOUNT',
  'LEDGER_BAD_AMOUNT',
  'LEDGER_AMOUNT_OVERFLOW',
  'LEDGER_BAD_TRANSFER',
  'LEDGER_PENDING_NOT_FOUND',
  'LEDGER_PENDING_CLOSED',
  'LEDGER_PENDING_EXPIRED',
  'LEDGER_LINKED_FAILED',
  'LEDGER_LINKED_OPEN',
] as const

/** A string that is one of `values`, typed as their union. */
const literals = <T extends readonly string[]>(values: T) => Type.Unsafe<T[number]>(Type.String({ enum: [...values] }))

/** POST /v1/wallet/transfers: from the signer's user account to `to`. */
export const TransferRequestSchema = Type.Object(
  {
    id: Type.Optional(TransferIdSchema),
    to: LedgerAccountIdSchema,
    amount: UnitsSchema,
    memo: Type.Optional(Type.String({ maxLength: MAX_MEMO_LENGTH })),
  },
  strict,
)
export type TransferRequest = Static<typeof TransferRequestSchema>

/** POST /v1/faucet (devnets only). */
export const FaucetRequestSchema = Type.Object({ amount: Type.Optional(UnitsSchema) }, strict)
export type FaucetRequest = Static<typeof FaucetRequestSchema>

export const LedgerAccountSchema = Type.Object({
  id: LedgerAccountIdSchema,
  kind: literals(LEDGER_ACCOUNT_KINDS),
  owner: Type.Union([Type.String(), Type.Null()]),
  flags: Type.Object({ debitsMustNotExceedCredits: Type.Boolean(), creditsMustNotExceedDebits: Type.Boolean() }),
  debitsPosted: UnitsSchema,
  creditsPosted: UnitsSchema,
  debitsPending: UnitsSchema,
  creditsPending: UnitsSchema,
})
export type LedgerAccountWire = Static<typeof LedgerAccountSchema>

export const TransferSchema = Type.Object({
  id: TransferIdSchema,
  debit: LedgerAccountIdSchema,
  credit: LedgerAccountIdSchema,
  amount: UnitsSchema,
  kind: literals(TRANSFER_KIND_NAMES),
  action: literals(['transfer', 'pending', 'post', 'void'] as const),
  status: literals(TRANSFER_STATUSES),
  pendingId: Type.Union([TransferIdSchema, Type.Null()]),
  timeoutMs: Type.Union([Type.Integer(), Type.Null()]),
  timeoutAt: Type.Union([Type.String(), Type.Null()]),
  memo: Type.Union([Type.String(), Type.Null()]),
  seq: Type.Integer({ minimum: 1 }),
  at: Type.String(),
})
export type TransferWire = Static<typeof TransferSchema>

/** One transfer's outcome: 'ok', 'exists' (a retry: the first outcome) or a LEDGER_* code. */
export const TransferResultSchema = Type.Object({
  id: Type.String(),
  code: literals(TRANSFER_CODES),
  transfer: Type.Optional(TransferSchema),
  message: Type.Optional(Type.String()),
})
export type TransferResultWire = Static<typeof TransferResultSchema>

export const JournalEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  transferId: TransferIdSchema,
  kind: literals(TRANSFER_KIND_NAMES),
  action: literals(TRANSFER_ACTIONS),
  debit: LedgerAccountIdSchema,
  credit: LedgerAccountIdSchema,
  amount: UnitsSchema,
  pending: Type.Boolean(),
  pendingId: Type.Union([TransferIdSchema, Type.Null()]),
  memo: Type.Union([Type.String(), Type.Null()]),
  at: Type.String(),
  prev: HashSchema,
  hash: HashSchema,
})
export type JournalEntryWire = Static<typeof JournalEntrySchema>

export const LedgerBlockSchema = Type.Object({
  height: Type.Integer({ minimum: 1 }),
  firstSeq: Type.Integer({ minimum: 1 }),
  lastSeq: Type.Integer({ minimum: 1 }),
  lastHash: HashSchema,
  prevBlockHash: HashSchema,
  at: Type.String(),
  hubKey: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  signature: Type.String(),
})
export type LedgerBlockWire = Static<typeof LedgerBlockSchema>

/** GET /v1/wallet: the signer's user account. */
export const WalletSchema = Type.Object({
  account: LedgerAccountIdSchema,
  balance: SignedUnitsSchema,
  available: SignedUnitsSchema,
  pending: UnitsSchema,
})
export type Wallet = Static<typeof WalletSchema>

/** GET /v1/ledger/summary. */
export const LedgerSummarySchema = Type.Object({
  minted: UnitsSchema,
  burned: UnitsSchema,
  treasury: UnitsSchema,
  escrow: UnitsSchema,
  staked: UnitsSchema,
  supply: UnitsSchema,
})
export type LedgerSummary = Static<typeof LedgerSummarySchema>

export const JournalPageSchema = Type.Object({ entries: Type.Array(JournalEntrySchema), nextCursor: NextCursorSchema })
export type JournalPage = Static<typeof JournalPageSchema>
export const LedgerBlockPageSchema = Type.Object({ blocks: Type.Array(LedgerBlockSchema), nextCursor: NextCursorSchema })
export type LedgerBlockPage = Static<typeof LedgerBlockPageSchema>
export const LedgerAccountPageSchema = Type.Object({ accounts: Type.Array(LedgerAccountSchema), nextCursor: NextCursorSchema })
export type LedgerAccountPage = Static<typeof LedgerAccountPageSchema>
