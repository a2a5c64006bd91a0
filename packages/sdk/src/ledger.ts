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

  /** Accounts in id order, a page at a time. */
  async accounts(query: { cursor?: string; limit?: number } = {}): Promise<ListPage<LedgerAccountWire>> {
    const page = await this.hub.request<LedgerAccountPage>('GET', '/v1/ledger/accounts', undefined, { query: { cursor: query.cursor, limit: query.limit }, unsigned: true })
    return listPage(page.accounts, page.nextCursor)
  }

  /** Minted, burned, supply, treasury, escrow and staked units. */
  summary(): Promise<LedgerSummary> {
    return this.hub.request<LedgerSummary>('GET', '/v1/ledger/summary', undefined, { unsigned: true })
  }

  /**
   * Everything needed to verify: the whole journal, every block, every account. The accounts are
   * read last, so a ledger that grows meanwhile shows accounts ahead of the journal read (verify
   * then reports a mismatch: run it again, or on a quiet ledger).
   */
  async download(): Promise<LedgerDownload> {
    const entries: JournalEntry[] = []
    for (let after = 0; ; ) {
      const page = await this.journal({ after, limit: LEDGER_PAGE })
      entries.push(...page)
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    const blocks: Block[] = []
    for (let after = 0; ; ) {
      const page = await this.blocks({ after, limit: LEDGER_PAGE })
      blocks.push(...page)
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    return { entries, blocks, accounts: await this.allAccounts() }
  }

  /**
   * Downloads the ledger and verifies it here, page by page (memory grows with the accounts, not
   * the journal); `ok` only when the chain, the signatures, every balance and the supply invariant hold.
   */
  async verify(options: LedgerVerifyOptions = {}): Promise<VerifyReport> {
    const verifier = new LedgerVerifier(options.hubKeys ?? [(await this.hub.health()).orderKey])
    for (let after = 0; ; ) {
      const page = await this.journal({ after, limit: LEDGER_PAGE })
      verifier.addEntries(page)
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    for (let after = 0; ; ) {
      const page = await this.blocks({ after, limit: LEDGER_PAGE })
      verifier.addBlocks(page)
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    return verifier.report(await this.allAccounts())
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
