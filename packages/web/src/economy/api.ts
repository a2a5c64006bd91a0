/**
 * The hub's economy API from the page. The public ledger (journal, accounts) and governance reads
 * are unsigned, so the supply chart, node earnings and proposals show without an identity; the
 * wallet, transfers, the faucet and votes are signed with the loaded identity (the storage page's client).
 */
import type { JournalEntryWire, JournalPage, LedgerAccountPage, Proposal, TransferWire, VoteAnswer, VoteSupportName, Wallet } from '@w3ai/protocol'
import { hubPages, pagePath, type LoadPage } from '../paging.js'
import { HubError, type StorageApi } from '../storage/hub-api.js'

/** The largest journal and account page the hub serves. */
export const LEDGER_PAGE = 1000

/** An unsigned GET of the page's own hub; error answers become HubError with their code. */
export async function publicGet<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } })
  const body = (await res.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined
  if (!res.ok) throw new HubError(body?.error?.code ?? 'INTERNAL', body?.error?.message ?? `GET ${path} answered ${res.status}`, res.status)
  return body as T
}

/** Journal entries after seq `after`, in order (the public journal anyone can verify). */
export function journalAfter(after: number, limit = LEDGER_PAGE): Promise<JournalPage> {
  return publicGet<JournalPage>(`/v1/ledger/journal?after=${after}&limit=${limit}`)
}

/** One page of ledger accounts in id order. */
export function accountsPage(cursor: string | null, limit: number): Promise<LedgerAccountPage> {
  return publicGet<LedgerAccountPage>(pagePath('/v1/ledger/accounts', cursor, Math.min(limit, LEDGER_PAGE)))
}

/** Proposals, newest first, page by page, each with its live tally. */
export const proposalPages: LoadPage<Proposal> = hubPages<Proposal>({ request: (_method, path) => publicGet(path) }, '/v1/governance/proposals', 'proposals')

/** A fresh transfer id, the idempotency key of one transfer the page sends. */
export function newTransferId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  return `web_${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

/** The signed side: the identity's wallet, its transfers and faucet, and its votes. */
export class WalletApi {
  /** The wallet's journal entries, newest first, page by page. */
  readonly historyPages: LoadPage<JournalEntryWire>

  constructor(private readonly hub: Pick<StorageApi, 'request'>) {
    this.historyPages = hubPages<JournalEntryWire>(hub, '/v1/wallet/history', 'entries')
  }

  wallet(): Promise<Wallet> {
    return this.hub.request<Wallet>('GET', '/v1/wallet')
  }

  /** Sends `units` to `to` (an account id, user:… or node:…) under `id`: sending the same id again moves nothing twice. */
  transfer(id: string, to: string, units: bigint): Promise<TransferWire> {
    return this.hub.request<TransferWire>('POST', '/v1/wallet/transfers', { id, to, amount: units.toString() })
  }

  /** The faucet's default amount (devnets; LEDGER_FAUCET_DISABLED elsewhere). */
  faucet(): Promise<TransferWire> {
    return this.hub.request<TransferWire>('POST', '/v1/faucet', {})
  }

  vote(proposalId: string, support: VoteSupportName): Promise<VoteAnswer> {
    return this.hub.request<VoteAnswer>('POST', `/v1/governance/proposals/${encodeURIComponent(proposalId)}/votes`, { support })
  }
}
