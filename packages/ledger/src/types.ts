/**
 * The ledger's data: accounts in TigerBeetle's shape (four running sums, never a stored balance),
 * transfers with client-chosen ids, journal entries and signed blocks. Amounts are bigint units
 * (1 token = 10^18 units) in code; the wire and the journal carry them as decimal strings.
 */

export type AccountKind = 'user' | 'node' | 'treasury' | 'burn' | 'escrow' | 'stake' | 'faucet' | 'genesis'

export interface AccountFlags {
  /** Refuse a debit that would take debits (posted + pending) past posted credits: no overdraft. */
  debitsMustNotExceedCredits: boolean
  /** Refuse a credit that would take credits (posted + pending) past posted debits. */
  creditsMustNotExceedDebits: boolean
}

/** The four running sums of an account (units). */
export interface Balances {
  debitsPosted: bigint
  creditsPosted: bigint
  debitsPending: bigint
  creditsPending: bigint
}

/**
 * An account. Ids: 'user:<accountId>', 'node:<nodeId>', 'stake:<nodeId>', 'escrow:<ref>',
 * 'treasury', 'burn', 'faucet', 'genesis'.
 */
export interface Account extends Balances {
  id: string
  kind: AccountKind
  /** The account or node id that owns it ('user:a_1' → 'a_1'), null for network accounts. */
  owner: string | null
  flags: AccountFlags
}

export type TransferKind =
  | 'transfer'
  | 'faucet'
  | 'genesis'
  | 'escrow'
  | 'settle'
  | 'fee'
  | 'burn'
  | 'reward'
  | 'stake'
  | 'unstake'
  | 'slash'
  | 'refund'

/**
 * One transfer as a caller asks for it. A plain or pending transfer names debit, credit, amount
 * and kind. A post or void names the pending transfer; debit, credit and kind default to the
 * pending's (and must match when given), a post's amount defaults to the pending amount and may
 * be less (the rest is released), a void's amount must be absent or the pending amount.
 */
export interface TransferInput {
  /** Client-chosen, ^[A-Za-z0-9_.:-]{1,64}$; a retry with the same id and fields answers 'exists'. */
  id: string
  debit?: string
  credit?: string
  amount?: bigint
  kind?: TransferKind
  /** Reserve the amount now (debits/credits pending); post, void or expire it later. */
  pending?: { timeoutMs: number }
  /** Id of a pending transfer to post. */
  post?: string
  /** Id of a pending transfer to void. */
  void?: string
  /** This transfer succeeds or fails with the next one in the batch; the last of a chain has no linked. */
  linked?: boolean
  /** Up to 200 characters. */
  memo?: string
}

/** What a transfer did: a plain transfer, a pending reservation, or the post/void/expiry of one. */
export type TransferAction = 'transfer' | 'pending' | 'post' | 'void' | 'expire'

/**
 * A pending transfer is 'pending' until posted, voided or expired; a plain transfer and a post are
 * 'posted'; a void is 'voided'.
 */
export type TransferStatus = 'posted' | 'pending' | 'voided' | 'expired'

/** A transfer as stored once applied (failed transfers are not stored: a retry is evaluated afresh). */
export interface StoredTransfer {
  id: string
  debit: string
  credit: string
  /** The amount moved (a post: the amount posted; a void: the pending amount released). */
  amount: bigint
  kind: TransferKind
  action: Exclude<TransferAction, 'expire'>
  status: TransferStatus
  /** The pending transfer a post or void closes; null otherwise. */
  pendingId: string | null
  /** A pending transfer's timeout as asked (ms), null otherwise. */
  timeoutMs: number | null
  /** A pending transfer's deadline (ISO), null otherwise. */
  timeoutAt: string | null
  memo: string | null
  /** Journal seq of the entry that applied it. */
  seq: number
  /** When it was applied (ISO). */
  at: string
}

/** Per-transfer outcome codes (stable strings). */
export type TransferCode =
  | 'ok'
  | 'exists'
  | 'LEDGER_ID_CONFLICT'
  | 'LEDGER_INSUFFICIENT_FUNDS'
  | 'LEDGER_EXCEEDS_DEBITS'
  | 'LEDGER_UNKNOWN_ACCOUNT'
  | 'LEDGER_SAME_ACCOUNT'
  | 'LEDGER_BAD_AMOUNT'
  | 'LEDGER_AMOUNT_OVERFLOW'
  | 'LEDGER_BAD_TRANSFER'
  | 'LEDGER_PENDING_NOT_FOUND'
  | 'LEDGER_PENDING_CLOSED'
  | 'LEDGER_PENDING_EXPIRED'
  | 'LEDGER_LINKED_FAILED'
  | 'LEDGER_LINKED_OPEN'

export interface TransferResult {
  id: string
  code: TransferCode
  /** For 'ok' and 'exists': the stored transfer (for 'exists', its first outcome; status as now). */
  transfer?: StoredTransfer
  /** For a refusal: what was wrong, for people. */
  message?: string
}

/** One line of the hash-chained journal; every applied transfer, post, void and expiry is one. */
export interface JournalEntry {
  /** 1, 2, 3, … without gaps. */
  seq: number
  transferId: string
  kind: TransferKind
  action: TransferAction
  debit: string
  credit: string
  /** Units as a decimal string. */
  amount: string
  /** True when the entry reserves (debits/credits pending) rather than posts. */
  pending: boolean
  /** The pending transfer a post, void or expiry closes (its whole amount is released). */
  pendingId: string | null
  memo: string | null
  /** ISO time it was applied. */
  at: string
  /** Hash of the previous entry (64 zeros for seq 1). */
  prev: string
  /** sha256 hex of prev ‖ canonicalJson(entry without hash). */
  hash: string
}

/** A block's fields before signing. */
export interface BlockBody {
  /** 1, 2, 3, … without gaps. */
  height: number
  firstSeq: number
  lastSeq: number
  /** Hash of the entry lastSeq. */
  lastHash: string
  /** blockHash of the previous block (64 zeros for height 1). */
  prevBlockHash: string
  at: string
}

/** A block: a run of journal entries signed by the hub's ed25519 key over canonicalJson(block without signature). */
export interface Block extends BlockBody {
  /** The hub's ed25519 public key, base64url. */
  hubKey: string
  signature: string
}

/** Where the journal and the block chain end (all zeros and 0 for an empty ledger). */
export interface LedgerHead {
  seq: number
  hash: string
  height: number
  blockHash: string
}

/** A change to one account: `delta` to add to its sums, `after` its state once applied. */
export interface AccountDelta {
  id: string
  /** True when the account did not exist: insert `after` rather than update. */
  created: boolean
  delta: Balances
  after: Account
}

/**
 * Everything a batch writes, for the store to apply in one transaction: account changes, new
 * transfers, pending transfers whose status changed, journal entries and the block to sign (null
 * when nothing was applied).
 */
export interface BatchOutcome {
  results: TransferResult[]
  accountDeltas: AccountDelta[]
  newTransfers: StoredTransfer[]
  /** Pending transfers closed by a post, void or expiry (their status is the new one). */
  updatedTransfers: StoredTransfer[]
  journal: JournalEntry[]
  block: BlockBody | null
  /** The head once written. */
  head: LedgerHead
}

/** What the engine reads: the accounts and transfers a batch names, and the head. */
export interface LedgerReadView {
  head: LedgerHead
  account(id: string): Account | undefined
  transfer(id: string): StoredTransfer | undefined
}

/** The ids a batch reads, so a SQL store can load exactly those. */
export interface LedgerKeys {
  accounts: string[]
  transfers: string[]
}
