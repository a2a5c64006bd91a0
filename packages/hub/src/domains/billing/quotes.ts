/**
 * Quotes: what a job, an upload or a deployment's inference costs before it is asked for, reckoned
 * exactly as submission reckons it (the same price book, time limit and replica count), so the
 * amount quoted is what a job holds in escrow at most, and what an upload or a call is charged.
 */
import { builtinExecutors, type ExecutorDescriptors } from '@w3ai/compute/executors'
import { quoteStorage, resourceClassOf, splitFee } from '@w3ai/ledger'
import { STORAGE_DEFAULTS, type JobExecutor, type Quote, type QuoteRequest, type Redundancy } from '@w3ai/protocol'
import { quoteJob } from '../compute/billing.js'
import { chooseNodes, type HubRouter } from '../compute/routing.js'
import type { JobStore } from '../compute/store.js'
import type { PiecePlacement } from '../storage/placement.js'
import { fittingRedundancy } from '../storage/rules.js'
import { BILLING_DEFAULTS } from './config.js'
import type { PriceBook } from './prices.js'

export interface QuoteComponents {
  prices: PriceBook
  /** Whether this hub charges. */
  billing: boolean
  /** The task time limit a replica is escrowed for (seconds). */
  taskSeconds: number
  /** Share of unverified, unsealed jobs that get a spot-check replica: a quote counts it when above 0. */
  spotCheckRate: number
  maxTieBreakers: number
  /** Hours an upload is paid for when it names none (default BILLING_DEFAULTS.storageHours). */
  storageHours?: number
  router?: HubRouter
  jobs: JobStore
  placement: Pick<PiecePlacement, 'countPlaceable'>
  /** The deployment's serving candidates (the servable executor's nodes). */
  servingNodes: () => Promise<string[]>
  executors?: ExecutorDescriptors
}

type Parts = Pick<Quote, 'amount' | 'breakdown'>

export class QuoteService {
  private readonly executors: ExecutorDescriptors

  constructor(private readonly c: QuoteComponents) {
    this.executors = c.executors ?? builtinExecutors()
  }

  async quote(request: QuoteRequest): Promise<Quote> {
    const parts = request.kind === 'job' ? await this.job(request) : request.kind === 'upload' ? await this.upload(request) : await this.deployment(request)
    const fees = await this.c.prices.settlement()
    const split = splitFee(BigInt(parts.amount), fees)
    const s = (v: bigint): string => v.toString()
    return {
      kind: request.kind,
      billing: this.c.billing,
      ...parts,
      fee: { feeRateBps: fees.feeRateBps, treasuryShareBps: fees.treasuryShareBps, burnShareBps: fees.burnShareBps, fee: s(split.fee), treasury: s(split.treasury), burn: s(split.burn), nodes: s(split.nodes) },
    }
  }

  /**
   * At most: the replicas asked for (or a spot check's two, which an unverified, unsealed job may
   * get), the tie-breakers a disagreement may add, at the time limit and the highest price among
   * the nodes the job would go to.
   */
  private async job(r: Extract<QuoteRequest, { kind: 'job' }>): Promise<Parts> {
    const verify = r.verify ?? 1
    const replicas = verify === 1 && r.sealed !== true && this.c.spotCheckRate > 0 ? 2 : verify
    const needs = this.executors.get(r.executor).resources((r.params ?? {}) as Record<string, unknown>)
    const resourceClass = resourceClassOf(needs)
    // The candidates submission would choose (replicas and the tie-breakers' spares), priced as it prices them.
    const nodes = await chooseNodes(this.c.router, this.c.jobs, r.executor as JobExecutor, replicas + this.c.maxTieBreakers, needs)
    const q = await quoteJob(this.c.prices, { resourceClass, nodeIds: nodes.map((n) => n.nodeId), replicas, limitSeconds: this.c.taskSeconds, maxTieBreakers: this.c.maxTieBreakers })
    return {
      amount: q.amount.toString(),
      breakdown: { resourceClass, pricePerSecond: q.pricePerSecond.toString(), limitSeconds: q.limitSeconds, replicas: q.replicas, tieBreakers: q.tieBreakers, perReplica: q.perReplica.toString(), nodes: nodes.length },
    }
  }

  /** The bytes the nodes would hold (size × n / k) for the hours asked, at the storage price. */
  private async upload(r: Extract<QuoteRequest, { kind: 'upload' }>): Promise<Parts> {
    const redundancy = r.redundancy ?? (await this.fitting(r.size))
    const storedBytes = Math.ceil((r.size * redundancy.n) / redundancy.k)
    const hours = r.durationHours ?? this.c.storageHours ?? BILLING_DEFAULTS.storageHours
    // Nodes advertise no storage price: the governed minimum, as the storage side charges.
    const pricePerGiBHour = await this.c.prices.storageRate([])
    const amount = quoteStorage({ storedBytes: BigInt(storedBytes), hours, pricePerGiBHour })
    return { amount: amount.toString(), breakdown: { storedBytes, hours, pricePerGiBHour: pricePerGiBHour.toString(), redundancy: { k: redundancy.k, n: redundancy.n } } }
  }

  /** `calls` answered inferences at the highest price among the nodes that would serve it. */
  private async deployment(r: Extract<QuoteRequest, { kind: 'deployment' }>): Promise<Parts> {
    const calls = r.calls ?? 1
    const pricePerCall = await this.c.prices.servingRate(await this.c.servingNodes())
    return { amount: (pricePerCall * BigInt(calls)).toString(), breakdown: { pricePerCall: pricePerCall.toString(), calls } }
  }

  /** What an upload naming no redundancy gets: fitted to the nodes that can take its pieces (the defaults when too few are online). */
  private async fitting(size: number): Promise<Redundancy> {
    const placeable = await this.c.placement.countPlaceable(Math.min(STORAGE_DEFAULTS.segmentSize, Math.max(size, 1)) / 1024 ** 3, STORAGE_DEFAULTS.n)
    return fittingRedundancy(placeable) ?? { k: STORAGE_DEFAULTS.k, n: STORAGE_DEFAULTS.n, repairThreshold: STORAGE_DEFAULTS.repairThreshold }
  }
}
