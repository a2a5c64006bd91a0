/**
 * What jobs cost and who is paid. At submission the owner's funds for the most the job can cost
 * (every replica it may run, at the task time limit, at the highest price among its candidate
 * nodes) are held as a pending transfer to the job's escrow account; a job whose owner cannot pay
 * is refused before anything exists. When the job succeeds, each node whose result was accepted
 * (the verdict's majority, or the one replica) is paid its measured time at its own price (never
 * above the rate the job was escrowed at), less
 * the fee that goes to the treasury and the burn, in one linked chain; the rest of the hold is
 * released. A failed or cancelled job releases all of it: no result was accepted, so nobody's
 * work is paid. Transfer ids derive from the job id, and the decided settlement is stored before
 * it is applied, so a settlement retried (by the upkeep, by another hub) applies once.
 */
import { computeCharge, quoteCompute, shareOf, type ComputeQuote, type ResourceClass, type TransferInput, type TransferResult } from '@w3ai/ledger'
import { W3aiError, type ErrorCode } from '@w3ai/protocol'
import { settlementChain } from '../billing/chain.js'
import type { BillingSettings } from '../billing/config.js'
import type { PriceBook } from '../billing/prices.js'
import type { LedgerService } from '../ledger/service.js'
import type { BillingPlan, JobBillingRecords, JobBillingRow, PlannedTransfer } from './billing-store.js'

export interface JobBillingComponents {
  ledger: Pick<LedgerService, 'transfer' | 'wallet'>
  prices: PriceBook
  store: JobBillingRecords
  settings: Pick<BillingSettings, 'taskSeconds' | 'escrowTimeoutMs'>
  /** Tie-breaker replicas a disagreement may add (the escrow covers them). */
  maxTieBreakers: number
}

/** How a job ended, for its settlement: the nodes whose results were accepted are paid. */
export type JobOutcome = { status: 'succeeded'; accepted: readonly string[] } | { status: 'failed' | 'cancelled' }

/** A job's quote: the most it can cost and how that was reckoned. */
export interface JobQuote extends ComputeQuote {
  resourceClass: ResourceClass
}

/** Settlement codes that mean the hold is gone already (expired back to the owner). */
const HOLD_GONE: ReadonlySet<string> = new Set(['LEDGER_PENDING_EXPIRED', 'LEDGER_PENDING_CLOSED'])

/**
 * The most a job can cost: `replicas` plus the tie-breakers a disagreement may add (none for one
 * replica), each at `limitSeconds` and the highest price among `nodeIds` (the governed maximum when
 * none is named).
 */
export async function quoteJob(
  prices: PriceBook,
  q: { resourceClass: ResourceClass; nodeIds: readonly string[]; replicas: number; limitSeconds: number; maxTieBreakers: number },
): Promise<JobQuote> {
  const pricePerSecond = await prices.computeRate(q.resourceClass, q.nodeIds)
  const tieBreakers = q.replicas > 1 ? q.maxTieBreakers : 0
  return { resourceClass: q.resourceClass, ...quoteCompute({ pricePerSecond, limitSeconds: q.limitSeconds, replicas: q.replicas, tieBreakers }) }
}

export const jobRef = (jobId: string): string => `job:${jobId}`
export const jobHold = (jobId: string): string => `job:${jobId}:escrow`
export const jobEscrowAccount = (jobId: string): string => `escrow:job:${jobId}`

export class JobBilling {
  constructor(private readonly c: JobBillingComponents) {}

  /**
   * The most a job can cost: `replicas` (its verification, or a spot check) plus the tie-breakers
   * a disagreement may add, each at the task time limit and the highest price among `nodeIds`.
   */
  quote(resourceClass: ResourceClass, nodeIds: readonly string[], replicas: number): Promise<JobQuote> {
    return quoteJob(this.c.prices, { resourceClass, nodeIds, replicas, limitSeconds: this.c.settings.taskSeconds, maxTieBreakers: this.c.maxTieBreakers })
  }

  /** Holds the quote from the owner's wallet for the job; BILLING_INSUFFICIENT_FUNDS (nothing held, nothing recorded) when it cannot pay. */
  async escrow(owner: string, jobId: string, quote: JobQuote): Promise<void> {
    if (quote.amount === 0n) return
    const debit = `user:${owner}`
    const [result] = await this.c.ledger.transfer([
      { id: jobHold(jobId), debit, credit: jobEscrowAccount(jobId), amount: quote.amount, kind: 'escrow', pending: { timeoutMs: this.c.settings.escrowTimeoutMs }, memo: `escrow for job ${jobId}` },
    ])
    if (result?.code === 'LEDGER_INSUFFICIENT_FUNDS') {
      const { available } = await this.c.ledger.wallet(debit)
      throw new W3aiError('BILLING_INSUFFICIENT_FUNDS', `This job may cost up to ${quote.amount} units (${quote.replicas + quote.tieBreakers} replica(s) × ${quote.limitSeconds} s × ${quote.pricePerSecond} units/s); your wallet has ${available} available.`, { needed: quote.amount.toString(), available })
    }
    if (result?.code !== 'ok' && result?.code !== 'exists') throw new W3aiError((result?.code ?? 'INTERNAL') as ErrorCode, result?.message)
    await this.c.store.insert({ jobId, owner, resourceClass: quote.resourceClass, pricePerSecond: quote.pricePerSecond, limitSeconds: quote.limitSeconds, escrow: quote.amount })
  }

  /**
   * Settles a finished job once: decides the settlement (or takes the one decided before), applies
   * it, then marks it applied. Safe to call again at any point; a job without escrow is skipped.
   */
  async settle(jobId: string, outcome: JobOutcome): Promise<void> {
    const row = await this.c.store.get(jobId)
    if (row === undefined || row.status !== 'escrowed') return
    const plan = row.plan ?? (await this.c.store.plan(jobId, await this.decide(jobId, row, outcome)))
    const results = await this.c.ledger.transfer(plan.chain.map(fromPlan))
    const failed = results.find((r) => r.code !== 'ok' && r.code !== 'exists' && r.code !== 'LEDGER_LINKED_FAILED')
    if (failed !== undefined && !HOLD_GONE.has(failed.code)) throw new W3aiError(failed.code as ErrorCode, `settlement of job ${jobId}: ${failed.id} ${failed.message ?? failed.code}`)
    if (failed !== undefined) {
      // The hold expired (or was closed) before the settlement: its funds are back with the owner.
      await this.c.store.close(jobId, 'refunded', 0n)
      return
    }
    if (plan.rewards.length > 0) await this.reward(jobId, plan.rewards)
    await this.c.store.close(jobId, plan.outcome === 'paid' ? 'settled' : 'refunded', BigInt(plan.total))
  }

  /** Open escrows to settle: their job finished, or never came to be, at least `graceMs` ago. */
  unsettled(graceMs: number): Promise<string[]> {
    return this.c.store.unsettled(graceMs)
  }

  private async decide(jobId: string, { pricePerSecond, limitSeconds, escrow, resourceClass }: JobBillingRow, outcome: JobOutcome): Promise<BillingPlan> {
    const refund: BillingPlan = { outcome: 'refund', total: '0', chain: [{ id: `${jobRef(jobId)}:refund`, void: jobHold(jobId) }], rewards: [] }
    if (outcome.status !== 'succeeded') return refund
    const accepted = new Set(outcome.accepted)
    const times = (await this.c.store.taskTimes(jobId)).filter((t) => accepted.has(t.nodeId))
    // Each node at its own price now, never above the rate the job was escrowed at.
    const own = await this.c.prices.computePrices(resourceClass, times.map((t) => t.nodeId))
    const payees = times.map((t) => {
      const price = min(own.get(t.nodeId) ?? pricePerSecond, pricePerSecond)
      const ms = Math.min(Math.floor(t.ms), limitSeconds * 1000)
      return { account: `node:${t.nodeId}`, charge: computeCharge(ms, price, limitSeconds), memo: `${ms} ms × ${price} units/s` }
    })
    const fees = await this.c.prices.settlement()
    const s = settlementChain({ ref: jobRef(jobId), hold: jobHold(jobId), escrow: jobEscrowAccount(jobId), payees, fees })
    if (s.total === 0n) return refund
    if (s.total > escrow) throw new W3aiError('INTERNAL', `job ${jobId} consumed ${s.total} units, more than its escrow of ${escrow}`)
    const charges = new Map<string, bigint>()
    for (const p of payees) charges.set(p.account, (charges.get(p.account) ?? 0n) + p.charge)
    const rewards = [...charges]
      .map(([account, charge]) => ({ id: `${jobRef(jobId)}:reward:${account.replace(/^node:/, '')}`, debit: 'treasury', credit: account, amount: shareOf(charge, fees.computeRewardShareBps), kind: 'reward' as const }))
      .filter((t) => t.amount > 0n)
    return { outcome: 'paid', total: s.total.toString(), chain: s.transfers.map(toPlan), rewards: rewards.map(toPlan) }
  }

  /** Rewards come from the treasury, each on its own: a treasury too low for one pays the others and does not hold up the settlement. */
  private async reward(jobId: string, rewards: PlannedTransfer[]): Promise<TransferResult[]> {
    const results = await this.c.ledger.transfer(rewards.map(fromPlan))
    const failed = results.find((r) => r.code !== 'ok' && r.code !== 'exists')
    if (failed !== undefined && failed.code !== 'LEDGER_INSUFFICIENT_FUNDS') throw new W3aiError(failed.code as ErrorCode, `reward of job ${jobId}: ${failed.id} ${failed.message ?? failed.code}`)
    return results
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

function toPlan(t: TransferInput): PlannedTransfer {
  const { amount, pending: _pending, ...rest } = t
  return { ...rest, ...(amount === undefined ? {} : { amount: amount.toString() }) }
}

function fromPlan(t: PlannedTransfer): TransferInput {
  const { amount, kind, ...rest } = t
  return { ...rest, ...(amount === undefined ? {} : { amount: BigInt(amount) }), ...(kind === undefined ? {} : { kind: kind as TransferInput['kind'] }) }
}
