/**
 * A wallet on the hub's ledger: the balance of your user account, its history, transfers and the
 * devnet faucet. Amounts are units (1 token = 10^18 units): pass a bigint, or a decimal string of
 * units; `parseTokens('1.5')` from @w3ai/ledger turns tokens into units.
 *
 * ```ts
 * const wallet = new WalletClient(hub)
 * await wallet.faucet()
 * const t = await wallet.transfer({ to: 'a_0123456789abcdef0123', amount: parseTokens('2.5') })
 * const { balance } = await wallet.balance()
 * ```
 */
import { randomBytes } from 'node:crypto'
import type { JournalEntryWire, PageQuery, TransferWire, Wallet } from '@w3ai/protocol'
import type { HubClient } from './client.js'
import { followPages, listPage, pageQuery, type ListPage } from './paging.js'

export interface WalletTransferOptions {
  /** An account id (its user account), user:<accountId> or node:<nodeId>. */
  to: string
  /** Units: a bigint or a decimal string. */
  amount: bigint | string
  /**
   * The transfer's idempotency key (^[A-Za-z0-9_.-]{1,64}$): sending it again answers the first
   * outcome. Default: a fresh random id, made here, so a retry after a lost answer moves nothing twice.
   */
  id?: string
  /** Up to 200 characters, public in the journal. */
  memo?: string
  /** Debit this account instead of your user account: node:<nodeId> when signing with that node's key. */
  from?: string
}

/** A fresh transfer id. */
export const newTransferId = (): string => `tx_${randomBytes(12).toString('hex')}`

export class WalletClient {
  constructor(private readonly hub: HubClient) {}

  /** The balance, available (balance − reserved) and pending (reserved) units of your user account. */
  balance(): Promise<Wallet> {
    return this.hub.request<Wallet>('GET', '/v1/wallet')
  }

  /** One page of the journal entries that debit or credit your account, newest first. */
  async history(query: PageQuery = {}): Promise<ListPage<JournalEntryWire>> {
    const page = await this.hub.request<{ entries: JournalEntryWire[]; nextCursor: string | null }>('GET', '/v1/wallet/history', undefined, { query: pageQuery(query) })
    return listPage(page.entries, page.nextCursor)
  }

  /** Every entry of your history, newest first, fetched a page at a time. */
  allHistory(query: Omit<PageQuery, 'cursor'> = {}): AsyncGenerator<JournalEntryWire, void, undefined> {
    return followPages((q) => this.history(q), query)
  }

  /** Sends units; safe to call again with the same id (the first outcome is answered, nothing moves twice). */
  transfer(options: WalletTransferOptions): Promise<TransferWire> {
    const body = {
      id: options.id ?? newTransferId(),
      to: options.to,
      amount: options.amount.toString(),
      ...(options.memo === undefined ? {} : { memo: options.memo }),
      ...(options.from === undefined ? {} : { from: options.from }),
    }
    return this.hub.request<TransferWire>('POST', '/v1/wallet/transfers', body, { idempotent: true })
  }

  /** Units from the devnet faucet (default: the hub's amount), up to its cap per account. */
  faucet(amount?: bigint | string): Promise<TransferWire> {
    return this.hub.request<TransferWire>('POST', '/v1/faucet', amount === undefined ? {} : { amount: amount.toString() })
  }
}
