/**
 * Discrete-event simulator for comparing routing policies on one heterogeneous fleet and one task
 * trace. Nodes differ in speed, failure rate, location and concurrency (cores); a task travels from
 * its requester to the chosen node (latency from great-circle distance), waits for a free core,
 * runs, and its result or failure travels back. A failed attempt is retried on another node.
 * Everything is drawn from seeded generators, so a (fleet, trace, policy) triple always gives the
 * same result.
 */
import type { Executor } from '@w3ai/protocol'
import { normal, seededRandom } from '@w3ai/util'
import { haversineKm } from './geo.js'
import type { GeoPoint } from './types.js'

export interface SimNode {
  id: string
  region: string
  location: GeoPoint
  /** Tasks the node runs at once; more wait in its queue. */
  cores: number
  memoryGb: number
  executors: Executor[]
  /** Mean execution time per unit of work (ms). */
  msPerWork: number
  /** Probability that an attempt fails. */
  failureRate: number
}

export interface SimTask {
  id: number
  arrivalMs: number
  work: number
  executor: Executor
  memoryGb: number
  requester: GeoPoint
}

/** What a policy sees of the simulation. */
export interface SimView {
  readonly nodes: readonly SimNode[]
  /** Attempts dispatched to the node whose result has not come back yet (what a hub knows). */
  assigned(nodeIndex: number): number
  now(): number
}

export interface SimOutcome {
  ok: boolean
  durationMs: number
  work: number
}

/** A routing policy under test. */
export interface Policy {
  readonly name: string
  /** Index of the node for the task, or -1 when none is eligible; never one in `exclude`. */
  choose(task: SimTask, exclude: ReadonlySet<number>): number
  /** The hub learns the node's assigned count changed. */
  onLoad?(nodeIndex: number): void
  /** The hub learns how an attempt ended. */
  onOutcome?(nodeIndex: number, outcome: SimOutcome): void
}

export interface SimResult {
  policy: string
  tasks: number
  completed: number
  /** Tasks that failed on every allowed attempt (or found no eligible node). */
  failedTasks: number
  attempts: number
  failedAttempts: number
  /** Completion time statistics of the measured tasks (those that arrived at or after `warmupMs`). */
  measured: number
  meanMs: number
  p50Ms: number
  p99Ms: number
  /** p99 over every completed task, warm-up included (the cold start). */
  coldP99Ms: number
}

export const SIM_REGIONS: ReadonlyArray<readonly [string, number, number]> = [
  ['eu-west', 51.5, -0.1],
  ['eu-central', 50.1, 8.7],
  ['us-east', 38.9, -77.0],
  ['us-west', 37.4, -122.1],
  ['sa-east', -23.5, -46.6],
  ['ap-south', 19.1, 72.9],
  ['ap-northeast', 35.7, 139.7],
  ['au-east', -33.9, 151.2],
]

export interface FleetOptions {
  nodes?: number
  seed?: number
  /** Share of nodes that are several times slower than the rest (default 0.12). */
  stragglers?: number
  /** Share of nodes that fail about half their attempts (default 0.08). */
  flaky?: number
}

/** A heterogeneous fleet: lognormal speeds plus stragglers, mostly reliable nodes plus flaky ones. */
export function generateFleet(options: FleetOptions = {}): SimNode[] {
  const rnd = seededRandom(options.seed ?? 1)
  const count = options.nodes ?? 300
  const nodes: SimNode[] = []
  for (let i = 0; i < count; i++) {
    const [region, lat, lon] = SIM_REGIONS[Math.floor(rnd() * SIM_REGIONS.length)]!
    const straggler = rnd() < (options.stragglers ?? 0.12)
    const flaky = rnd() < (options.flaky ?? 0.08)
    nodes.push({
      id: `sim-${i}`,
      region,
      location: { lat: lat + (rnd() - 0.5) * 6, lon: lon + (rnd() - 0.5) * 6 },
      cores: [2, 4, 4, 8, 8, 16][Math.floor(rnd() * 6)]!,
      memoryGb: [4, 8, 16, 32, 64][Math.floor(rnd() * 5)]!,
      executors: rnd() < 0.7 ? ['wasm', 'onnx'] : ['wasm'],
      msPerWork: 100 * Math.exp(0.35 * normal(rnd)) * (straggler ? 3 + rnd() * 3 : 1),
      failureRate: flaky ? 0.4 + rnd() * 0.2 : rnd() < 0.15 ? 0.08 : 0.01,
    })
  }
  return nodes
}

export interface TraceOptions {
  tasks?: number
  seed?: number
  /** Offered load as a share of the fleet's capacity (default 0.6). */
  utilization?: number
}

/** One task trace: Poisson arrivals, lognormal work sizes, requesters spread over the regions. */
export function generateTrace(fleet: readonly SimNode[], options: TraceOptions = {}): SimTask[] {
  const rnd = seededRandom(options.seed ?? 2)
  const count = options.tasks ?? 20_000
  const meanWork = 8 * Math.exp(0.6 ** 2 / 2)
  // Tasks per ms the fleet could finish if every core were busy.
  const capacity = fleet.reduce((sum, n) => sum + n.cores / (meanWork * n.msPerWork), 0)
  const rate = (options.utilization ?? 0.6) * capacity
  const tasks: SimTask[] = []
  let t = 0
  for (let i = 0; i < count; i++) {
    t += -Math.log(1 - rnd()) / rate
    const [, lat, lon] = SIM_REGIONS[Math.floor(rnd() * SIM_REGIONS.length)]!
    tasks.push({
      id: i,
      arrivalMs: t,
      work: 8 * Math.exp(0.6 * normal(rnd)),
      executor: rnd() < 0.8 ? 'wasm' : 'onnx',
      memoryGb: [0.5, 1, 2, 4, 8, 16][Math.floor(rnd() * 6)]!,
      requester: { lat: lat + (rnd() - 0.5) * 10, lon: lon + (rnd() - 0.5) * 10 },
    })
  }
  return tasks
}

/** Hard constraints every policy applies. */
export function eligible(node: SimNode, task: SimTask): boolean {
  return node.memoryGb >= task.memoryGb && node.executors.includes(task.executor)
}

export interface SimulateOptions {
  seed?: number
  /** Attempts per task before it counts as failed (default 4). */
  maxAttempts?: number
  /** One-way network latency: baseMs + km / kmPerMs (defaults 5 ms, 100 km/ms). */
  baseLatencyMs?: number
  kmPerMs?: number
  /**
   * Tasks arriving before this time (ms) warm the policies up: they are placed and run like the rest
   * but left out of the mean and percentiles (default 0: all measured). `coldP99Ms` includes them.
   */
  warmupMs?: number
  /** Called for every completed task: its completion time, attempts and the node that finished it. */
  onComplete?(task: SimTask, completionMs: number, attempts: number, nodeIndex: number): void
  /** Called for every attempt when its outcome reaches the hub: when it was sent, started on a core and ended there (diagnostics). */
  onAttempt?(task: SimTask, attempt: number, nodeIndex: number, times: { dispatchedAt: number; startedAt: number; finishedAt: number; ok: boolean }): void
}

type Event =
  | { kind: 'dispatch'; at: number; seq: number; task: SimTask; attempt: number; tried: Set<number> }
  | { kind: 'reach'; at: number; seq: number; task: SimTask; attempt: number; tried: Set<number>; node: number; dispatchedAt: number }
  | { kind: 'finish'; at: number; seq: number; task: SimTask; attempt: number; tried: Set<number>; node: number; dispatchedAt: number; ok: boolean; startedAt: number }
  | { kind: 'notice'; at: number; seq: number; task: SimTask; attempt: number; tried: Set<number>; node: number; dispatchedAt: number; ok: boolean; startedAt: number; durationMs: number }

/** Min-heap of events by time, then insertion order (deterministic ties). */
class EventQueue {
  private readonly heap: Event[] = []
  get size(): number {
    return this.heap.length
  }
  push(e: Event): void {
    const h = this.heap
    h.push(e)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }
  pop(): Event | undefined {
    const h = this.heap
    const top = h[0]
    const last = h.pop()
    if (top === undefined || last === undefined || h.length === 0) return top
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && before(h[l]!, h[m]!)) m = l
      if (r < h.length && before(h[r]!, h[m]!)) m = r
      if (m === i) break
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
    return top
  }
}

function before(a: Event, b: Event): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

/**
 * Replays the trace against the fleet with one policy. `makePolicy` receives the simulation's
 * view (assigned counts, clock) so stateful policies can read load and learn from outcomes.
 */
export function simulate(fleet: readonly SimNode[], trace: readonly SimTask[], makePolicy: (view: SimView) => Policy, options: SimulateOptions = {}): SimResult {
  const rnd = seededRandom(options.seed ?? 3)
  const maxAttempts = options.maxAttempts ?? 4
  const baseMs = options.baseLatencyMs ?? 5
  const kmPerMs = options.kmPerMs ?? 100
  const assigned = new Int32Array(fleet.length)
  const running = new Int32Array(fleet.length)
  const waiting: Array<Array<Extract<Event, { kind: 'reach' }>>> = fleet.map(() => [])
  let now = 0
  const view: SimView = { nodes: fleet, assigned: (i) => assigned[i]!, now: () => now }
  const policy = makePolicy(view)
  const queue = new EventQueue()
  let seq = 0
  const completions: number[] = []
  const all: number[] = []
  const warmupMs = options.warmupMs ?? 0
  let failedTasks = 0
  let attempts = 0
  let failedAttempts = 0
  const latency = (task: SimTask, node: number): number => baseMs + haversineKm(task.requester, fleet[node]!.location) / kmPerMs

  const start = (e: Extract<Event, { kind: 'reach' }>): void => {
    const node = fleet[e.node]!
    running[e.node]!++
    const service = e.task.work * node.msPerWork * Math.exp(0.2 * normal(rnd) - 0.02)
    const ok = rnd() >= node.failureRate
    const spent = ok ? service : service * (0.2 + 0.8 * rnd())
    queue.push({ ...e, kind: 'finish', at: now + spent, seq: seq++, ok, startedAt: now })
  }

  for (const task of trace) queue.push({ kind: 'dispatch', at: task.arrivalMs, seq: seq++, task, attempt: 1, tried: new Set() })
  for (let e = queue.pop(); e !== undefined; e = queue.pop()) {
    now = e.at
    switch (e.kind) {
      case 'dispatch': {
        const node = policy.choose(e.task, e.tried)
        if (node < 0 || e.tried.has(node) || !eligible(fleet[node]!, e.task)) {
          failedTasks++
          break
        }
        attempts++
        e.tried.add(node)
        assigned[node]!++
        policy.onLoad?.(node)
        queue.push({ ...e, kind: 'reach', at: now + latency(e.task, node), seq: seq++, node, dispatchedAt: now })
        break
      }
      case 'reach':
        if (running[e.node]! < fleet[e.node]!.cores) start(e)
        else waiting[e.node]!.push(e)
        break
      case 'finish': {
        running[e.node]!--
        const next = waiting[e.node]!.shift()
        if (next !== undefined) start(next)
        queue.push({ ...e, kind: 'notice', at: now + latency(e.task, e.node), seq: seq++, durationMs: now - e.startedAt })
        break
      }
      case 'notice':
        assigned[e.node]!--
        policy.onLoad?.(e.node)
        policy.onOutcome?.(e.node, { ok: e.ok, durationMs: e.durationMs, work: e.task.work })
        options.onAttempt?.(e.task, e.attempt, e.node, { dispatchedAt: e.dispatchedAt, startedAt: e.startedAt, finishedAt: e.startedAt + e.durationMs, ok: e.ok })
        if (e.ok) {
          all.push(now - e.task.arrivalMs)
          if (e.task.arrivalMs >= warmupMs) completions.push(now - e.task.arrivalMs)
          options.onComplete?.(e.task, now - e.task.arrivalMs, e.attempt, e.node)
        }
        else {
          failedAttempts++
          if (e.attempt < maxAttempts) queue.push({ kind: 'dispatch', at: now, seq: seq++, task: e.task, attempt: e.attempt + 1, tried: e.tried })
          else failedTasks++
        }
        break
    }
  }
  const sorted = Float64Array.from(completions).sort()
  const pctOf = (values: Float64Array, p: number): number => (values.length === 0 ? 0 : values[Math.min(values.length - 1, Math.floor(p * values.length))]!)
  const pct = (p: number): number => pctOf(sorted, p)
  return {
    policy: policy.name,
    tasks: trace.length,
    completed: all.length,
    measured: completions.length,
    failedTasks,
    attempts,
    failedAttempts,
    meanMs: completions.reduce((a, b) => a + b, 0) / Math.max(1, completions.length),
    p50Ms: pct(0.5),
    p99Ms: pct(0.99),
    coldP99Ms: pctOf(Float64Array.from(all).sort(), 0.99),
  }
}

/** A trace recorded on a devnet (bench/record-trace.ts writes one): what replay needs of it. */
export interface RecordedTrace {
  nodes: ReadonlyArray<{
    name: string
    region: string
    location: GeoPoint
    /** Tasks the node ran at once. */
    slots: number
    memoryGb: number
    attempts: number
    failures: number
    /** Median observed lease-to-result time per unit of work (ms); null when it never succeeded. */
    medianMsPerWork: number | null
  }>
  tasks: ReadonlyArray<{ arrivalMs: number; work: number }>
  /** Where the jobs were submitted from (default: the first node's location). */
  requester?: GeoPoint
}

/**
 * The fleet and task trace of a recording, for `simulate`: each node with its slots as cores, its
 * median observed time per unit of work as speed and its observed failure share (a node never
 * tried gets the fleet's median speed and no failures); the tasks' recorded arrivals and work,
 * `repeat` times in a row (each copy after the previous one's span), so the learned policies see
 * enough outcomes and p99 rests on enough tasks.
 */
export function replayRecorded(recording: RecordedTrace, repeat = 1): { fleet: SimNode[]; trace: SimTask[] } {
  const rates = recording.nodes.flatMap((n) => (n.medianMsPerWork === null ? [] : [n.medianMsPerWork])).sort((a, b) => a - b)
  const medianRate = rates[Math.floor(rates.length / 2)] ?? 100
  const fleet: SimNode[] = recording.nodes.map((n) => ({
    id: n.name,
    region: n.region,
    location: { lat: n.location.lat, lon: n.location.lon },
    cores: n.slots,
    memoryGb: n.memoryGb,
    executors: ['wasm'],
    msPerWork: n.medianMsPerWork ?? medianRate,
    failureRate: n.attempts === 0 ? 0 : Math.min(0.95, n.failures / n.attempts),
  }))
  const requester = recording.requester ?? fleet[0]?.location ?? { lat: 0, lon: 0 }
  const arrivals = recording.tasks.map((t) => t.arrivalMs)
  const first = Math.min(...arrivals)
  const span = Math.max(...arrivals) - first + (Math.max(...arrivals) - first) / Math.max(1, arrivals.length - 1)
  const trace: SimTask[] = []
  const sorted = [...recording.tasks].sort((a, b) => a.arrivalMs - b.arrivalMs)
  for (let r = 0; r < repeat; r++) {
    for (const t of sorted) {
      trace.push({ id: trace.length, arrivalMs: r * span + t.arrivalMs - first, work: t.work, executor: 'wasm', memoryGb: 0, requester })
    }
  }
  return { fleet, trace }
}
