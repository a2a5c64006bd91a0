/**
 * Governance of the network parameters: read them, propose changes, vote with your balance plus
 * stake at a proposal's snapshot, follow proposals to their end, and verify the signed governance
 * log here with @w3ai/ledger's verifier.
 *
 * ```ts
 * const gov = new GovernanceClient(hub)
 * const p = await gov.propose({ burnShareBps: 2500 }, { description: 'burn more' })
 * await gov.vote(p.id, 'for')
 * await gov.wait(p.id) // executed, defeated or cancelled
 * ```
 */
import { verifyGovernanceLog, type GovernanceEvent, type GovernanceLogReport } from '@w3ai/ledger'
import type { GovernanceLog, NetworkParameter, NetworkParametersView, Proposal, ProposalList, ProposalListQuery, ProposalStatusName, VoteAnswer, VoteSupportName } from '@w3ai/protocol'
import type { HubClient } from './client.js'
import { followPages, listPage, type ListPage } from './paging.js'

/** Changes as a map (name → value) or a list; values are whole numbers (decimal strings, numbers or bigints). */
export type ProposedChanges = Record<string, string | number | bigint> | ReadonlyArray<{ name: string; value: string | number | bigint }>

export interface GovernanceWaitOptions {
  /** Stop at one of these statuses (default: executed, defeated, cancelled). */
  until?: readonly ProposalStatusName[]
  /** Between polls, in ms (default 250). */
  intervalMs?: number
  /** Give up after this long, in ms (default 10 minutes). */
  timeoutMs?: number
  /** Told of every status change. */
  onUpdate?: (proposal: Proposal) => void
}

/** The largest page of the governance log the hub serves. */
export const GOVERNANCE_LOG_PAGE = 1000
const FINAL: readonly ProposalStatusName[] = ['executed', 'defeated', 'cancelled']
const path = (id: string, rest = ''): string => `/v1/governance/proposals/${encodeURIComponent(id)}${rest}`

function changeList(changes: ProposedChanges): Array<{ name: string; value: string }> {
  const list = Array.isArray(changes) ? (changes as ReadonlyArray<{ name: string; value: string | number | bigint }>) : Object.entries(changes).map(([name, value]) => ({ name, value }))
  return list.map((c) => ({ name: c.name, value: c.value.toString() }))
}

export class GovernanceClient {
  constructor(private readonly hub: HubClient) {}

  /** Every network parameter: value, kind, default, bounds, and the proposal that last set it. */
  async parameters(): Promise<NetworkParameter[]> {
    return (await this.hub.request<NetworkParametersView>('GET', '/v1/parameters', undefined, { unsigned: true })).parameters
  }

  /** Proposes changes (signed); the hub refuses unknown names and values out of bounds with GOV_BAD_PARAMETER. */
  propose(changes: ProposedChanges, options: { description?: string } = {}): Promise<Proposal> {
    return this.hub.request<Proposal>('POST', '/v1/governance/proposals', { changes: changeList(changes), ...(options.description === undefined ? {} : { description: options.description }) })
  }

  /** Votes once while voting is open, weighted by your balance plus stake at the proposal's snapshot. */
  vote(id: string, support: VoteSupportName): Promise<VoteAnswer> {
    return this.hub.request<VoteAnswer>('POST', path(id, '/votes'), { support })
  }

  /** Withdraws your proposal before its vote opens. */
  cancel(id: string): Promise<Proposal> {
    return this.hub.request<Proposal>('POST', path(id, '/cancel'))
  }

  /** A proposal with its live status and tally. */
  get(id: string): Promise<Proposal> {
    return this.hub.request<Proposal>('GET', path(id), undefined, { unsigned: true })
  }

  /** One page of proposals, newest first. */
  async list(query: ProposalListQuery = {}): Promise<ListPage<Proposal>> {
    const r = await this.hub.request<ProposalList>('GET', '/v1/governance/proposals', undefined, { unsigned: true, query: { limit: query.limit, cursor: query.cursor, status: query.status } })
    return listPage(r.proposals, r.nextCursor)
  }

  /** Every proposal, newest first: `for await (const p of gov.all())`. */
  all(query: ProposalListQuery = {}): AsyncGenerator<Proposal, void, undefined> {
    return followPages((q) => this.list({ ...query, ...q }), query)
  }

  /** Polls a proposal until it reaches one of `until` (default: executed, defeated or cancelled). */
  async wait(id: string, options: GovernanceWaitOptions = {}): Promise<Proposal> {
    const until = options.until ?? FINAL
    const deadline = Date.now() + (options.timeoutMs ?? 600_000)
    let last = ''
    for (;;) {
      const p = await this.get(id)
      if (p.status !== last) options.onUpdate?.(p)
      last = p.status
      if (until.includes(p.status)) return p
      if (Date.now() > deadline) throw new Error(`proposal ${id} is still ${p.status} after ${options.timeoutMs ?? 600_000} ms`)
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 250))
    }
  }

  /** Governance log events after seq `after`. */
  log(query: { after?: number; limit?: number } = {}): Promise<GovernanceLog> {
    return this.hub.request<GovernanceLog>('GET', '/v1/governance/log', undefined, { unsigned: true, query: { after: query.after, limit: query.limit } })
  }

  /** Downloads the whole governance log and verifies it here (chain, signatures); replays the parameters it set. */
  async verifyLog(options: { hubKeys?: readonly string[] } = {}): Promise<GovernanceLogReport> {
    const hubKeys = options.hubKeys ?? [(await this.hub.health()).orderKey]
    const events: GovernanceEvent[] = []
    for (let after = 0; ; ) {
      const page = await this.log({ after, limit: GOVERNANCE_LOG_PAGE })
      events.push(...(page.events as GovernanceEvent[]))
      if (page.nextCursor === null) break
      after = Number(page.nextCursor)
    }
    return verifyGovernanceLog({ events, hubKeys })
  }
}
