/**
 * Where new pieces go: an in-memory index of the nodes (region, location, endpoint, free disk,
 * status), loaded from the registry once and then kept current by the event bus, which carries
 * every hub's registrations, statuses and loads, the way the AI router keeps its own. Placement
 * samples it instead of querying the nodes table per segment, spreads pieces over regions and
 * keeps only nodes with room (@w3ai/storage's choosePlacement decides); countPlaceable asks the
 * same index with the same rule, so the two never disagree.
 */
import { choosePlacement } from '@w3ai/storage'
import type { HubEvent, NodeInfo, NodeStatus } from '@w3ai/protocol'
import type { EventBus } from '../../infra/event-bus.js'
import type { NodeStore } from '../nodes/store.js'

export interface PlacementTarget {
  id: string
  endpoint: string
}

interface Entry {
  id: string
  region: string
  location: { lat: number; lon: number }
  endpoint: string
  diskGb: number
  diskUsedGb: number
  status: NodeStatus
}

export interface PlacementIndexComponents {
  nodes: Pick<NodeStore, 'all'>
  bus: Pick<EventBus, 'subscribe'>
  random?: () => number
  /** Reload the registry this often (ms), in case an event between hubs was lost (default 60 s). */
  refreshMs?: number
  now?: () => number
}

/** Candidates examined per placement: bounds the work however large the network grows. */
export const PLACEMENT_SAMPLE = 500

export class PlacementIndex {
  private readonly entries = new Map<string, Entry>()
  /** Online node ids, for sampling in O(1) per candidate. */
  private readonly online: string[] = []
  private readonly onlineAt = new Map<string, number>()
  private readonly unsubscribe: () => void
  private loaded: Promise<void> | undefined
  private loadedAt = 0
  private readonly random: () => number
  private readonly now: () => number

  constructor(private readonly c: PlacementIndexComponents) {
    this.random = c.random ?? Math.random
    this.now = c.now ?? Date.now
    this.unsubscribe = c.bus.subscribe((e) => this.apply(e))
  }

  stop(): void {
    this.unsubscribe()
  }

  /** Up to `count` distinct online nodes with `minFreeGb` free, spread over regions, none in `exclude`. */
  async place(count: number, minFreeGb: number, exclude: ReadonlySet<string> = new Set()): Promise<PlacementTarget[]> {
    await this.ready()
    const sample = this.sample(PLACEMENT_SAMPLE).filter((e) => this.fits(e, minFreeGb) && !exclude.has(e.id))
    const ids = choosePlacement(
      sample.map((e) => ({ id: e.id, region: e.region, location: e.location, freeGb: e.diskGb - e.diskUsedGb, status: 'online' as const })),
      count,
      { exclude: new Set(exclude), random: this.random, minFreeGb },
    )
    return ids.map((id) => ({ id, endpoint: this.entries.get(id)?.endpoint ?? '' }))
  }

  /** How many online nodes could take a piece of `minFreeGb` now (the rule place() applies). */
  async countPlaceable(minFreeGb: number): Promise<number> {
    await this.ready()
    let n = 0
    for (const id of this.online) if (this.fits(this.entries.get(id), minFreeGb)) n++
    return n
  }

  private fits(e: Entry | undefined, minFreeGb: number): e is Entry {
    return e !== undefined && e.status === 'online' && e.diskGb - e.diskUsedGb >= minFreeGb
  }

  /** Every online node when there are few, else `size` drawn at random without repeats. */
  private sample(size: number): Entry[] {
    const all = this.online
    if (all.length <= size) return all.map((id) => this.entries.get(id)!).filter((e) => e !== undefined)
    const picked = new Set<number>()
    while (picked.size < size) picked.add(Math.floor(this.random() * all.length))
    return [...picked].map((i) => this.entries.get(all[i]!)!).filter((e) => e !== undefined)
  }

  private ready(): Promise<void> {
    if (this.loaded !== undefined && this.now() - this.loadedAt > (this.c.refreshMs ?? 60_000)) {
      // Refresh in the background; placement goes on with what the events kept current.
      this.loadedAt = this.now()
      void this.load().catch(() => undefined)
    }
    this.loaded ??= this.load()
    return this.loaded
  }

  private async load(): Promise<void> {
    this.loadedAt = this.now()
    for (const node of await this.c.nodes.all()) this.upsert(node)
  }

  private upsert(node: NodeInfo): void {
    this.entries.set(node.id, {
      id: node.id,
      region: node.region,
      location: { lat: node.location.lat, lon: node.location.lon },
      endpoint: node.endpoint,
      diskGb: node.capabilities.diskGb,
      diskUsedGb: node.load?.diskUsedGb ?? this.entries.get(node.id)?.diskUsedGb ?? 0,
      status: node.status,
    })
    this.track(node.id, node.status)
  }

  private track(id: string, status: NodeStatus): void {
    const at = this.onlineAt.get(id)
    if (status === 'online' && at === undefined) {
      this.onlineAt.set(id, this.online.length)
      this.online.push(id)
    } else if (status !== 'online' && at !== undefined) {
      // Swap-remove keeps sampling O(1).
      const last = this.online.pop()!
      if (last !== id) {
        this.online[at] = last
        this.onlineAt.set(last, at)
      }
      this.onlineAt.delete(id)
    }
  }

  private apply(e: HubEvent): void {
    switch (e.type) {
      case 'node.registered':
        this.upsert(e.node)
        break
      case 'node.status': {
        const entry = this.entries.get(e.id)
        if (entry === undefined) break
        entry.status = e.status
        this.track(e.id, e.status)
        break
      }
      case 'node.load':
        for (const { id, load } of e.loads) {
          const entry = this.entries.get(id)
          if (entry !== undefined) entry.diskUsedGb = load.diskUsedGb
        }
        break
      default:
        break
    }
  }
}
