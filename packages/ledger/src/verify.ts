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
  const v = new LedgerVerifier(input.hubKeys)
  v.addEntries(input.entries)
  v.addBlocks(input.blocks)
  return v.report(input.accounts)
}

/**
 * The verifier fed a page at a time (journal and blocks, each in order, interleaved as they come),
 * so a client checks a ledger of any length in bounded memory: entries are replayed as they
 * arrive, and only the hashes of entries no block has sealed yet are kept. `report` may be called
 * at any point and feeding may go on after it.
 */
export class LedgerVerifier {
  private readonly keys: ReadonlySet<string>
  private readonly problems: LedgerProblem[] = []
  private readonly sums = new Map<string, Balances>()
  private readonly open = new Map<string, { debit: string; credit: string; amount: bigint }>()
  /** Hashes of entries past the last block's lastSeq, by seq. */
  private readonly unsealed = new Map<number, string>()
  /** Blocks whose lastSeq is past the entries seen so far. */
  private readonly waiting = new Map<number, { height: number; lastHash: string }>()
  private entryCount = 0
  private lastEntryHash = ZERO_HASH
  private blockCount = 0
  private lastBlockHash = ZERO_HASH
  private sealedSeq = 0

  constructor(hubKeys: readonly string[]) {
    this.keys = new Set(hubKeys)
  }

  private add(p: LedgerProblem): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(p)
  }

  /** The next journal entries, in order. */
  addEntries(entries: readonly JournalEntry[]): void {
    for (const e of entries) {
      const seq = ++this.entryCount
      if (e.seq !== seq) this.add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} carries seq ${String(e.seq)}: an entry was deleted, inserted or reordered` })
      else if (e.prev !== this.lastEntryHash) this.add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} does not link to the entry before it` })
      else if (safeHash(e) !== e.hash) this.add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} was changed: its hash does not match its fields` })
      this.lastEntryHash = e.hash
      const block = this.waiting.get(seq)
      if (block) {
        this.waiting.delete(seq)
        if (block.lastHash !== e.hash) this.sealMismatch(block.height, seq)
      } else if (seq > this.sealedSeq) {
        this.unsealed.set(seq, e.hash)
      }
      this.replay(e, seq)
    }
  }

  /** The next blocks, in order. */
  addBlocks(blocks: readonly Block[]): void {
    for (const b of blocks) {
      const height = ++this.blockCount
      const from = this.sealedSeq + 1
      if (b.height !== height) this.add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} carries height ${String(b.height)}: a block was deleted, inserted or reordered` })
      else if (b.prevBlockHash !== this.lastBlockHash) this.add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} does not link to the block before it` })
      else if (b.firstSeq !== from || !(b.lastSeq >= b.firstSeq)) this.add({ code: 'LEDGER_CHAIN_BROKEN', height, message: `block ${height} covers entries ${b.firstSeq}..${b.lastSeq}, expected to start at ${from}` })
      if (!this.keys.has(b.hubKey)) this.add({ code: 'LEDGER_BLOCK_BAD_SIGNATURE', height, message: `block ${height} is signed by a key that is not a trusted hub key` })
      else if (!safeVerify(b)) this.add({ code: 'LEDGER_BLOCK_BAD_SIGNATURE', height, message: `block ${height}'s signature does not verify` })
      this.lastBlockHash = safeBlockHash(b)
      const lastSeq = Number.isSafeInteger(b.lastSeq) ? b.lastSeq : 0
      if (lastSeq <= this.entryCount) {
        const hash = this.unsealed.get(lastSeq)
        if (hash !== b.lastHash) this.sealMismatch(height, lastSeq)
      } else {
        this.waiting.set(lastSeq, { height, lastHash: b.lastHash })
      }
      for (const seq of this.unsealed.keys()) {
        if (seq > lastSeq) break
        this.unsealed.delete(seq)
      }
      this.sealedSeq = Math.max(this.sealedSeq, lastSeq)
    }
  }

  private sealMismatch(height: number, seq: number): void {
    this.add({ code: 'LEDGER_CHAIN_BROKEN', height, seq, message: `block ${height} seals entry ${seq} with another hash than the journal's` })
  }

  /** The report so far, comparing the replay with `accounts` (every account the store holds). */
  report(accounts: readonly Account[]): VerifyReport {
    const problems = [...this.problems]
    const add = (p: LedgerProblem): void => {
      if (problems.length < MAX_PROBLEMS) problems.push(p)
    }
    if (this.sealedSeq !== this.entryCount) {
      add({ code: 'LEDGER_CHAIN_BROKEN', seq: Math.min(this.sealedSeq, this.entryCount) + 1, message: `the blocks seal entries up to ${this.sealedSeq} but the journal has ${this.entryCount}` })
    }
    compareAccounts(accounts, this.sums, add)
    const totals = invariant(accounts, add)
    return { ok: problems.length === 0, entries: this.entryCount, blocks: this.blockCount, ...totals, problems }
  }

  private at(id: string): Balances {
    let s = this.sums.get(id)
    if (!s) this.sums.set(id, (s = zero()))
    return s
  }

  /** Replays one entry into the sums (pending reservations tracked by transfer id). */
  private replay(e: JournalEntry, seq: number): void {
    const amount = units(e.amount)
    if (amount === undefined) {
      this.add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} has a malformed amount` })
      return
    }
    const dr = this.at(e.debit)
    const cr = this.at(e.credit)
    if (e.action === 'transfer') {
      dr.debitsPosted += amount
      cr.creditsPosted += amount
    } else if (e.action === 'pending') {
      dr.debitsPending += amount
      cr.creditsPending += amount
      this.open.set(e.transferId, { debit: e.debit, credit: e.credit, amount })
    } else {
      const p = e.pendingId === null ? undefined : this.open.get(e.pendingId)
      if (!p || p.debit !== e.debit || p.credit !== e.credit || (e.action === 'post' ? amount > p.amount : amount !== p.amount)) {
        this.add({ code: 'LEDGER_CHAIN_BROKEN', seq, message: `entry ${seq} closes a pending transfer that is not open or does not match` })
        return
      }
      this.open.delete(e.pendingId as string)
      dr.debitsPending -= p.amount
      cr.creditsPending -= p.amount
      if (e.action === 'post') {
        dr.debitsPosted += amount
        cr.creditsPosted += amount
      }
    }
  }
}

function safeHash(e: JournalEntry): string | undefined {
  try {
    return entryHash(e)
  } catch {
    return undefined
  }
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

const SUMS = ['debitsPosted', 'creditsPosted', 'debitsPending', 'creditsPending'] as const

type Add = (p: LedgerProblem) => void

function compareAccounts(accounts: readonly Account[], replayed: ReadonlyMap<string, Balances>, add: Add): void {
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
