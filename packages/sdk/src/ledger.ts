/**
 * The public ledger: the hash-chained journal, the blocks the hub signed, every account's sums and
 * the supply totals. `verify()` downloads all of it and checks it here with @w3ai/ledger's
 * verifier (chain, signatures, balances to the unit, minted = held + escrow + staked + burned),
 * so nobody has to trust the hub's word.
 *
 * ```ts
 * const report = await new LedgerClient(hub).verify()
 * if (!report.ok) console.error(report.problems)
 * ```
 */
import { accountFromWire, LedgerVerifier, type Account, type Block, type JournalEntry, type VerifyReport } from '@w3ai/ledger'
import type { JournalEntryWire, JournalPage, LedgerAccountPage, LedgerAccountWire, LedgerBlockPage, LedgerBlockWire, LedgerSummary } from '@w3ai/protocol'
import type { HubClient } from './client.js'
import { listPage, type ListPage } from './paging.js'

/** The largest page the hub serves for the journal, blocks and accounts. */
export const LEDGER_PAGE = 1000

export interface LedgerPageQuery {
  /** Items after this seq (journal) or height (blocks); default 0. */
  after?: number
  limit?: number
}

export interface LedgerDownload {
  entries: JournalEntry[]
  blocks: Block[]
  accounts: Account[]
}

export interface LedgerVerifyOptions {
  /** Keys trusted to sign blocks (base64url ed25519). Default: the network key the hub announces at /v1/health. */
  hubKeys?: readonly string[]
}

/** Where a snapshot's pages go: a download keeps them, a verification checks them as they come. */
interface LedgerSink<T> {
  addEntries(page: readonly JournalEntry[]): void
  addBlocks(page: readonly Block[]): void
  done(accounts: Account[]): T
}

export class LedgerClient {
  constructor(private readonly hub: HubClient) {}

  /** Journal entries after `after`, in seq order; nextCursor is the seq to continue after (null on the last page). */
  async journal(query: LedgerPageQuery = {}): Promise<ListPage<JournalEntryWire>> {
    const page = await this.hub.request<JournalPage>('GET', '/v1/ledger/journal', undefined, { query: { after: query.after, limit: query.limit }, unsigned: true })
    return listPage(page.entries, page.nextCursor)
  }

  /** Blocks after height `after`, in order. */
  async blocks(query: LedgerPageQuery = {}): Promise<ListPage<LedgerBlockWire>> {
    const page = await this.hub.request<LedgerBlockPage>('GET', '/v1/ledger/blocks', undefined, { query: { after: query.after, limit: query.limit }, unsigned: true })
    return listPage(page.blocks, page.nextCursor)
  }

  /** Accounts in id order (of one kind when `kind` is given), a page at a time. */
  async accounts(query: { cursor?: string; limit?: number; kind?: LedgerAccountWire['kind'] } = {}): Promise<ListPage<LedgerAccountWire>> {
    const page = await this.hub.request<LedgerAccountPage>('GET', '/v1/ledger/accounts', undefined, { query: { cursor: query.cursor, limit: query.limit, kind: query.kind }, unsigned: true })
    return listPage(page.accounts, page.nextCursor)
  }

  /** Minted, burned, supply, treasury, escrow and staked units. */
  summary(): Promise<LedgerSummary> {
    return this.hub.request<LedgerSummary>('GET', '/v1/ledger/summary', undefined, { unsigned: true })
  }

  /**
   * Everything needed to verify, as of one moment: every account, every block and the journal up
   * to the last block (see `snapshot`).
   */
  async download(options: { attempts?: number } = {}): Promise<LedgerDownload> {
    return this.snapshot(() => {
      const entries: JournalEntry[] = []
      const blocks: Block[] = []
      return { addEntries: (page) => entries.push(...page), addBlocks: (page) => blocks.push(...page), done: (accounts) => ({ entries, blocks, accounts }) }
    }, options.attempts)
  }

  /**
   * Downloads the ledger as of one moment and verifies it here, page by page (memory grows with
   * the accounts, not the journal); `ok` only when the chain, the signatures, every balance and
   * the supply invariant hold.
   */
  async verify(options: LedgerVerifyOptions = {}): Promise<VerifyReport> {
    const keys = options.hubKeys ?? [(await this.hub.health()).orderKey]
    return this.snapshot(() => {
      const verifier = new LedgerVerifier(keys)
      return { addEntries: (page) => verifier.addEntries(page), addBlocks: (page) => verifier.addBlocks(page), done: (accounts) => verifier.report(accounts) }
    })
  }

  /**
   * Reads every block, then every account, then asks for blocks past the last one: none means no
   * batch committed while the accounts were read (each batch commits with its block), so they are
   * the ledger as of that block; new blocks are taken in and the accounts read again (up to
   * `attempts` reads, default 5; the last is answered whatever it holds). The journal is read
   * last, up to the last block's entry: entries never change once written. Only the accounts read
   * must fall between two commits, not the whole download.
   */
  private async snapshot<T>(sink: () => LedgerSink<T>, attempts = 5): Promise<T> {
    const into = sink()
    const tip = { height: 0, seq: 0 }
    const moreBlocks = async (): Promise<boolean> => {
      let any = false
      for (;;) {
        const page = await this.blocks({ after: tip.height, limit: LEDGER_PAGE })
        into.addBlocks(page)
        const last = page[page.length - 1]
        if (last !== undefined) {
          any = true
          tip.height = last.height
          tip.seq = last.lastSeq
        }
        if (page.nextCursor === null || last === undefined) return any
      }
    }
    await moreBlocks()
    let accounts = await this.allAccounts()
    for (let attempt = 1; attempt < attempts && (await moreBlocks()); attempt++) accounts = await this.allAccounts()
    for (let after = 0; after < tip.seq; ) {
      const page = await this.journal({ after, limit: LEDGER_PAGE })
      into.addEntries(page.filter((e) => e.seq <= tip.seq))
      if (page.nextCursor === null || page.length === 0) break
      after = Number(page.nextCursor)
    }
    return into.done(accounts)
  }

  /** Every account, in id order. */
  async allAccounts(): Promise<Account[]> {
    const accounts: Account[] = []
    for (let cursor: string | undefined; ; ) {
      const page = await this.accounts({ limit: LEDGER_PAGE, ...(cursor === undefined ? {} : { cursor }) })
      accounts.push(...page.map(accountFromWire))
      if (page.nextCursor === null) return accounts
      cursor = page.nextCursor
    }
  }
}
