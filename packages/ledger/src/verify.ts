/**
 * The verifier anyone can run on the public journal: recompute every entry hash and the chain,
 * check every block's links and signature, replay the entries into account sums and compare them
 * with the accounts the hub reports, to the unit, and check that what was minted is exactly what
 * is held: balances + escrow + staked + burned.
 */
import { balanceOf, ISSUERS } from './accounts.js'
import { blockHash, entryHash, verifyBlockSignature, ZERO_HASH } from './journal.js'
import type { Account, AccountKind, Balances, Block, JournalEntry } from './types.js'

export type LedgerProblemCode = 'LEDGER_CHAIN_BROKEN' | 'LEDGER_BLOCK_BAD_SIGNATURE' | 'LEDGER_BALANCE_MISMATCH' | 'LEDGER_INVARIANT_BROKEN'

export interface LedgerProblem {
  code: LedgerProblemCode
  seq?: number
  height?: number
  account?: string
  message: string
}

export interface VerifyInput {
  /** The whole journal, in the order served (seq 1 first). */
  entries: readonly JournalEntry[]
  /** Every block, in the order served (height 1 first). */
  blocks: readonly Block[]
  /** Every account with its stored sums. */
  accounts: readonly Account[]
  /** The hub public keys (base64url) trusted to sign blocks. */
  hubKeys: readonly string[]
}

export interface VerifyReport {
  ok: boolean
  entries: number
  blocks: number
  /** Units issued: minus the balances of the issuing accounts (genesis). */
  minted: bigint
  /** Σ balances of user, node, treasury and faucet accounts. */
  balances: bigint
  burned: bigint
  escrow: bigint
  staked: bigint
  problems: LedgerProblem[]
}

/** At most this many problems are listed (a wholesale edit would otherwise list every row). */
export const MAX_PROBLEMS = 100

/** Verifies the journal, the blocks and the accounts together; ok only when there is no problem. */
export function verifyLedger(input: VerifyInput): VerifyReport {
  const problems: LedgerProblem[] = []
  const add = (p: LedgerProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p)
  }
  checkEntries(input.entries, add)
  checkBlocks(input.blocks, input.entries, new Set(input.hubKeys), add)
  const replayed = replay(input.entries, add)
  compareAccounts(input.accounts, replayed, add)
  const totals = invariant(input.accounts, add)
  return { ok: problems.length === 0, entries: input.entries.length, blocks: input.blocks.length, ...totals, problems }
}

type Add = (p: LedgerProblem) => void

function checkEntries(entries: readonly JournalEntry[], add: Add): void {
  let prev = ZERO_HASH
  entries.forEach((e, i) => {
    const seq = i + 1
    if (e.seq !== seq) add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} carries seq ${String(e.seq)}: an entry was deleted, inserted or reordered` })
    else if (e.prev !== prev) add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} does not link to the entry before it` })
    else if (safeHash(e) !== e.hash) add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} was changed: its hash does not match its fields` })
    prev = e.hash
  })
}

function safeHash(e: JournalEntry): string | undefined {
  try {
    return entryHash(e)
  } catch {
    return undefined
  }
}

function checkBlocks(blocks: readonly Block[], entries: readonly JournalEntry[], keys: ReadonlySet<string>, add: Add): void {
  let prevHash = ZERO_HASH
  let lastSeq = 0
  blocks.forEach((b, i) => {
    const height = i + 1
    if (b.height !== height) add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} carries height ${String(b.height)}: a block was deleted, inserted or reordered` })
    else if (b.prevBlockHash !== prevHash) add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} does not link to the block before it` })
    else if (b.firstSeq !== lastSeq + 1 || !(b.lastSeq >= b.firstSeq)) add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} covers entries ${b.firstSeq}..${b.lastSeq}, expected to start at ${lastSeq + 1}` })
    else if (entries[b.lastSeq - 1]?.hash !== b.lastHash) add({ code: 'LEDGER_CHAIN_BROKEN', height, seq: b.lastSeq, message: `block ${height} seals entry ${b.lastSeq} with another hash than the journal's` })
    if (!keys.has(b.hubKey)) add({ code: 'LEDGER_BLOCK_BAD_SIGNATURE', height, message: `block ${height} is signed by a key that is not a trusted hub key` })
    else if (!safeVerify(b)) add({ code: 'LEDGER_BLOCK_BAD_SIGNATURE', height, message: `block ${height}'s signature does not verify` })
    prevHash = safeBlockHash(b)
    lastSeq = b.lastSeq
  })
  if (lastSeq !== entries.length) add({ code: 'LEDGER_CHAIN_BROKEN', seq: Math.min(lastSeq, entries.length) + 1, message: `the blocks seal entries up to ${lastSeq} but the journal has ${entries.length}` })
}

function safeVerify(b: Block): boolean {
  try {
    return verifyBlockSignature(b)
  } catch {
    return false
  }
}

function safeBlockHash(b: Block): string {
  try {
    return blockHash(b)
  } catch {
    return ''
  }
}

function zero(): Balances {
  return { debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n }
}

function units(text: unknown): bigint | undefined {
  return typeof text === 'string' && /^\d{1,40}$/.test(text) ? BigInt(text) : undefined
}

/** Replays entries into account sums (pending reservations tracked by transfer id). */
function replay(entries: readonly JournalEntry[], add: Add): Map<string, Balances> {
  const sums = new Map<string, Balances>()
  const open = new Map<string, { debit: string; credit: string; amount: bigint }>()
  const at = (id: string): Balances => {
    let s = sums.get(id)
    if (!s) sums.set(id, (s = zero()))
    return s
  }
  for (const e of entries) {
    const amount = units(e.amount)
    if (amount === undefined) {
      add({ code: 'LEDGER_CHAIN_BROKEN', seq: e.seq, message: `entry ${e.seq} has a malformed amount` })
      continue
    }
    const dr = at(e.debit)
    const cr = at(e.credit)
    if (e.action === 'transfer') {
      dr.debitsPosted += amount
      cr.creditsPosted += amount
    } else if (e.action === 'pending') {
      dr.debitsPending += amount
      cr.creditsPending += amount
      open.set(e.transferId, { debit: e.debit, credit: e.credit, amount })
    } else {
      const p = e.pendingId === null ? undefined : open.get(e.pendingId)
      if (!p || p.debit !== e.debit || p.credit !== e.credit || (e.action === 'post' ? amount > p.amount : amount !== p.amount)) {
        add({ code: 'LEDGER_CHAIN_BROKEN', seq: e.seq, message: `entry ${e.seq} closes a pending transfer that is not open or does not match` })
        continue
      }
      open.delete(e.pendingId as string)
      dr.debitsPending -= p.amount
      cr.creditsPending -= p.amount
      if (e.action === 'post') {
        dr.debitsPosted += amount
        cr.creditsPosted += amount
      }
    }
  }
  return sums
}

const SUMS = ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const

function compareAccounts(accounts: readonly Account[], replayed: Map<string, Balances>, add: Add): void {
  const seen = new Set<string>()
  for (const a of accounts) {
    seen.add(a.id)
    const r = replayed.get(a.id) ?? zero()
    const off = SUMS.filter((k) => a[k] !== r[k])
    if (off.length) add({ code: 'LEDGER_BALANCE_MISMATCH', account: a.id, message: `account ${a.id}: ${off.map((k) => `${k} ${a[k]} stored, ${r[k]} replayed`).join('; ')}` })
  }
  for (const [id, r] of replayed) {
    if (!seen.has(id) && SUMS.some((k) => r[k] !== 0n)) add({ code: 'LEDGER_BALANCE_MISMATCH', account: id, message: `account ${id} is in the journal but not among the accounts` })
  }
}

const HELD: ReadonlySet<AccountKind> = new Set(['user', 'node', 'treasury', 'faucet'])

function invariant(accounts: readonly Account[], add: Add): Pick<VerifyReport, 'minted' | 'balances' | 'burned' | 'escrow' | 'staked'> {
  let minted = 0n
  let balances = 0n
  let burned = 0n
  let escrow = 0n
  let staked = 0n
  let debitsPending = 0n
  let creditsPending = 0n
  for (const a of accounts) {
    const b = balanceOf(a)
    if (ISSUERS.has(a.kind)) minted -= b
    else if (HELD.has(a.kind)) balances += b
    else if (a.kind === 'burn') burned += b
    else if (a.kind === 'escrow') escrow += b
    else if (a.kind === 'stake') staked += b
    debitsPending += a.debitsPending
    creditsPending += a.creditsPending
    if (a.flags.debitsMustNotExceedCredits && a.debitsPosted + a.debitsPending > a.creditsPosted) {
      add({ code: 'LEDGER_INVARIANT_BROKEN', account: a.id, message: `account ${a.id} is overdrawn although its flags forbid it` })
    }
    if (SUMS.some((k) => a[k] < 0n)) add({ code: 'LEDGER_INVARIANT_BROKEN', account: a.id, message: `account ${a.id} has a negative sum` })
  }
  if (minted !== balances + escrow + staked + burned) {
    add({ code: 'LEDGER_INVARIANT_BROKEN', message: `minted ${minted} ≠ balances ${balances} + escrow ${escrow} + staked ${staked} + burned ${burned}` })
  }
  if (debitsPending !== creditsPending) add({ code: 'LEDGER_INVARIANT_BROKEN', message: `pending debits ${debitsPending} ≠ pending credits ${creditsPending}` })
  return { minted, balances, burned, escrow, staked }
}
