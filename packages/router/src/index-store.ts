/**
 * In-memory index over the node registry, kept current incrementally. Node attributes live in
 * typed-array columns addressed by a dense slot number; online nodes are also listed in buckets
 * keyed by (region, executor, resource class), where the resource class is GPU class × memory
 * tier. Every update is O(1) (a node sits in at most one bucket per executor, removal is
 * swap-with-last), and placement samples from the few buckets that can match a task instead of
 * scanning the fleet. Within a bucket, nodes are ordered by quality tier (quality-tiers.ts: the
 * task-independent part of the placement score, fleet-relative), so placement can sample the best
 * tiers first (bucket.ts). Online nodes are also kept in one flat list (whatever their executors,
 * storage-only nodes included) for storage placement, which samples it; free disk and the
 * endpoint ride along per slot.
 */
import type { Executor, NodeStatus } from '@w3ai/protocol'
import { RESOURCE_CLASSES } from './constants.js'
import { toUnitVector } from './geo.js'
import { Bucket, type Positions } from './bucket.js'
import { EXECUTOR_COUNT, LANES, type Region, STATUS_CODES, STATUS_FREE, STATUS_NAMES, STATUS_ONLINE, executorIndex, gpuClassOf, grow, memoryTierOf, newRegion, resourceClassOf } from './index-keys.js'
import { QualityTiers, type QualityOptions } from './quality-tiers.js'
import { F, STRIDE } from './record.js'
import type { LoadSample, RoutableNode } from './types.js'

export { Bucket, TIERS, TOP_TIER_POOL, tierEnds, tierHolding } from './bucket.js'
export { F, STRIDE } from './record.js'
export type { QualityOptions } from './quality-tiers.js'
export { EXECUTOR_COUNT, STATUS_ONLINE, executorIndex, gpuClassOf, memoryTierOf, resourceClassOf, type Region } from './index-keys.js'

/** Where the performance model publishes what placement reads (NodeIndex implements it). */
export interface LearnedSink {
  setLearned(slot: number, reliability: number, speedWeight: number, pessimisticLogRate: number): void
}

export class NodeIndex implements LearnedSink {
  /** Node records by slot * STRIDE + F.*. Public for the placement loop in this package; read-only outside it. */
  data = new Float32Array(0)
  /** The same memory as uint32, for F.MARK. */
  marks = new Uint32Array(0)
  ids: Array<string | undefined> = []
  region = new Int32Array(0)
  private status = new Uint8Array(0)
  private executors = new Uint8Array(0)
  private resourceClass = new Uint8Array(0)
  private memoryGb = new Float64Array(0)
  /** GPU memories per slot, largest first (multi-GPU tasks need the k-th largest to fit). */
  private gpuMemories: Array<Float64Array | undefined> = []
  /**
   * Position of the slot inside its buckets, by slot * LANES + lane: lane `executor` for its
   * region's bucket, EXECUTOR_COUNT + executor for the world's.
   */
  private readonly positions: Positions = { position: new Int32Array(0), stride: LANES }
  /**
   * Every online node also sits in a bucket of (executor, resource class) over all regions, in
   * the same tiers: placement finds the best tiers of the whole fleet there, far regions included.
   * Not in `regions`.
   */
  readonly world: Region = newRegion(-1, '')
  /** Quality bin (quality-tiers.ts) and tier of each slot; the bin is counted in the histogram while the slot is online. */
  private bin = new Uint16Array(0)
  private tier = new Uint8Array(0)
  private readonly tiers: QualityTiers
  /** Next position of `onlineSlots` the sweep refreshes (one per update: tiers follow the fleet's drift). */
  private sweep = 0
  /** Disk offered for pieces and disk free (offered − used by pieces), GB. */
  private diskGb = new Float64Array(0)
  private diskUsedGb = new Float64Array(0)
  /** Endpoint per slot, as registered. */
  private endpoints: Array<string | undefined> = []
  /** Bonded stake per slot (tokens), outside the record: placement reads it only while some node has stake. */
  stake = new Float64Array(0)
  /** Nodes with stake > 0. */
  stakedCount = 0
  /** Online slots in one list (first `onlineCount`), and each online slot's position in it. */
  onlineSlots = new Int32Array(0)
  private onlinePosition = new Int32Array(0)

  /** Slots in use are below this. */
  highWater = 0
  private capacity = 0
  private readonly free: number[] = []
  private readonly slotById = new Map<string, number>()
  readonly regions: Region[] = []
  private readonly regionByName = new Map<string, Region>()
  private online = 0
  /** Bumped whenever a region's membership (and so its centroid) changes. */
  regionsVersion = 0
  private readonly unit = new Float64Array(3)

  /**
   * `quality`: the options the quality tiers weigh the task-independent score terms with (the
   * defaults when left out), and the fleet's learned log(ms per unit of work) speeds are compared with.
   */
  constructor(
    private readonly defaultReputation = 0.5,
    initialCapacity = 1024,
    quality: { options?: QualityOptions; fleetLogRate?: () => number } = {},
  ) {
    this.tiers = new QualityTiers(quality.options, quality.fleetLogRate)
    this.ensureCapacity(initialCapacity)
  }

  /** Nodes in the index (any status). */
  get size(): number {
    return this.slotById.size
  }

  /** Nodes that are online (and so listed in buckets). */
  get onlineCount(): number {
    return this.online
  }

  has(id: string): boolean {
    return this.slotById.has(id)
  }

  /** Slot of a node, or -1. */
  slotOf(id: string): number {
    return this.slotById.get(id) ?? -1
  }

  statusOf(id: string): NodeStatus | undefined {
    const slot = this.slotById.get(id)
    return slot === undefined ? undefined : STATUS_NAMES[this.status[slot]!]
  }

  regionByNameOf(name: string): Region | undefined {
    return this.regionByName.get(name)
  }

  /** Adds a node or replaces everything known about it; returns its slot. O(1). */
  upsert(node: RoutableNode): number {
    let slot = this.slotById.get(node.id)
    if (slot === undefined) {
      slot = this.free.pop() ?? this.highWater++
      this.ensureCapacity(slot + 1)
      this.slotById.set(node.id, slot)
      this.ids[slot] = node.id
      this.diskUsedGb[slot] = 0
      this.writeStake(slot, 0)
    } else {
      this.unlist(slot)
      const old = this.regions[this.region[slot]!]!
      old.sx -= this.data[slot * STRIDE + F.UX]!
      old.sy -= this.data[slot * STRIDE + F.UY]!
      old.sz -= this.data[slot * STRIDE + F.UZ]!
      old.count--
    }
    const caps = node.capabilities
    let mask = 0
    for (const e of caps.executors) {
      const i = executorIndex(e)
      if (i >= 0) mask |= 1 << i
    }
    let maxGpu = 0
    for (const g of caps.gpus) if (g.memoryGb > maxGpu) maxGpu = g.memoryGb
    const region = this.regionFor(node.location.region)
    toUnitVector(node.location, this.unit, 0)
    this.data[slot * STRIDE + F.UX] = this.unit[0]!
    this.data[slot * STRIDE + F.UY] = this.unit[1]!
    this.data[slot * STRIDE + F.UZ] = this.unit[2]!
    // Add the stored (rounded) components so removal subtracts exactly what was added.
    region.sx += this.data[slot * STRIDE + F.UX]!
    region.sy += this.data[slot * STRIDE + F.UY]!
    region.sz += this.data[slot * STRIDE + F.UZ]!
    region.count++
    this.regionsVersion++
    this.region[slot] = region.id
    this.executors[slot] = mask
    const d = this.data
    const at = slot * STRIDE
    d[at + F.CORES] = caps.cpuCores
    d[at + F.MEMORY_LOG2] = Math.log2(caps.memoryGb)
    this.memoryGb[slot] = caps.memoryGb
    d[at + F.GPUS] = caps.gpus.length
    d[at + F.GPU_MEMORY] = maxGpu
    this.gpuMemories[slot] = caps.gpus.length > 1 ? Float64Array.from(caps.gpus, (g) => g.memoryGb).sort().reverse() : undefined
    this.resourceClass[slot] = resourceClassOf(gpuClassOf(caps.gpus.length, maxGpu), memoryTierOf(caps.memoryGb))
    d[at + F.REPUTATION] = node.reputation ?? node.audit?.score ?? this.defaultReputation
    d[at + F.PRICE] = node.price ?? Number.NaN
    this.diskGb[slot] = caps.diskGb ?? 0
    this.endpoints[slot] = node.endpoint
    if (node.stake !== undefined) this.writeStake(slot, node.stake)
    this.writeLoad(slot, node.load ?? undefined)
    this.status[slot] = STATUS_CODES[node.status]
    d[at + F.ELIGIBLE] = this.status[slot] === STATUS_ONLINE ? mask : 0
    if (this.status[slot] === STATUS_ONLINE) this.list(slot)
    this.tick()
    return slot
  }

  /** Applies a heartbeat's load; false when the node is unknown. O(1). */
  updateLoad(id: string, load: LoadSample): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.writeLoad(slot, load)
    this.refresh(slot)
    return true
  }

  /** Moves a node in or out of the placement buckets; false when the node is unknown. O(1). */
  setStatus(id: string, status: NodeStatus): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    const code = STATUS_CODES[status]
    const was = this.status[slot]!
    if (was === code) return true
    if (was === STATUS_ONLINE) this.unlist(slot)
    this.status[slot] = code
    this.data[slot * STRIDE + F.ELIGIBLE] = code === STATUS_ONLINE ? this.executors[slot]! : 0
    if (code === STATUS_ONLINE) this.list(slot)
    this.tick()
    return true
  }

  /** Sets or clears (undefined) a node's price per unit of work. O(1). */
  setPrice(id: string, price: number | undefined): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.data[slot * STRIDE + F.PRICE] = price ?? Number.NaN
    this.refresh(slot)
    return true
  }

  /** Sets a node's reputation in [0, 1] (audit or verification score). O(1). */
  setReputation(id: string, reputation: number): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.data[slot * STRIDE + F.REPUTATION] = reputation
    this.refresh(slot)
    return true
  }

  /** Sets a node's bonded stake (tokens, ≥ 0). O(1). */
  setStake(id: string, stake: number): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.writeStake(slot, stake)
    this.refresh(slot)
    return true
  }

  /** Forgets a node; its slot is reused. O(1). */
  remove(id: string): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.unlist(slot)
    this.writeStake(slot, 0)
    const r = this.regions[this.region[slot]!]!
    r.sx -= this.data[slot * STRIDE + F.UX]!
    r.sy -= this.data[slot * STRIDE + F.UY]!
    r.sz -= this.data[slot * STRIDE + F.UZ]!
    r.count--
    this.regionsVersion++
    this.status[slot] = STATUS_FREE
    this.executors[slot] = 0
    this.data[slot * STRIDE + F.ELIGIBLE] = 0
    this.ids[slot] = undefined
    this.gpuMemories[slot] = undefined
    this.endpoints[slot] = undefined
    this.slotById.delete(id)
    this.free.push(slot)
    this.tick()
    return true
  }

  /** Online nodes listed under an executor (in a region when given): a consistency check, O(buckets). */
  listedCount(executor: Executor, region?: string): number {
    const e = executorIndex(executor)
    let n = 0
    for (const r of region === undefined ? this.regions : [this.regionByName.get(region)]) {
      if (r === undefined) continue
      for (let c = 0; c < RESOURCE_CLASSES; c++) n += r.buckets[e * RESOURCE_CLASSES + c]?.size ?? 0
    }
    return n
  }

  /** Free disk of a slot (GB): offered minus used by pieces, as the last load sample reported. */
  freeDiskGb(slot: number): number {
    return this.diskGb[slot]! - this.diskUsedGb[slot]!
  }

  /** Endpoint of a slot ('' when none was given). */
  endpointOf(slot: number): string {
    return this.endpoints[slot] ?? ''
  }

  /** Whether the slot has at least `count` GPUs with `memoryGb` each (count ≥ 1). */
  hasGpus(slot: number, count: number, memoryGb: number): boolean {
    const all = this.gpuMemories[slot]
    if (all === undefined) return count <= 1 && this.data[slot * STRIDE + F.GPUS]! >= count && this.data[slot * STRIDE + F.GPU_MEMORY]! >= memoryGb
    return all.length >= count && all[count - 1]! >= memoryGb
  }

  /** Publishes a slot's learned values into its record (called by the performance model). */
  setLearned(slot: number, reliability: number, speedWeight: number, pessimisticLogRate: number): void {
    const at = slot * STRIDE
    this.data[at + F.RELIABILITY] = reliability
    this.data[at + F.SPEED_WEIGHT] = speedWeight
    this.data[at + F.PESSIMISTIC_LOG_RATE] = pessimisticLogRate
    this.refresh(slot)
  }

  /** Quality tier of a node (0 = best), or -1 when it is unknown or not online. */
  tierOf(id: string): number {
    const slot = this.slotById.get(id)
    return slot === undefined || this.status[slot] !== STATUS_ONLINE ? -1 : this.tier[slot]!
  }

  /** The bucket of (region, executor, resource class), if any node was ever listed there. */
  bucket(region: Region, executor: number, resourceClass: number): Bucket | undefined {
    return region.buckets[executor * RESOURCE_CLASSES + resourceClass]
  }

  private writeStake(slot: number, stake: number): void {
    const value = Number.isFinite(stake) && stake > 0 ? stake : 0
    this.stakedCount += (value > 0 ? 1 : 0) - (this.stake[slot]! > 0 ? 1 : 0)
    this.stake[slot] = value
  }

  private writeLoad(slot: number, load: LoadSample | undefined): void {
    const at = slot * STRIDE
    const cpu = (load?.cpuPercent ?? 0) / 100
    const perCore = (load?.runningTasks ?? 0) / this.data[at + F.CORES]!
    this.data[at + F.UTIL] = cpu > perCore ? cpu : perCore
    this.data[at + F.MEMORY_FREE] = this.memoryGb[slot]! - (load?.memoryUsedGb ?? 0)
    if (load?.diskUsedGb !== undefined) this.diskUsedGb[slot] = load.diskUsedGb
  }

  private regionFor(name: string): Region {
    let r = this.regionByName.get(name)
    if (r === undefined) {
      r = newRegion(this.regions.length, name)
      this.regions.push(r)
      this.regionByName.set(name, r)
    }
    return r
  }

  /** Adds an online slot to its buckets (at the tier of its current quality) and to the online list. */
  private list(slot: number): void {
    const bin = this.tiers.binOf(this.tiers.quality(this.data, slot * STRIDE, this.stake[slot]!))
    this.bin[slot] = bin
    this.tiers.add(bin)
    const tier = this.tiers.tierOfBin[bin]!
    this.tier[slot] = tier
    const r = this.regions[this.region[slot]!]!
    const mask = this.executors[slot]!
    const cls = this.resourceClass[slot]!
    for (let e = 0; e < EXECUTOR_COUNT; e++) {
      if ((mask & (1 << e)) === 0) continue
      const key = e * RESOURCE_CLASSES + cls
      let b = r.buckets[key]
      if (b === undefined) r.buckets[key] = b = new Bucket()
      b.insert(slot, tier, this.positions, e)
      let w = this.world.buckets[key]
      if (w === undefined) this.world.buckets[key] = w = new Bucket()
      w.insert(slot, tier, this.positions, EXECUTOR_COUNT + e)
    }
    this.onlinePosition[slot] = this.online
    this.onlineSlots[this.online++] = slot
  }

  private unlist(slot: number): void {
    if (this.status[slot] !== STATUS_ONLINE) return
    this.tiers.remove(this.bin[slot]!)
    const r = this.regions[this.region[slot]!]!
    const mask = this.executors[slot]!
    const cls = this.resourceClass[slot]!
    const tier = this.tier[slot]!
    const position = this.positions.position
    for (let e = 0; e < EXECUTOR_COUNT; e++) {
      if ((mask & (1 << e)) === 0) continue
      r.buckets[e * RESOURCE_CLASSES + cls]!.remove(position[slot * LANES + e]!, tier, this.positions, e)
      this.world.buckets[e * RESOURCE_CLASSES + cls]!.remove(position[slot * LANES + EXECUTOR_COUNT + e]!, tier, this.positions, EXECUTOR_COUNT + e)
    }
    const at = this.onlinePosition[slot]!
    const last = this.onlineSlots[--this.online]!
    this.onlineSlots[at] = last
    this.onlinePosition[last] = at
  }

  /** After a change to what quality reads: moves an online slot to the tier of its new quality. */
  private refresh(slot: number): void {
    this.requalify(slot)
    this.tick()
  }

  private requalify(slot: number): void {
    if (this.status[slot] !== STATUS_ONLINE) return
    const bin = this.tiers.binOf(this.tiers.quality(this.data, slot * STRIDE, this.stake[slot]!))
    const was = this.bin[slot]!
    if (bin !== was) {
      this.tiers.move(was, bin)
      this.bin[slot] = bin
    }
    this.retier(slot)
  }

  private retier(slot: number): void {
    const tier = this.tiers.tierOfBin[this.bin[slot]!]!
    const was = this.tier[slot]!
    if (tier === was) return
    const r = this.regions[this.region[slot]!]!
    const mask = this.executors[slot]!
    const cls = this.resourceClass[slot]!
    const position = this.positions.position
    for (let e = 0; e < EXECUTOR_COUNT; e++) {
      if ((mask & (1 << e)) === 0) continue
      r.buckets[e * RESOURCE_CLASSES + cls]!.move(position[slot * LANES + e]!, was, tier, this.positions, e)
      this.world.buckets[e * RESOURCE_CLASSES + cls]!.move(position[slot * LANES + EXECUTOR_COUNT + e]!, was, tier, this.positions, EXECUTOR_COUNT + e)
    }
    this.tier[slot] = tier
  }

  /**
   * Once per update: maybe recompute the tier thresholds, and refresh one more online slot, so
   * every slot follows new thresholds and the fleet's drifting speed within one pass over the fleet.
   * When the fleet's speed becomes known (the first outcome) every slot is refreshed at once: O(online), once.
   */
  private tick(): void {
    if (this.tiers.fleetSpeedChanged()) {
      for (let i = 0; i < this.online; i++) this.requalify(this.onlineSlots[i]!)
      this.tiers.recompute()
      for (let i = 0; i < this.online; i++) this.retier(this.onlineSlots[i]!)
      return
    }
    this.tiers.tick()
    if (this.online === 0) return
    if (this.sweep >= this.online) this.sweep = 0
    this.requalify(this.onlineSlots[this.sweep++]!)
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return
    const size = Math.max(needed, this.capacity * 2, 16)
    this.region = grow(this.region, size)
    this.resourceClass = grow(this.resourceClass, size)
    this.memoryGb = grow(this.memoryGb, size)
    // Copy through the uint32 view: bit-exact for marks that read as NaN floats.
    const marks = grow(this.marks, size * STRIDE)
    this.marks = marks
    this.data = new Float32Array(marks.buffer)
    this.status = grow(this.status, size, STATUS_FREE)
    this.executors = grow(this.executors, size)
    this.positions.position = grow(this.positions.position, size * LANES)
    this.bin = grow(this.bin, size)
    this.tier = grow(this.tier, size)
    this.diskGb = grow(this.diskGb, size)
    this.diskUsedGb = grow(this.diskUsedGb, size)
    this.stake = grow(this.stake, size)
    this.onlineSlots = grow(this.onlineSlots, size)
    this.onlinePosition = grow(this.onlinePosition, size)
    this.capacity = size
  }
}
