/**
 * Request schemas of the ledger routes. Amounts are taken as strings of any shape here and parsed
 * by the service, so a negative, zero or overflowing amount is refused with its own LEDGER_* code
 * rather than a schema error. Answers use @w3ai/protocol's ledger schemas.
 */
import { Type, type Static } from '@sinclair/typebox'
import { LEDGER_ACCOUNT_KINDS, MAX_MEMO_LENGTH } from '@w3ai/protocol'

const strict = { additionalProperties: false }

/** Wallet and faucet bodies are tiny. */
export const MAX_WALLET_BODY_BYTES = 4 * 1024
/** Journal, block and account pages: up to this many items (?limit=). */
export const MAX_LEDGER_PAGE = 1000
export const DEFAULT_LEDGER_PAGE = 500

/**
 * The id of a wallet's transfer, its idempotency key. Ids with ':' are the network's own
 * (genesis:…, faucet:…, settle:…): a wallet may not take one first and block them.
 */
export const WALLET_TRANSFER_ID = '^[A-Za-z0-9_.-]{1,64}$'
const AmountText = Type.String({ maxLength: 100, description: 'units (1 token = 10^18 units) as a decimal string; zero, negative or over 2^127 - 1 is refused' })

export const WalletTransferSchema = Type.Object(
  {
    /** Default: a random id (a retry is then a new transfer; the SDK always sends one). */
    id: Type.Optional(Type.String({ pattern: WALLET_TRANSFER_ID, description: "your idempotency key: sending it again answers the first outcome (ids with ':' are reserved for the network)" })),
    /** An account id (its user account), user:<accountId> or node:<nodeId>. */
    to: Type.String({ pattern: '^(a_[0-9a-f]{20}|user:a_[0-9a-f]{20}|node:n_[0-9a-f]{20})$' }),
    amount: AmountText,
    memo: Type.Optional(Type.String({ maxLength: MAX_MEMO_LENGTH })),
    /** Default: user:<your account>; a node key may debit node:<its id>; anything else is AUTH_WRONG_IDENTITY. */
    from: Type.Optional(Type.String({ pattern: '^(user:a_[0-9a-f]{20}|node:n_[0-9a-f]{20})$' })),
  },
  strict,
)
export type WalletTransferBody = Static<typeof WalletTransferSchema>

export const FaucetBodySchema = Type.Object({ amount: Type.Optional(AmountText) }, strict)
export type FaucetBody = Static<typeof FaucetBodySchema>

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LEDGER_PAGE, default: DEFAULT_LEDGER_PAGE }))

/** Journal and blocks: ?after= the last seq (height) you have, or ?cursor= the previous nextCursor (the same number). */
export const AfterQuerySchema = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,16}$' })),
    limit: Limit,
  },
  strict,
)
export type AfterQuery = Static<typeof AfterQuerySchema>

export const CursorQuerySchema = Type.Object({ cursor: Type.Optional(Type.String({ maxLength: 512 })), limit: Limit }, strict)
export type CursorQuery = Static<typeof CursorQuerySchema>

/** Accounts: a cursor page, optionally of one kind of account (user, node, escrow, …). */
export const AccountsQuerySchema = Type.Object(
  {
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Limit,
    kind: Type.Optional(Type.Unsafe<(typeof LEDGER_ACCOUNT_KINDS)[number]>(Type.String({ enum: [...LEDGER_ACCOUNT_KINDS], description: 'only accounts of this kind' }))),
  },
  strict,
)
export type AccountsQuery = Static<typeof AccountsQuerySchema>
