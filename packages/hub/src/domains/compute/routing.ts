/**
 * The hub's AI router and its one node index: the @w3ai/router index kept current from the
 * registry (loaded at start, reloaded every `refreshMs` in case an event between hubs was lost,
 * and in between fed by the event bus, which carries every hub's registrations, statuses, loads
 * and disk use) and from task outcomes. Job placement and storage placement (pieces on nodes
 * with free disk, spread over regions; issue 8 D2) both ask it instead of scanning the nodes table.
 */
import type { ExecutorResources } from '@w3ai/compute/executors'
import type { HubEvent, JobExecutor, NodeInfo } from '@w3ai/protocol'
import { createRouter, type Router, type RouterOptions } from '@w3ai/router'
import type { EventBus } from '../../infra/event-bus.js'
import type { JobStore } from './store.js'
import type { NodeStore } from '../nodes/store.js'
import { tokensOf, type StakeRule } from '../staking/policy.js'

/** Where a storage piece goes: a node and the endpoint its client uploads to. */
export interface PlacementTarget {
  id: string
  endpoint: string
}

export interface HubRouterOptions extends RouterOptions {
  /** Reload the registry this often (ms), in case an event between hubs was lost (default 60 s; 0: never). */
  refreshMs?: number
  /** Bonded stake per node (units), loaded with the registry; `node.stake` events keep it current. */
  stakes?: () => Promise<ReadonlyMap<string, bigint>>
  /** The minimum stake a task's nodes need (work above the free limit); none: any node may take any task. */
  stakeRule?: StakeRule
}

export class HubRouter {
  readonly router: Router
  private unsubscribe: (() => void) | undefined
  private refresh: ReturnType<typeof setInterval> | undefined
  private loaded: Promise<void> | undefined
  private readonly refreshMs: number
  private readonly stakes: HubRouterOptions['stakes']
  private readonly stakeRule: StakeRule | undefined

  constructor(
    private readonly nodes: Pick<NodeStore, 'all'>,
    private readonly bus: Pick<EventBus, 'subscribe'>,
    options: HubRouterOptions = {},
  ) {
    const { refreshMs, stakes, stakeRule, ...routerOptions } = options
    this.refreshMs = refreshMs ?? 60_000
    this.stakes = stakes
    this.stakeRule = stakeRule
    this.router = createRouter(routerOptions)
  }

  async start(): Promise<void> {
    this.unsubscribe ??= this.bus.subscribe((e) => this.apply(e))
    this.loaded ??= this.load()
    await this.loaded
    if (this.refreshMs > 0 && this.refresh === undefined) {
      this.refresh = setInterval(() => void this.load().catch(() => undefined), this.refreshMs)
      this.refresh.unref()
    }
  }

  stop(): void {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    if (this.refresh !== undefined) clearInterval(this.refresh)
    this.refresh = undefined
  }

  private async load(): Promise<void> {
    for (const node of await this.nodes.all()) this.upsert(node)
    if (this.stakes !== undefined) for (const [id, units] of await this.stakes()) this.router.setStake(id, tokensOf(units))
  }

  /**
   * Up to `count` distinct online nodes with `minFreeGb` free disk, spread over regions, none in
   * `exclude` (the holders of a segment's other pieces during repair): a bounded sample of the
   * index, never the whole fleet. Waits for the first registry load when called before start.
   */
  async placePieces(count: number, minFreeGb: number, exclude: Iterable<string> = []): Promise<PlacementTarget[]> {
    await this.ready()
    return this.router.placePieces({ count, minFreeGb, exclude }).map((t) => ({ id: t.nodeId, endpoint: t.endpoint }))
  }

  /** How many online nodes could take a piece of `minFreeGb` now (the rule placePieces applies), counting up to `limit`. */
  async countPlaceable(minFreeGb: number, limit?: number): Promise<number> {
    await this.ready()
    return this.router.countPlaceable(minFreeGb, limit)
  }

  private ready(): Promise<void> {
    this.loaded ??= this.load()
    return this.loaded
  }

  private upsert(node: NodeInfo): void {
    const { reputation, ...rest } = node
    this.router.upsert({ ...rest, ...(reputation === undefined ? {} : { reputation: reputation.score }) })
  }

  private apply(e: HubEvent): void {
    switch (e.type) {
      case 'node.registered':
        this.upsert(e.node)
        break
      case 'node.status':
        this.router.setStatus(e.id, e.status)
        break
      case 'node.load':
        for (const { id, load } of e.loads) this.router.updateLoad(id, load)
        break
      case 'node.stake':
        this.router.setStake(e.id, tokensOf(BigInt(e.stake)))
        break
      default:
        break
    }
  }

  /**
   * The best `count` distinct online nodes for a task of this executor with these needs (its
   * descriptor's resources); work above the free limit goes only to nodes with the minimum stake.
   */
  place(executor: JobExecutor, count: number, exclude: string[] = [], needs: ExecutorResources = {}): string[] {
    const minStake = this.minStakeFor(needs)
    return this.router.placeMany({ ...needs, executor, ...(minStake === undefined ? {} : { minStake }) }, count, { exclude: new Set(exclude) }).map((p) => p.nodeId)
  }

  /** The stake (tokens) a task with these needs asks of its nodes; undefined: none. */
  minStakeFor(needs: ExecutorResources = {}): number | undefined {
    return this.stakeRule?.minStakeFor(needs)
  }

  /** Whether a node's bonded stake, as the index knows it, reaches `minStake` tokens. */
  hasStake(nodeId: string, minStake: number): boolean {
    const slot = this.router.index.slotOf(nodeId)
    return slot >= 0 && this.router.index.stake[slot]! >= minStake
  }

  /** Teaches the router how a node did. */
  outcome(nodeId: string, ok: boolean, durationMs?: number): void {
    this.router.recordOutcome(nodeId, { ok, ...(durationMs === undefined ? {} : { durationMs }) })
  }

  reputation(nodeId: string, score: number): void {
    this.router.setReputation(nodeId, score)
  }
}

/** The router's choice of `count` nodes for an executor (with x25519 keys), topped up from the nodes table if it comes short. */
export async function chooseNodes(router: HubRouter | undefined, jobs: JobStore, executor: JobExecutor, count: number, needs: ExecutorResources = {}): Promise<Array<{ nodeId: string; encryptionKey: string }>> {
  const routed = router === undefined ? [] : await jobs.encryptionKeys(router.place(executor, count, [], needs))
  if (routed.length >= count) return routed
  const more = await jobs.candidates(executor, count - routed.length, routed.map((n) => n.nodeId))
  // The top-up keeps the stake rule too: a node under the minimum never gets the keys of work above the free limit.
  const minStake = router?.minStakeFor(needs)
  return [...routed, ...(minStake === undefined ? more : more.filter((n) => router!.hasStake(n.nodeId, minStake)))]
}
