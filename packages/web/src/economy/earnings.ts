/**
 * Node earnings from the public ledger: every `node:<id>` account, with what it was ever paid
 * (posted credits), what it holds now and what is on its way (pending credits). The hub lists
 * accounts in id order, so node accounts are one run between `genesis` and `stake:…`: pages are
 * read until the run has items, and the list ends once an id past it shows up.
 */
import type { LedgerAccountWire } from '@w3ai/protocol'
import type { LoadPage, Page } from '../paging.js'

export interface NodeEarning {
  nodeId: string
  /** Units ever credited (posted): rewards, settlements, transfers in. */
  earned: bigint
  /** Units held now (posted credits − posted debits). */
  balance: bigint
  /** Units reserved to it, not yet posted. */
  pending: bigint
}

const NODE_PREFIX = 'node:'
/** Pages of other accounts (escrows before the node run) one load may skip to reach node accounts. */
const MAX_SKIPPED_PAGES = 20

export function earningOf(a: LedgerAccountWire): NodeEarning {
  return { nodeId: a.id.slice(NODE_PREFIX.length), earned: BigInt(a.creditsPosted), balance: BigInt(a.creditsPosted) - BigInt(a.debitsPosted), pending: BigInt(a.creditsPending) }
}

/** Whether an account id sorts after every node account. */
const pastNodes = (id: string): boolean => id > NODE_PREFIX && !id.startsWith(NODE_PREFIX)

/** Node earnings page by page over the hub's account pages (`accounts` reads one). */
export function nodeEarningPages(accounts: (cursor: string | null, limit: number) => Promise<{ accounts: LedgerAccountWire[]; nextCursor: string | null }>): LoadPage<NodeEarning> {
  return async (cursor, limit): Promise<Page<NodeEarning>> => {
    let at = cursor
    for (let skipped = 0; ; skipped++) {
      const page = await accounts(at, limit)
      const items = page.accounts.filter((a) => a.id.startsWith(NODE_PREFIX)).map(earningOf)
      const last = page.accounts[page.accounts.length - 1]
      const done = page.nextCursor === null || (last !== undefined && pastNodes(last.id))
      if (items.length > 0 || done || skipped >= MAX_SKIPPED_PAGES) return { items, nextCursor: done ? null : page.nextCursor }
      at = page.nextCursor
    }
  }
}
