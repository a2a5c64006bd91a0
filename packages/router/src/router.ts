/**
 * The AI router: places tasks on nodes. A placement (1) picks the buckets of the index that can
 * hold an eligible node (executor, GPU class, memory tier), nearest regions first, widening until
 * the pool is large enough; (2) samples up to `sampleSize` distinct eligible nodes from them
 * (all of them when the pool is small); (3) checks the hard constraints on each and scores it;
 * (4) returns the best, or, for an `epsilon` share of placements, the candidate with the least
 * evidence. Cost per placement is bounded by the sample, not the fleet.
 *
 * Storage placement (`placePieces`) uses the same index: it samples the online nodes, keeps those
 * with the free disk a piece needs, and spreads the pieces over regions, one node each.
 */
import { GPU_CLASSES, GPU_CLASS_BOUNDS, MEMORY_TIERS, MEMORY_TIER_BOUNDS, RESOURCE_CLASSES, STORAGE_SAMPLE_SIZE, type ScoreWeights } from './constants.js'
import { chordSquaredToKm, toUnitVector } from './geo.js'
import { type Bucket, F, NodeIndex, STATUS_ONLINE, STRIDE, TIERS, TOP_TIER_POOL, executorIndex, tierEnds, tierHolding, resourceClassOf } from './index-store.js'
import { resolveRouterOptions } from './options.js'
import { PerformanceModel } from './performance-model.js'
import type { LoadSample, NodePerformance, Outcome, PieceTarget, PiecePlacementRequest, PlaceOptions, Placement, ResolvedRouterOptions, RoutableNode, RouterOptions, TaskRequirements } from './types.js'
import type { NodeStatus } from '@w3ai/protocol'

/** Most geographic points (requester + data pieces) a score measures distance to; more are thinned evenly. */
const MAX_GEO_POINTS = 8

export class Router {
  readonly options: ResolvedRouterOptions
  readonly index: NodeIndex
  readonly model: PerformanceModel
  private readonly random: () => number
  private readonly now: () => number
  private readonly w: ScoreWeights

  /** Placement epoch: a node whose F.MARK equals it was already seen (or excluded) in this placement. */
  private epoch = 0
  private candSlots = new Int32Array(256)
  private candScores = new Float64Array(256)
  private candCount = 0

  // Per-placement scratch: task requirements, geo points, active buckets.
  private tExecBit = 0
  private tMem = 0
  private tCores = 0
  private tGpus = 0
  private tGpuMem = 0
  private tMinRep = 0
  private tMaxPrice = Infinity
  private tMinStake = 0
  /** Whether this placement reads stakes (some node has stake, or the task asks for a minimum). */
  private tStake = false
  private tNow = 0
  private tMemLog2 = 0
  private tGpuDemand = 0
  private tWork = 1
  /** Time term constants of this placement: typical task work, 1 / the task's time on a par node (0: no speed learned yet), ms of round trip per km summed over the geo points. */
  private tTypicalWork = 1
  private tInvRefMs = 0
  private tRoundTripPerKm = 0
  // Option-derived constants read on the hot path.
  private readonly gpuShare: number
  private readonly invPriceScale: number
  private readonly stakeScale: number
  private readonly invFailureTolerance: number
  private readonly saturated: number
  private readonly speedExp: number
  private readonly unknownPenalty: number
  private readonly probationSlots: number
  private readonly speedShrinkage: number
  /** 1 / (geoScaleKm · points): turns a sum of distances into mean distance over the scale. */
  private geoFactor = 0
  private readonly points = new Float64Array(3 * MAX_GEO_POINTS)
  private pointCount = 0
  private readonly target = new Float64Array(3)
  private hasTarget = false
  private readonly classes = new Int32Array(RESOURCE_CLASSES)
  private classCount = 0
  private regionList: number[] = []
  private allRegions: number[] = []
  private regionUsed = new Uint32Array(16)
  private regionsLeft = 0
  private rotation = 0
  private active: Bucket[] = []
  private activeEnd = new Int32Array(64)
  private activeCount = 0
  private pool = 0
  private centroids = new Float64Array(0)
  private centroidsVersion = -1
  /** Probe batch, and a sink for the prefetching reads so they are not optimised away. */
  private readonly batch = new Int32Array(32)
  private sink = 0

  constructor(options: RouterOptions = {}) {
    this.options = resolveRouterOptions(options)
    this.random = this.options.random
    this.now = this.options.now
    this.w = { ...this.options.weights }
    this.gpuShare = this.options.gpuFitShare
    this.invPriceScale = 1 / this.options.priceScale
    this.stakeScale = this.options.stakeScale
    this.invFailureTolerance = 1 / this.options.failureTolerance
    this.saturated = this.options.saturatedLoadTerm
    this.speedExp = this.options.speedExponent
    this.unknownPenalty = Math.log(this.options.unknownSpeedFactor)
    this.probationSlots = this.options.probationSlots
    this.speedShrinkage = this.options.speedShrinkage
    this.index = new NodeIndex(this.options.defaultReputation, undefined, { options: this.options, fleetLogRate: () => this.model.fleetLogRate })
    this.model = new PerformanceModel(this.options, this.index)
  }

  /** Adds or replaces a node (registration, capability change). O(1). */
  upsert(node: RoutableNode): void {
    const isNew = !this.index.has(node.id)
    const slot = this.index.upsert(node)
    if (isNew) this.model.reset(slot)
  }

  /** Applies a heartbeat's load. O(1). */
  updateLoad(id: string, load: LoadSample): boolean {
    return this.index.updateLoad(id, load)
  }

  /** online / suspect / offline; only online nodes are placed on. O(1). */
  setStatus(id: string, status: NodeStatus): boolean {
    return this.index.setStatus(id, status)
  }

  setPrice(id: string, price: number | undefined): boolean {
    return this.index.setPrice(id, price)
  }

  setReputation(id: string, reputation: number): boolean {
    return this.index.setReputation(id, reputation)
  }

  /** Sets a node's bonded stake (tokens): staked nodes score higher, and tasks with minStake skip nodes below it. O(1). */
  setStake(id: string, stake: number): boolean {
    return this.index.setStake(id, stake)
  }

  /** Forgets a node and what was learned about it. O(1). */
  remove(id: string): boolean {
    return this.index.remove(id)
  }

  /**
   * Tells the router a task of `work` units was sent to the node (optional): until its outcome is
   * recorded, placement counts that work as queued there, so it can tell a node busy with big tasks
   * from one busy with small ones. Callers that never report dispatches get an estimate from the
   * node's running tasks. False when the node is unknown.
   */
  dispatched(nodeId: string, work = 1): boolean {
    const slot = this.index.slotOf(nodeId)
    if (slot < 0) return false
    this.model.dispatched(slot, work > 0 ? work : 0)
    return true
  }

  /** Feeds a task outcome into the node's learned model (releasing its dispatched work); false when the node is unknown. */
  recordOutcome(nodeId: string, outcome: Outcome): boolean {
    const slot = this.index.slotOf(nodeId)
    if (slot < 0) return false
    this.model.record(slot, outcome, this.now())
    return true
  }

  /** What the router has learned about a node. */
  performance(nodeId: string): NodePerformance | undefined {
    const slot = this.index.slotOf(nodeId)
    return slot < 0 ? undefined : this.model.describe(slot, this.now())
  }

  /** Best eligible node for the task, or undefined when none fits. */
  place(task: TaskRequirements, options: PlaceOptions = {}): Placement | undefined {
    const explore = options.explore !== false && this.options.epsilon > 0 && this.random() < this.options.epsilon
    if (!this.collect(task, options, 1, explore)) return undefined
    const pick = (explore ? this.leastKnown() : -1)
    const i = pick >= 0 ? pick : this.best()
    return { nodeId: this.index.ids[this.candSlots[i]!]!, score: this.candScores[i]!, explored: pick >= 0 }
  }

  /**
   * Up to `count` distinct nodes for replicas of one task, best first (shorter when fewer eligible
   * nodes were found). With probability epsilon the first one explores.
   */
  placeMany(task: TaskRequirements, count: number, options: PlaceOptions = {}): Placement[] {
    if (count <= 0) return []
    const explore = options.explore !== false && this.options.epsilon > 0 && this.random() < this.options.epsilon
    if (!this.collect(task, options, count, explore)) return []
    const order = Array.from({ length: this.candCount }, (_, i) => i).sort((a, b) => this.candScores[b]! - this.candScores[a]!)
    const pick = explore ? this.leastKnown() : -1
    const chosen = pick >= 0 ? [pick, ...order.filter((i) => i !== pick)] : order
    return chosen.slice(0, count).map((i, k) => ({ nodeId: this.index.ids[this.candSlots[i]!]!, score: this.candScores[i]!, explored: k === 0 && pick >= 0 }))
  }

  /**
   * Storage placement: up to `count` distinct online nodes with `minFreeGb` free disk, none in
   * `exclude`, spread over regions (round-robin over the regions in random order, a random node
   * within each), as @w3ai/storage's choosePlacement spreads them. Examines a uniform sample of
   * `sampleSize` online nodes (all of them when there are no more), and one more sample when the
   * first had too few that fit: the work is bounded by the sample, not the fleet. Returns fewer
   * when fewer were found; the caller decides whether that is enough.
   */
  placePieces(request: PiecePlacementRequest): PieceTarget[] {
    const count = Math.max(0, Math.floor(request.count))
    if (count === 0) return []
    const idx = this.index
    const minFree = request.minFreeGb ?? 0
    const size = Math.max(1, Math.floor(request.sampleSize ?? STORAGE_SAMPLE_SIZE))
    const excluded = new Set<number>()
    if (request.exclude !== undefined) {
      for (const id of request.exclude) {
        const slot = idx.slotOf(id)
        if (slot >= 0) excluded.add(slot)
      }
    }
    const seen = new Set<number>()
    const byRegion = new Map<number, number[]>()
    let fit = 0
    const consider = (slot: number): void => {
      if (seen.has(slot)) return
      seen.add(slot)
      if (excluded.has(slot) || idx.freeDiskGb(slot) < minFree) return
      const region = idx.region[slot]!
      const list = byRegion.get(region)
      if (list === undefined) byRegion.set(region, [slot])
      else list.push(slot)
      fit++
    }
    const online = idx.onlineCount
    const slots = idx.onlineSlots
    if (online <= size) {
      for (let i = 0; i < online; i++) consider(slots[i]!)
    } else {
      for (let round = 0; round < 2 && fit < count; round++) {
        for (const i of this.samplePositions(online, size)) consider(slots[i]!)
      }
    }
    const regions = shuffleInPlace([...byRegion.values()], this.random).map((list) => shuffleInPlace(list, this.random))
    const chosen: PieceTarget[] = []
    for (let round = 0; chosen.length < count; round++) {
      let added = false
      for (const list of regions) {
        const slot = list[round]
        if (slot === undefined) continue
        chosen.push({ nodeId: idx.ids[slot]!, endpoint: idx.endpointOf(slot) })
        added = true
        if (chosen.length === count) break
      }
      if (!added) break
    }
    return chosen
  }

  /**
   * How many online nodes have `minFreeGb` free disk: the rule placePieces applies (without its
   * exclusions). Reads the online list's free-disk values, one typed-array read per online node;
   * stops at `limit` when given (callers that only need to know whether enough nodes exist).
   */
  countPlaceable(minFreeGb = 0, limit = Infinity): number {
    const idx = this.index
    const slots = idx.onlineSlots
    let n = 0
    for (let i = 0; i < idx.onlineCount && n < limit; i++) if (idx.freeDiskGb(slots[i]!) >= minFreeGb) n++
    return n
  }

  /** `size` distinct positions in [0, n) drawn uniformly (Floyd's algorithm: exactly `size` draws). */
  private samplePositions(n: number, size: number): Set<number> {
    const picked = new Set<number>()
    for (let j = n - size; j < n; j++) {
      const t = Math.floor(this.random() * (j + 1))
      picked.add(picked.has(t) ? j : t)
    }
    return picked
  }

  /**
   * Reference placement: evaluates every node with the same constraints and score (no sampling,
   * no exploration). O(fleet) per task; for tests and as the benchmark baseline, not for serving.
   */
  placeExhaustive(task: TaskRequirements, options: PlaceOptions = {}): Placement | undefined {
    if (!this.prepare(task, options)) return undefined
    const regionOf = this.index.region
    for (const id of this.regionList) this.regionUsed[id] = this.epoch
    for (let slot = 0; slot < this.index.highWater; slot++) {
      if (this.regionUsed[regionOf[slot]!] === this.epoch) this.evaluate(slot)
    }
    if (this.candCount === 0) return undefined
    const i = this.best()
    return { nodeId: this.index.ids[this.candSlots[i]!]!, score: this.candScores[i]!, explored: false }
  }

  private best(): number {
    let bi = 0
    let bs = -Infinity
    for (let i = 0; i < this.candCount; i++) {
      const s = this.candScores[i]!
      if (s > bs) {
        bs = s
        bi = i
      }
    }
    return bi
  }

  /**
   * Exploration pick: the best-scoring candidate among those with little data (fewer than
   * exploreMaxObservations decayed observations), a free core, and a score within exploreMargin of
   * the best; -1 when there is none. Like an optimistic (UCB) choice: a little-known node is worth
   * trying while it could still be among the best, not once its first outcomes showed it slow or
   * flaky, and exploring never queues a task behind others. Only tasks of at most typical work
   * explore.
   */
  private leastKnown(): number {
    // Probes are small tasks: a big one on an unknown node risks the most milliseconds.
    if (this.tWork > this.tTypicalWork) return -1
    const floor = this.candScores[this.best()]! - this.options.exploreMargin
    const fleet = this.model.fleetLogRate
    let bi = -1
    const d = this.index.data
    for (let i = 0; i < this.candCount; i++) {
      const slot = this.candSlots[i]!
      if (this.candScores[i]! < floor || d[slot * STRIDE + F.UTIL]! >= 1) continue
      if (this.model.observations(slot, this.tNow) >= this.options.exploreMaxObservations) continue
      // Its own timings already put it slower than a node never timed is assumed to be: it showed it is slow.
      if (d[slot * STRIDE + F.SPEED_WEIGHT]! > 0 && d[slot * STRIDE + F.PESSIMISTIC_LOG_RATE]! - fleet > this.unknownPenalty) continue
      if (bi < 0 || this.candScores[i]! > this.candScores[bi]!) bi = i
    }
    return bi
  }

  /**
   * Weights for this task, normalised to sum 1: speed counts more for tasks larger than the
   * fleet's typical one (a slow node costs a big task more milliseconds), less for smaller ones.
   */
  private taskWeights(work: number): void {
    const w = this.options.weights
    const typical = this.model.fleetLogWork
    let scale = 1
    if (typical === typical && work > 0) {
      const c = this.options.speedWorkClamp
      scale = Math.min(c, Math.max(1 / c, Math.exp(this.options.speedWorkExponent * (Math.log(work) - typical))))
    }
    // Stake counts only once some node has any: a network without staking scores as it did before.
    const stakeW = this.index.stakedCount > 0 ? w.stake : 0
    const timeW = w.time ?? 0
    const total = timeW + w.load + w.speed * scale + w.reliability + w.geo + w.fit + w.reputation + w.price + stakeW || 1
    const tw = this.w
    tw.time = timeW / total
    tw.load = w.load / total
    tw.speed = (w.speed * scale) / total
    tw.reliability = w.reliability / total
    tw.geo = w.geo / total
    tw.fit = w.fit / total
    tw.reputation = w.reputation / total
    tw.price = w.price / total
    tw.stake = stakeW / total
  }

  /**
   * Samples eligible candidates into candSlots / candScores; false when none was found. An
   * exploring placement samples the pool uniformly: little-known nodes are rarely in the best tiers.
   */
  private collect(task: TaskRequirements, options: PlaceOptions, need: number, explore: boolean): boolean {
    if (!this.prepare(task, options)) return false
    // Nearest regions first, until the pool is big enough to sample from; every region when the
    // whole fleet's matching nodes are few enough to score them all (a far fast node can beat a near
    // slow one on a big task: its round trip is milliseconds, the slower run seconds).
    const everywhere = this.worldPool() <= this.options.exhaustiveLimit
    while ((everywhere || this.pool < this.options.minPool) && this.addNextRegion()) {
      /* widen */
    }
    const want = Math.max(need, this.options.sampleSize)
    this.sampleTiers(want, need, explore)
    if (this.candCount < need && this.regionsLeft > 0) {
      // The neighbourhood has too few eligible nodes: sample the rest of the world in one more round,
      // so a placement costs at most two rounds however rare its eligible nodes are.
      while (this.addNextRegion()) {
        /* widen to everything */
      }
      this.sampleTiers(want, need, explore)
    }
    // Random probes can miss the last few eligible nodes of a pool (long exclusion lists, nearly
    // full nodes); a pool small enough is then checked node by node, so nothing that fits is missed.
    if (this.candCount < need && this.pool <= this.options.fallbackScanLimit) this.scanActive()
    // The best tiers of the whole fleet too: a far node can outscore every near one on load, speed and success.
    if (!explore && this.regionsLeft > 0 && this.regionList === this.allRegions) this.scanWorldBest()
    return this.candCount > 0
  }

  /** Nodes in the whole index's buckets of the task's classes (all regions, all tiers). */
  private worldPool(): number {
    const buckets = this.index.world.buckets
    let n = 0
    for (let c = 0; c < this.classCount; c++) n += buckets[this.classes[c]!]?.size ?? 0
    return n
  }

  /** Reads the task into scratch fields and chooses the region order; false when nothing can match. */
  private prepare(task: TaskRequirements, options: PlaceOptions): boolean {
    const e = executorIndex(task.executor)
    if (e < 0) return false
    const idx = this.index
    this.tExecBit = 1 << e
    this.tMem = Math.max(0, task.memoryGb ?? 0)
    this.tCores = Math.max(0, task.cpuCores ?? 0)
    this.tGpus = Math.max(0, task.gpus ?? 0)
    this.tGpuMem = this.tGpus > 0 ? Math.max(0, task.gpuMemoryGb ?? 0) : 0
    this.tMinRep = task.minReputation ?? -Infinity
    this.tMaxPrice = task.maxPrice ?? Infinity
    this.tMinStake = task.minStake ?? 0
    this.tStake = this.tMinStake > 0 || this.index.stakedCount > 0
    this.tNow = this.now()
    this.tMemLog2 = Math.log2(Math.max(this.tMem, 1))
    this.tGpuDemand = this.tGpus * Math.max(this.tGpuMem, 1)
    this.tWork = task.work !== undefined && task.work > 0 ? task.work : 1
    this.taskWeights(this.tWork)
    const fleetLogRate = this.model.fleetLogRate
    const fleetLogWork = this.model.fleetLogWork
    this.tTypicalWork = fleetLogWork === fleetLogWork ? Math.exp(fleetLogWork) : this.tWork
    this.tInvRefMs = fleetLogRate === fleetLogRate ? 1 / (this.tWork * Math.exp(fleetLogRate)) : 0
    this.candCount = 0
    this.pool = 0
    this.activeCount = 0

    if (++this.epoch === 0xffffffff) {
      for (let slot = 0; slot < idx.highWater; slot++) idx.marks[slot * STRIDE + F.MARK] = 0
      this.regionUsed.fill(0)
      this.epoch = 1
    }
    if (options.exclude !== undefined) {
      for (const id of options.exclude) {
        const slot = idx.slotOf(id)
        if (slot >= 0) idx.marks[slot * STRIDE + F.MARK] = this.epoch
      }
    }

    // Geographic points of interest and their centroid (the target regions are ordered by).
    const locations = task.dataLocations
    const requester = task.requester
    const total = (requester !== undefined ? 1 : 0) + (locations?.length ?? 0)
    const step = total > MAX_GEO_POINTS ? total / MAX_GEO_POINTS : 1
    this.pointCount = 0
    let tx = 0
    let ty = 0
    let tz = 0
    for (let k = 0; k < total && this.pointCount < MAX_GEO_POINTS; k++) {
      const i = Math.floor(k * step)
      const p = requester !== undefined ? (i === 0 ? requester : locations?.[i - 1]) : locations?.[i]
      if (p === undefined) break
      toUnitVector(p, this.points, this.pointCount * 3)
      tx += this.points[this.pointCount * 3]!
      ty += this.points[this.pointCount * 3 + 1]!
      tz += this.points[this.pointCount * 3 + 2]!
      this.pointCount++
    }
    this.geoFactor = this.pointCount > 0 ? 1 / (this.options.geoScaleKm * this.pointCount) : 0
    this.tRoundTripPerKm = this.pointCount > 0 ? 2 / (this.options.networkKmPerMs * this.pointCount) : 0
    const norm = Math.hypot(tx, ty, tz)
    this.hasTarget = norm > 1e-9
    if (this.hasTarget) {
      this.target[0] = tx / norm
      this.target[1] = ty / norm
      this.target[2] = tz / norm
    }

    // Resource classes that can hold an eligible node.
    this.classCount = 0
    for (let g = 0; g < GPU_CLASSES; g++) {
      if (this.tGpus > 0 && g === 0) continue
      if (this.tGpus > 0 && g - 1 < GPU_CLASS_BOUNDS.length && GPU_CLASS_BOUNDS[g - 1]! <= this.tGpuMem) continue
      for (let t = 0; t < MEMORY_TIERS; t++) {
        if (t < MEMORY_TIER_BOUNDS.length && MEMORY_TIER_BOUNDS[t]! <= this.tMem) continue
        this.classes[this.classCount++] = e * RESOURCE_CLASSES + resourceClassOf(g, t)
      }
    }

    // Regions: the hard locality constraint, else all of them.
    const regions = idx.regions
    if (this.regionUsed.length < regions.length) this.regionUsed = new Uint32Array(regions.length * 2)
    if (task.regions !== undefined) {
      this.regionList = []
      for (const name of task.regions) {
        const r = idx.regionByNameOf(name)
        if (r !== undefined && !this.regionList.includes(r.id)) this.regionList.push(r.id)
      }
    } else {
      if (this.allRegions.length !== regions.length) this.allRegions = regions.map((r) => r.id)
      this.regionList = this.allRegions
    }
    this.regionsLeft = this.regionList.length
    this.rotation = this.hasTarget || this.regionList.length === 0 ? 0 : Math.floor(this.random() * this.regionList.length)
    return this.regionList.length > 0 && this.classCount > 0
  }

  /** Adds the next region (nearest to the target first, else in rotation) to the active buckets. */
  private addNextRegion(): boolean {
    if (this.regionsLeft === 0) return false
    const regions = this.index.regions
    let pick = -1
    if (this.hasTarget) {
      if (this.centroidsVersion !== this.index.regionsVersion || this.centroids.length < regions.length * 3) this.refreshCentroids()
      const c = this.centroids
      let bestDot = -Infinity
      const tx = this.target[0]!
      const ty = this.target[1]!
      const tz = this.target[2]!
      for (const id of this.regionList) {
        if (this.regionUsed[id] === this.epoch) continue
        const dot = c[id * 3]! * tx + c[id * 3 + 1]! * ty + c[id * 3 + 2]! * tz
        if (dot > bestDot) {
          bestDot = dot
          pick = id
        }
      }
    } else {
      for (let k = 0; k < this.regionList.length && pick < 0; k++) {
        const id = this.regionList[(this.rotation + k) % this.regionList.length]!
        if (this.regionUsed[id] !== this.epoch) pick = id
      }
    }
    if (pick < 0) return false
    this.regionUsed[pick] = this.epoch
    this.regionsLeft--
    const buckets = regions[pick]!.buckets
    for (let c = 0; c < this.classCount; c++) {
      const b = buckets[this.classes[c]!]
      if (b === undefined || b.size === 0) continue
      if (this.activeCount === this.activeEnd.length) {
        const next = new Int32Array(this.activeEnd.length * 2)
        next.set(this.activeEnd)
        this.activeEnd = next
      }
      this.active[this.activeCount] = b
      this.pool += b.size
      this.activeEnd[this.activeCount++] = this.pool
    }
    return true
  }

  /** Recomputes the unit centroid of every region (after membership changed). */
  private refreshCentroids(): void {
    const regions = this.index.regions
    if (this.centroids.length < regions.length * 3) this.centroids = new Float64Array(regions.length * 6)
    for (const r of regions) {
      const n = Math.hypot(r.sx, r.sy, r.sz)
      // An empty region has no buckets to add; a zero centroid is harmless.
      this.centroids[r.id * 3] = n > 0 ? r.sx / n : 0
      this.centroids[r.id * 3 + 1] = n > 0 ? r.sy / n : 0
      this.centroids[r.id * 3 + 2] = n > 0 ? r.sz / n : 0
    }
    this.centroidsVersion = this.index.regionsVersion
  }

  /**
   * Samples the active buckets best quality tier first: the fewest best tiers holding at least
   * TOP_TIER_POOL nodes, the tiers above the last of them evaluated in full (fewer than that
   * nodes) and the last one sampled; then eight times as many while fewer than `need` eligible
   * nodes were found. An exploring placement samples all tiers uniformly. Leaves the whole buckets active.
   */
  private sampleTiers(want: number, need: number, explore: boolean): void {
    let min = explore ? Infinity : Math.max(want, TOP_TIER_POOL)
    for (;;) {
      const tier = tierHolding(this.active, this.activeCount, min)
      if (tier > 0 && !explore) {
        this.pool = tierEnds(this.active, this.activeCount, tier - 1, this.activeEnd)
        this.scanActive()
      }
      this.pool = tierEnds(this.active, this.activeCount, tier, this.activeEnd)
      this.sampleRound(want, explore)
      if (this.candCount >= need || tier === TIERS - 1) break
      min *= 8
    }
    this.pool = tierEnds(this.active, this.activeCount, TIERS - 1, this.activeEnd)
  }

  /** Evaluates the world's best nodes of the task's classes: the tiers above the first that brings them to TOP_TIER_POOL. */
  private scanWorldBest(): void {
    const buckets = this.index.world.buckets
    this.activeCount = 0
    this.pool = 0
    for (let c = 0; c < this.classCount; c++) {
      const b = buckets[this.classes[c]!]
      if (b === undefined || b.size === 0) continue
      this.active[this.activeCount] = b
      this.pool += b.size
      this.activeEnd[this.activeCount++] = this.pool
    }
    const tier = tierHolding(this.active, this.activeCount, TOP_TIER_POOL)
    if (tier === 0) return
    this.pool = tierEnds(this.active, this.activeCount, tier - 1, this.activeEnd)
    this.scanActive()
  }

  /** Evaluates every node in the active buckets (the prefix of each that activeEnd counts). */
  private scanActive(): void {
    for (let k = 0; k < this.activeCount; k++) {
      const slots = this.active[k]!.slots
      const len = this.activeEnd[k]! - (k > 0 ? this.activeEnd[k - 1]! : 0)
      for (let i = 0; i < len; i++) this.evaluate(slots[i]!)
    }
  }

  /**
   * Evaluates every node of a small pool, or random probes of a large one until `want` candidates.
   * An exploring placement always probes: among every node of the pool the known good ones would
   * always outscore the unknown ones by more than the exploration margin.
   */
  private sampleRound(want: number, explore = false): void {
    if (this.pool === 0) return
    if (this.pool <= this.options.exhaustiveLimit && !explore) {
      this.scanActive()
      return
    }
    const ends = this.activeEnd
    const last = this.activeCount - 1
    const run = this.options.sampleRun
    const batch = this.batch
    const marks = this.index.marks
    let budget = want * this.options.probeFactor
    while (budget > 0 && this.candCount < want) {
      // Draw a batch of probes and touch their records first: independent loads overlap in the
      // memory system, where evaluating one by one would wait for each cache miss in turn.
      let n = 0
      let touch = 0
      while (n + run <= batch.length && budget > 0) {
        const r = Math.floor(this.random() * this.pool)
        let lo = 0
        let hi = last
        while (lo < hi) {
          const mid = (lo + hi) >> 1
          if (ends[mid]! > r) hi = mid
          else lo = mid + 1
        }
        // A short run of neighbours in the bucket: one memory access for the slot numbers, not one each.
        const b = this.active[lo]!
        const start = lo > 0 ? ends[lo - 1]! : 0
        const from = r - start
        const to = Math.min(from + run, ends[lo]! - start)
        for (let i = from; i < to; i++) {
          const slot = b.slots[i]!
          batch[n++] = slot
          touch ^= marks[slot * STRIDE + F.MARK]!
        }
        budget -= run
      }
      this.sink ^= touch
      for (let i = 0; i < n && this.candCount < want; i++) this.evaluate(batch[i]!)
    }
  }

  /** Checks the hard constraints on one slot and, if eligible, scores it into the candidates. */
  private evaluate(slot: number): void {
    const at = slot * STRIDE
    const marks = this.index.marks
    if (marks[at + F.MARK] === this.epoch) return
    marks[at + F.MARK] = this.epoch
    const d = this.index.data
    if ((d[at + F.ELIGIBLE]! & this.tExecBit) === 0) return
    const cores = d[at + F.CORES]!
    if (d[at + F.MEMORY_FREE]! < this.tMem || cores < this.tCores) return
    const gpus = d[at + F.GPUS]!
    const gpuMem = d[at + F.GPU_MEMORY]!
    if (gpus < this.tGpus || (this.tGpus > 0 && gpuMem < this.tGpuMem)) return
    if (this.tGpus > 1 && !this.index.hasGpus(slot, this.tGpus, this.tGpuMem)) return
    const rep = d[at + F.REPUTATION]!
    if (rep < this.tMinRep) return
    const price = d[at + F.PRICE]!
    if (price > this.tMaxPrice) return
    const stake = this.tStake ? this.index.stake[slot]! : 0
    if (stake < this.tMinStake) return
    let reliability = d[at + F.RELIABILITY]!
    if (reliability < 0) {
      if (this.model.isSkipped(slot, this.tNow)) return
      reliability = -reliability
    }

    const w = this.w
    // Load: free cores cost little, queueing beyond one task per core a lot.
    const util = d[at + F.UTIL]!
    const loadT = util < 1 ? 1 - 0.5 * util : this.saturated / util
    // Fit: a CPU task on a GPU node wastes the GPU; oversize memory wastes the node, on a log scale.
    const gpuWaste = this.tGpus === 0 ? (gpus > 0 ? 1 : 0) : 1 - Math.min(1, this.tGpuDemand / (gpus * (gpuMem > 1 ? gpuMem : 1)))
    const memExcess = d[at + F.MEMORY_LOG2]! - this.tMemLog2
    const memWaste = memExcess <= 0 ? 0 : memExcess >= 8 ? 1 : memExcess * 0.125
    const fitT = 1 - (this.gpuShare * gpuWaste + (1 - this.gpuShare) * memWaste)
    let geoT = 1
    let km = 0
    if (this.pointCount > 0) {
      const x = d[at + F.UX]!
      const y = d[at + F.UY]!
      const z = d[at + F.UZ]!
      const p = this.points
      for (let k = 0; k < this.pointCount * 3; k += 3) {
        const dx = x - p[k]!
        const dy = y - p[k + 1]!
        const dz = z - p[k + 2]!
        km += chordSquaredToKm(dx * dx + dy * dy + dz * dz)
      }
      geoT = 1 / (1 + km * this.geoFactor)
    }
    const priceT = price !== price ? 0.5 : 1 / (1 + price * this.invPriceScale)
    // Speed: 1 / (1 + ratio^k), ratio = expected time per unit of work against the fleet's: the learned
    // rate (shrunk towards the fleet's while data is scarce) times (1 + queueing, in service times) when
    // no core is free, so a fast node with a queue is not mistaken for a fast one.
    const sw = d[at + F.SPEED_WEIGHT]!
    const fleet = this.model.fleetLogRate
    const queued = util + 1 / cores - 1
    // Until a node has shown its speed it is assumed somewhat slower than par (a new node may be a
    // straggler); the assumption fades as its own timings come in.
    const learnedLogRatio = fleet !== fleet ? 0 : sw === 0 ? this.unknownPenalty : sw * (d[at + F.PESSIMISTIC_LOG_RATE]! - fleet) + (1 - sw) * this.unknownPenalty
    const logRatio = queued > 0 ? learnedLogRatio + Math.log1p(queued) : learnedLogRatio
    const speedT = logRatio === 0 ? 0.5 : 1 / (1 + Math.exp(this.speedExp * logRatio))
    // Time: what this task would take here, against its time on an idle par node next door.
    let timeT = 0.5
    if (this.tInvRefMs > 0) {
      const msPerWork = Math.exp(fleet + learnedLogRatio)
      // Tasks ahead of this one beyond the free cores, each of typical work, shared by the cores.
      // A node on probation (few timings) counts as having few cores: it gets one more task at a time
      // as results come back, so an unknown straggler never holds a whole batch of tasks. Once no core
      // is free, the wait is all the work there shared by its cores: pessimistic, as p99 wants (a
      // core frees sooner on average, but a queue behind big tasks is what makes the tail).
      const timings = sw < 1 ? (this.speedShrinkage * sw) / (1 - sw) : cores
      const usable = cores < this.probationSlots + timings ? cores : this.probationSlots + timings
      const ahead = util * cores - usable + 1
      // Queued: the work dispatched there and not back (when reported), else every task there at typical work.
      const inflight = ahead > 0 ? this.model.inflightWork(slot) : 0
      const waitMs = ahead > 0 ? ((inflight > 0 ? inflight : util * cores * this.tTypicalWork) * msPerWork) / usable : 0
      const attemptMs = km * this.tRoundTripPerKm + waitMs + this.tWork * msPerWork
      timeT = 1 / (1 + (attemptMs / (reliability > 0.05 ? reliability : 0.05)) * this.tInvRefMs)
    }
    const score =
      w.time! * timeT +
      w.load * loadT +
      w.speed * speedT +
      w.reliability * (reliability >= 1 ? 1 : 1 - Math.min(1, (1 - reliability) * this.invFailureTolerance)) +
      w.geo * geoT +
      w.fit * fitT +
      w.reputation * rep +
      w.price * priceT +
      w.stake * (stake / (stake + this.stakeScale))

    if (this.candCount === this.candSlots.length) {
      const s = new Int32Array(this.candSlots.length * 2)
      s.set(this.candSlots)
      this.candSlots = s
      const sc = new Float64Array(this.candScores.length * 2)
      sc.set(this.candScores)
      this.candScores = sc
    }
    this.candSlots[this.candCount] = slot
    this.candScores[this.candCount++] = score
  }
}

/** Creates a router with validated, frozen options (see constants.ts for the defaults). */
export function createRouter(options: RouterOptions = {}): Router {
  return new Router(options)
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = items[i]!
    items[i] = items[j]!
    items[j] = tmp
  }
  return items
}
