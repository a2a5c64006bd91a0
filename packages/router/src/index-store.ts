/**
 * In-memory index over the node registry, kept current incrementally. Node attributes live in
 * typed-array columns addressed by a dense slot number; online nodes are also listed in buckets
 * keyed by (region, executor, resource class), where the resource class is GPU class × memory
 * tier. Every update is O(1) (a node sits in at most one bucket per executor, removal is
 * swap-with-last), and placement samples from the few buckets that can match a task instead of
 * scanning the fleet. Online nodes are also kept in one flat list (whatever their executors,
 * storage-only nodes included) for storage placement, which samples it; free disk and the
 * endpoint ride along per slot.
 */
import { EXECUTORS, type Executor, type NodeStatus } from '@w3ai/protocol'
import { GPU_CLASS_BOUNDS, MEMORY_TIERS, MEMORY_TIER_BOUNDS, RESOURCE_CLASSES } from './constants.js'
import { toUnitVector } from './geo.js'
import type { LoadSample, RoutableNode } from './types.js'

/** Number of executors, and their bit / bucket index by name. */
export const EXECUTOR_COUNT = EXECUTORS.length
const EXECUTOR_INDEX = new Map<string, number>(EXECUTORS.map((e, i) => [e, i]))
export function executorIndex(executor: Executor | string): number {
  return EXECUTOR_INDEX.get(executor) ?? -1
}

export const STATUS_ONLINE = 0
const STATUS_CODES: Record<NodeStatus, number> = { online: 0, suspect: 1, offline: 2 }
const STATUS_NAMES: NodeStatus[] = ['online', 'suspect', 'offline']
const STATUS_FREE = 255

/** A growable list of slots with O(1) append and swap-remove. */
export class Bucket {
  slots = new Int32Array(16)
  size = 0
}

export interface Region {
  readonly id: number
  readonly name: string
  /** Buckets by executor * RESOURCE_CLASSES + resource class, created on first use. */
  readonly buckets: Array<Bucket | undefined>
  /** Sum of member unit vectors (all statuses): its direction is the region's centroid. */
  sx: number
  sy: number
  sz: number
  count: number
}

/** GPU class of a node by its largest GPU: 0 none, then by GPU_CLASS_BOUNDS. */
export function gpuClassOf(gpuCount: number, maxGpuMemoryGb: number): number {
  if (gpuCount === 0) return 0
  let c = 0
  while (c < GPU_CLASS_BOUNDS.length && maxGpuMemoryGb >= GPU_CLASS_BOUNDS[c]!) c++
  return c + 1
}

/** Memory tier of a node by offered memory. */
export function memoryTierOf(memoryGb: number): number {
  let t = 0
  while (t < MEMORY_TIER_BOUNDS.length && memoryGb >= MEMORY_TIER_BOUNDS[t]!) t++
  return t
}

export function resourceClassOf(gpuClass: number, memoryTier: number): number {
  return gpuClass * MEMORY_TIERS + memoryTier
}

function grow<T extends Int32Array | Uint8Array | Uint32Array | Float64Array>(arr: T, size: number, fill?: number): T {
  const next = new (arr.constructor as new (n: number) => T)(size)
  next.set(arr)
  if (fill !== undefined) next.fill(fill, arr.length)
  return next
}

/**
 * Field offsets of a node's record in `NodeIndex.data`: 16 float32 (64 bytes, one cache line)
 * holding everything placement reads, so checking and scoring a sampled node costs one memory
 * access; at 120,000 nodes placement is bound by those accesses. Derived values (free memory,
 * utilisation) are computed on update, not per placement. float32 keeps ~7 digits: plenty for
 * resources, load and positions (a unit-vector component to ~1 m).
 */
export const F = Object.freeze({
  /** Executor bit mask while online, 0 otherwise: one test covers status and executor. */
  ELIGIBLE: 0,
  CORES: 1,
  /** log2 of offered memory (GB), for the fit term. */
  MEMORY_LOG2: 2,
  /** Offered memory minus used memory (GB). */
  MEMORY_FREE: 3,
  GPUS: 4,
  /** Memory of the largest GPU (GB). */
  GPU_MEMORY: 5,
  REPUTATION: 6,
  /** NaN where the node has no price. */
  PRICE: 7,
  /** max(cpu % / 100, running tasks / cores). */
  UTIL: 8,
  /** Unit vector of the location. */
  UX: 9,
  UY: 10,
  UZ: 11,
  /** Learned success mean; negated while its lower confidence bound is below the threshold. */
  RELIABILITY: 12,
  /** Learned speed: shrinkage weight and pessimistic log(ms per unit of work). */
  SPEED_WEIGHT: 13,
  PESSIMISTIC_LOG_RATE: 14,
  /** Uint32 (read through `marks`): placement epoch that last saw the slot. */
  MARK: 15,
})
export const STRIDE = 16

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
  /** Position of the slot inside its bucket, by slot * EXECUTOR_COUNT + executor. */
  private position = new Int32Array(0)
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

  constructor(private readonly defaultReputation = 0.5, initialCapacity = 1024) {
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
    return slot
  }

  /** Applies a heartbeat's load; false when the node is unknown. O(1). */
  updateLoad(id: string, load: LoadSample): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.writeLoad(slot, load)
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
    return true
  }

  /** Sets or clears (undefined) a node's price per unit of work. O(1). */
  setPrice(id: string, price: number | undefined): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.data[slot * STRIDE + F.PRICE] = price ?? Number.NaN
    return true
  }

  /** Sets a node's reputation in [0, 1] (audit or verification score). O(1). */
  setReputation(id: string, reputation: number): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.data[slot * STRIDE + F.REPUTATION] = reputation
    return true
  }

  /** Sets a node's bonded stake (tokens, ≥ 0). O(1). */
  setStake(id: string, stake: number): boolean {
    const slot = this.slotById.get(id)
    if (slot === undefined) return false
    this.writeStake(slot, stake)
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
      r = { id: this.regions.length, name, buckets: new Array<Bucket | undefined>(EXECUTOR_COUNT * RESOURCE_CLASSES).fill(undefined), sx: 0, sy: 0, sz: 0, count: 0 }
      this.regions.push(r)
      this.regionByName.set(name, r)
    }
    return r
  }

  private list(slot: number): void {
    const r = this.regions[this.region[slot]!]!
    const mask = this.executors[slot]!
    const cls = this.resourceClass[slot]!
    for (let e = 0; e < EXECUTOR_COUNT; e++) {
      if ((mask & (1 << e)) === 0) continue
      const key = e * RESOURCE_CLASSES + cls
      let b = r.buckets[key]
      if (b === undefined) r.buckets[key] = b = new Bucket()
      if (b.size === b.slots.length) b.slots = grow(b.slots, b.slots.length * 2)
      this.position[slot * EXECUTOR_COUNT + e] = b.size
      b.slots[b.size++] = slot
    }
    this.onlinePosition[slot] = this.online
    this.onlineSlots[this.online++] = slot
  }

  private unlist(slot: number): void {
    if (this.status[slot] !== STATUS_ONLINE) return
    const r = this.regions[this.region[slot]!]!
    const mask = this.executors[slot]!
    const cls = this.resourceClass[slot]!
    for (let e = 0; e < EXECUTOR_COUNT; e++) {
      if ((mask & (1 << e)) === 0) continue
      const b = r.buckets[e * RESOURCE_CLASSES + cls]!
      const at = this.position[slot * EXECUTOR_COUNT + e]!
      const last = b.slots[--b.size]!
      b.slots[at] = last
      this.position[last * EXECUTOR_COUNT + e] = at
    }
    const at = this.onlinePosition[slot]!
    const last = this.onlineSlots[--this.online]!
    this.onlineSlots[at] = last
    this.onlinePosition[last] = at
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
    this.position = grow(this.position, size * EXECUTOR_COUNT)
    this.diskGb = grow(this.diskGb, size)
    this.diskUsedGb = grow(this.diskUsedGb, size)
    this.stake = grow(this.stake, size)
    this.onlineSlots = grow(this.onlineSlots, size)
    this.onlinePosition = grow(this.onlinePosition, size)
    this.capacity = size
  }
}
