/**
 * The hub's AI router: the @w3ai/router index kept current from the registry (loaded at start,
 * then fed by the event bus, which carries every hub's registrations, statuses and loads) and
 * from task outcomes; job placement asks it instead of scanning the nodes table.
 */
import type { ExecutorResources } from '@w3ai/compute/executors'
import type { HubEvent, JobExecutor, NodeInfo } from '@w3ai/protocol'
import { createRouter, type Router, type RouterOptions } from '@w3ai/router'
import type { EventBus } from '../../infra/event-bus.js'
import type { JobStore } from './store.js'
import type { NodeStore } from '../nodes/store.js'

export class HubRouter {
  readonly router: Router
  private unsubscribe: (() => void) | undefined

  constructor(
    private readonly nodes: NodeStore,
    private readonly bus: EventBus,
    options: RouterOptions = {},
  ) {
    this.router = createRouter(options)
  }

  async start(): Promise<void> {
    this.unsubscribe = this.bus.subscribe((e) => this.apply(e))
    for (const node of await this.nodes.all()) this.upsert(node)
  }

  stop(): void {
    this.unsubscribe?.()
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
      default:
        break
    }
  }

  /** The best `count` distinct online nodes for a task of this executor with these needs (its descriptor's resources). */
  place(executor: JobExecutor, count: number, exclude: string[] = [], needs: ExecutorResources = {}): string[] {
    return this.router.placeMany({ ...needs, executor }, count, { exclude: new Set(exclude) }).map((p) => p.nodeId)
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
  return [...routed, ...more]
}
