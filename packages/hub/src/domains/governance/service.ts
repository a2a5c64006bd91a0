/**
 * Governance: proposals to change network parameters, votes weighted by balance plus stake at the
 * proposal's snapshot, and the steps that decide and execute them. Every write runs in one
 * transaction under the governance lock and appends its event to the signed governance log, so
 * the state and the log never disagree and concurrent votes and upkeep steps have one order.
 */
import { randomBytes } from 'node:crypto'
import type { Identity } from '@w3ai/crypto'
import {
  canTransition,
  formatParameterValue,
  nextStep,
  parseChange,
  quorumReached,
  quorumVotes,
  readParameterValues,
  rulesOf,
  scheduleProposal,
  votesCast,
  votingOpen,
  withChanges,
  type ProposalStatus,
  type Tally,
  type VoteSupport,
} from '@w3ai/ledger'
import { W3aiError, type GovernanceLog, type HubEvent, type NetworkParameter, type Proposal, type ProposalCreate, type ProposalList, type ProposalListQuery, type VoteAnswer } from '@w3ai/protocol'
import type { Database, Queryable } from '../../db/types.js'
import { appendEvent, lockGovernance, readEvents } from './log-store.js'
import type { StoredNetworkParameters } from './parameters.js'
import type { GovernanceStore, ProposalRecord } from './store.js'
import { proposalView, tallyView, voteView } from './views.js'
import { takeSnapshot, weightAt } from './weights.js'

export interface GovernanceServiceComponents {
  db: Database
  store: GovernanceStore
  parameters: StoredNetworkParameters
  /** Signs the governance log (the hub's network key). */
  signer: Pick<Identity, 'publicKey' | 'signingKey'>
  /** ms since the epoch; proposals are scheduled and judged by it. */
  now: () => number
  publish: (event: HubEvent) => void
}

const newProposalId = (): string => `gp_${randomBytes(12).toString('hex')}`
const iso = (t: number): string => new Date(t).toISOString()

export class GovernanceService {
  constructor(private readonly c: GovernanceServiceComponents) {}

  /** Every network parameter with its value, bounds and origin. */
  parameters(): Promise<NetworkParameter[]> {
    return this.c.parameters.view()
  }

  /**
   * Makes a proposal. Each change must name a parameter and a value within its bounds, and the
   * changes together must keep the rules (GOV_BAD_PARAMETER naming the parameter); the proposer
   * needs tokens at the snapshot, which is the journal head now (GOV_NO_WEIGHT).
   */
  async propose(proposer: string, body: ProposalCreate): Promise<Proposal> {
    const changes = body.changes.map((c) => parseChange(c.name, c.value))
    const current = await this.c.parameters.all()
    withChanges(current, changes)
    const rules = rulesOf(current)
    const createdAt = this.c.now()
    const record: ProposalRecord = {
      id: newProposalId(),
      proposer,
      description: body.description ?? '',
      changes: changes.map((c) => ({ name: c.name, value: formatParameterValue(c.value) })),
      snapshotSeq: 0,
      supply: 0n,
      rules,
      ...scheduleProposal(createdAt, rules),
      status: 'pending',
      reason: null,
      createdAt,
      queuedAt: null,
      executedAt: null,
      closedAt: null,
    }
    await this.write(async (tx) => {
      const snapshot = await takeSnapshot(tx)
      const weight = await weightAt(tx, proposer, snapshot.seq)
      if (weight <= 0n) throw new W3aiError('GOV_NO_WEIGHT', `Account ${proposer} holds no tokens (balance plus stake) at journal seq ${snapshot.seq}; only holders may propose.`)
      record.snapshotSeq = snapshot.seq
      record.supply = snapshot.supply
      await this.c.store.insertProposal(tx, record)
      await appendEvent(
        tx,
        {
          proposalId: record.id,
          kind: 'proposed',
          data: {
            proposer,
            description: record.description,
            changes: record.changes,
            snapshotSeq: record.snapshotSeq,
            supply: record.supply.toString(),
            rules,
            votingStartsAt: iso(record.votingStartsAt),
            votingEndsAt: iso(record.votingEndsAt),
            eta: iso(record.eta),
          },
          at: iso(createdAt),
        },
        this.c.signer,
      )
    })
    this.announce(record.id, 'pending')
    return this.get(record.id)
  }

  /** Casts `voter`'s vote with its weight at the proposal's snapshot; once per voter, only while voting is open. */
  async vote(voter: string, id: string, support: VoteSupport): Promise<VoteAnswer> {
    const vote = await this.write(async (tx) => {
      const p = await this.mustGet(id, tx)
      const now = this.c.now()
      if (!votingOpen(p, now)) {
        const when = now < p.votingStartsAt ? `opens at ${iso(p.votingStartsAt)}` : `closed at ${iso(p.votingEndsAt)}`
        throw new W3aiError('GOV_VOTE_CLOSED', `Voting on ${id} is not open: it ${p.status === 'cancelled' ? 'was cancelled' : when}.`, { votingStartsAt: iso(p.votingStartsAt), votingEndsAt: iso(p.votingEndsAt), now: iso(now) })
      }
      if (await this.c.store.hasVoted(id, voter, tx)) throw new W3aiError('GOV_ALREADY_VOTED', `Account ${voter} has already voted on ${id}.`)
      const weight = await weightAt(tx, voter, p.snapshotSeq)
      if (weight <= 0n) throw new W3aiError('GOV_NO_WEIGHT', `Account ${voter} held no tokens (balance plus stake) at ${id}'s snapshot (journal seq ${p.snapshotSeq}).`, { snapshotSeq: p.snapshotSeq })
      const v = { proposalId: id, voter, support, weight, at: now }
      if (!(await this.c.store.insertVote(tx, v))) throw new W3aiError('GOV_ALREADY_VOTED', `Account ${voter} has already voted on ${id}.`)
      await appendEvent(tx, { proposalId: id, kind: 'voted', data: { voter, support, weight: weight.toString() }, at: iso(now) }, this.c.signer)
      return v
    })
    const proposal = await this.get(id)
    this.announce(id, proposal.status)
    return { vote: voteView(vote), proposal }
  }

  /** The proposer withdraws a proposal before its vote opens. */
  async cancel(proposer: string, id: string): Promise<Proposal> {
    await this.write(async (tx) => {
      const p = await this.mustGet(id, tx)
      const now = this.c.now()
      if (p.proposer !== proposer || p.status !== 'pending' || now >= p.votingStartsAt) {
        throw new W3aiError('GOV_NOT_CANCELLABLE', p.proposer !== proposer ? `Only its proposer may cancel ${id}.` : `${id} can no longer be cancelled: its vote opened at ${iso(p.votingStartsAt)}.`)
      }
      await this.c.store.setStatus(tx, id, 'pending', 'cancelled', { reason: 'cancelled by its proposer', closedAt: now })
      await appendEvent(tx, { proposalId: id, kind: 'cancelled', data: { by: proposer, reason: 'cancelled by its proposer' }, at: iso(now) }, this.c.signer)
    })
    this.announce(id, 'cancelled')
    return this.get(id)
  }

  /** A proposal with its live status and tally; GOV_PROPOSAL_NOT_FOUND when there is none. */
  async get(id: string): Promise<Proposal> {
    const p = await this.mustGet(id, this.c.db)
    const tally = (await this.c.store.tallies([id])).get(id) as Tally
    return proposalView(p, tally, this.c.now())
  }

  async list(query: ProposalListQuery): Promise<ProposalList> {
    const page = await this.c.store.list(query)
    const tallies = await this.c.store.tallies(page.items.map((p) => p.id))
    const now = this.c.now()
    return { proposals: page.items.map((p) => proposalView(p, tallies.get(p.id) as Tally, now)), nextCursor: page.nextCursor }
  }

  /** The governance log from seq `after` on. */
  async log(after: number, limit: number): Promise<GovernanceLog> {
    const events = await readEvents(this.c.db, after, limit + 1)
    const kept = events.slice(0, limit)
    const last = kept.at(-1)
    return { events: kept, nextCursor: events.length > limit && last !== undefined ? String(last.seq) : null }
  }

  /** One upkeep round: opens, decides and executes every proposal whose moment has come; answers how many moved. */
  async tick(): Promise<number> {
    const now = this.c.now()
    let moved = 0
    for (const id of await this.c.store.due(now)) if (await this.advance(id, now)) moved++
    return moved
  }

  private async advance(id: string, now: number): Promise<boolean> {
    const step = await this.write(async (tx) => {
      const p = await this.c.store.get(id, tx, true)
      if (p === undefined) return null
      const tally = (await this.c.store.tallies([id], tx)).get(id) as Tally
      const to = nextStep({ ...p, changes: [] }, tally, now)
      if (to === null || !canTransition(p.status, to)) return null
      return this.record(tx, p, to, tally, now)
    })
    if (step === null) return false
    if (step === 'executed') {
      const p = await this.mustGet(id, this.c.db)
      await this.c.parameters.refresh()
      this.c.publish({ type: 'params.updated', names: p.changes.map((c) => c.name), proposalId: id })
    }
    if (step !== 'active') this.announce(id, step)
    return true
  }

  /** Records one step of `p` inside the transaction; answers the status it took. */
  private async record(tx: Queryable, p: ProposalRecord, to: ProposalStatus, tally: Tally, now: number): Promise<ProposalStatus> {
    const { store, signer } = this.c
    const at = iso(now)
    const votes = tallyView(tally)
    if (to === 'active') {
      await store.setStatus(tx, p.id, p.status, 'active')
    } else if (to === 'defeated') {
      const reason = quorumReached(tally, p.supply, p.rules.quorumBps)
        ? `threshold not reached: ${votes.for} for, ${votes.against} against (more than ${p.rules.thresholdBps} bps for needed)`
        : `no quorum: ${votesCast(tally)} of ${quorumVotes(p.supply, p.rules.quorumBps)} units voted`
      await store.setStatus(tx, p.id, p.status, 'defeated', { reason, closedAt: now })
      await appendEvent(tx, { proposalId: p.id, kind: 'defeated', data: { tally: votes, reason }, at }, signer)
    } else if (to === 'queued') {
      await store.setStatus(tx, p.id, p.status, 'queued', { queuedAt: now })
      await appendEvent(tx, { proposalId: p.id, kind: 'queued', data: { tally: votes, eta: iso(p.eta) }, at }, signer)
    } else if (to === 'executed') {
      const stored: Record<string, string> = {}
      for (const r of await store.parameters(tx)) stored[r.name] = r.value
      try {
        withChanges(readParameterValues(stored), p.changes.map((c) => parseChange(c.name, c.value)))
      } catch (err) {
        // Another proposal executed meanwhile and these changes no longer fit with it.
        if (!(err instanceof W3aiError)) throw err
        const reason = `not executed: ${err.message}`
        await store.setStatus(tx, p.id, 'queued', 'cancelled', { reason, closedAt: now })
        await appendEvent(tx, { proposalId: p.id, kind: 'cancelled', data: { reason }, at }, signer)
        return 'cancelled'
      }
      await store.setParameters(tx, p.changes, p.id, now)
      await store.setStatus(tx, p.id, 'queued', 'executed', { executedAt: now, closedAt: now })
      await appendEvent(tx, { proposalId: p.id, kind: 'executed', data: { changes: p.changes }, at }, signer)
    }
    return to
  }

  private async mustGet(id: string, db: Queryable): Promise<ProposalRecord> {
    const p = await this.c.store.get(id, db, db !== this.c.db)
    if (p === undefined) throw new W3aiError('GOV_PROPOSAL_NOT_FOUND', `No governance proposal ${id}.`)
    return p
  }

  /** Runs `fn` in a transaction holding the governance lock. */
  private write<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const { db } = this.c
    return db.transaction(async (tx) => {
      await lockGovernance(tx, db.kind)
      return fn(tx)
    })
  }

  private announce(proposalId: string, status: string): void {
    this.c.publish({ type: 'governance.updated', proposalId, status })
  }
}
