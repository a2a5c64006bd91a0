/**
 * Routing policies for the simulator: four classic baselines, an oracle that knows the fleet's true
 * speeds and failure rates, and the learned router. All apply
 * the same hard constraints (`eligible`) and exclusions; they differ only in how they pick.
 */
import { seededRandom } from '@w3ai/util'
import { haversineKm } from './geo.js'
import { Router } from './router.js'
import { type Policy, type SimTask, type SimView, eligible } from './simulator.js'
import type { RouterOptions } from './types.js'

/** Uniformly random eligible node. */
export function randomPolicy(seed = 11): (view: SimView) => Policy {
  return (view) => {
    const rnd = seededRandom(seed)
    return {
      name: 'random',
      choose(task, exclude) {
        const ok = candidates(view, task, exclude)
        return ok.length === 0 ? -1 : ok[Math.floor(rnd() * ok.length)]!
      },
    }
  }
}

/** Next eligible node after the previous pick, in fleet order. */
export function roundRobinPolicy(): (view: SimView) => Policy {
  return (view) => {
    let next = 0
    return {
      name: 'round-robin',
      choose(task, exclude) {
        const n = view.nodes.length
        for (let k = 0; k < n; k++) {
          const i = (next + k) % n
          if (!exclude.has(i) && eligible(view.nodes[i]!, task)) {
            next = (i + 1) % n
            return i
          }
        }
        return -1
      },
    }
  }
}

/** Eligible node with the fewest assigned tasks per core (ties at random). */
export function leastLoadedPolicy(seed = 13): (view: SimView) => Policy {
  return (view) => {
    const rnd = seededRandom(seed)
    return {
      name: 'least-loaded',
      choose(task, exclude) {
        let best = -1
        let bestLoad = Infinity
        let ties = 0
        for (const i of candidates(view, task, exclude)) {
          const load = view.assigned(i) / view.nodes[i]!.cores
          if (load < bestLoad) {
            best = i
            bestLoad = load
            ties = 1
          } else if (load === bestLoad && rnd() * ++ties < 1) best = i
        }
        return best
      },
    }
  }
}

/**
 * Power of two choices: two distinct eligible nodes drawn at random, the one with fewer assigned
 * tasks per core wins (ties to the first drawn).
 */
export function powerOfTwoPolicy(seed = 19): (view: SimView) => Policy {
  return (view) => {
    const rnd = seededRandom(seed)
    return {
      name: 'power-of-two',
      choose(task, exclude) {
        const ok = candidates(view, task, exclude)
        if (ok.length <= 1) return ok[0] ?? -1
        const a = ok[Math.floor(rnd() * ok.length)]!
        let b = ok[Math.floor(rnd() * (ok.length - 1))]!
        if (b === a) b = ok[ok.length - 1]!
        const load = (i: number): number => view.assigned(i) / view.nodes[i]!.cores
        return load(b) < load(a) ? b : a
      },
    }
  }
}

export interface OracleOptions {
  /** The simulator's latency model (must match `SimulateOptions`): one way is baseMs + km / kmPerMs. */
  baseLatencyMs?: number
  kmPerMs?: number
}

/**
 * The oracle: knows every node's true speed (`msPerWork`) and failure rate, and what the hub knows
 * (the tasks it assigned to each node, with their work, and the network distances). Picks the node
 * with the least expected completion time: round trip + wait for a core behind the node's
 * outstanding work + service, with a failure costing, on average, the part of the attempt it
 * wastes plus a retry of the same expected time. It does not know the noise of each attempt.
 */
export function oraclePolicy(options: OracleOptions = {}): (view: SimView) => Policy {
  const baseMs = options.baseLatencyMs ?? 5
  const kmPerMs = options.kmPerMs ?? 100
  return (view) => {
    const outstanding = new Float64Array(view.nodes.length)
    return {
      name: 'oracle',
      choose(task, exclude) {
        let best = -1
        let bestCost = Infinity
        view.nodes.forEach((n, i) => {
          if (exclude.has(i) || !eligible(n, task)) return
          const assigned = view.assigned(i)
          const service = task.work * n.msPerWork
          const wait = assigned < n.cores ? 0 : (outstanding[i]! * n.msPerWork) / n.cores
          const roundTrip = 2 * (baseMs + haversineKm(task.requester, n.location) / kmPerMs)
          const success = roundTrip + wait + service
          // Failed attempts stop 20-100% of the way in (60% on average), then the task starts over.
          const p = n.failureRate
          const cost = success + (p / (1 - p)) * (roundTrip + wait + 0.6 * service)
          if (cost < bestCost) {
            bestCost = cost
            best = i
          }
        })
        if (best >= 0) outstanding[best]! += task.work
        return best
      },
      onOutcome(i, outcome) {
        outstanding[i] = Math.max(0, outstanding[i]! - outcome.work)
      },
    }
  }
}

/**
 * The AI router: `Router.place` over the fleet (load from assigned counts, requester location,
 * exclusions for retries), `dispatched` for every task sent (as a hub knows each task's work) and
 * `recordOutcome` feedback after every attempt.
 */
export function learnedPolicy(options: RouterOptions = {}, seed = 17): (view: SimView) => Policy {
  return (view) => {
    const router = new Router({ random: seededRandom(seed), now: view.now, ...options })
    const index = new Map<string, number>()
    view.nodes.forEach((n, i) => {
      index.set(n.id, i)
      router.upsert({
        id: n.id,
        status: 'online',
        location: { ...n.location, region: n.region },
        capabilities: { cpuCores: n.cores, memoryGb: n.memoryGb, gpus: [], executors: n.executors },
        load: null,
      })
    })
    const updateLoad = (i: number): void => {
      const n = view.nodes[i]!
      const a = view.assigned(i)
      router.updateLoad(n.id, { cpuPercent: Math.min(100, (100 * a) / n.cores), runningTasks: a })
    }
    return {
      name: 'learned router',
      choose(task: SimTask, exclude) {
        const placement = router.place(
          { executor: task.executor, memoryGb: task.memoryGb, work: task.work, requester: task.requester },
          { exclude: [...exclude].map((i) => view.nodes[i]!.id) },
        )
        if (placement === undefined) return -1
        router.dispatched(placement.nodeId, task.work)
        return index.get(placement.nodeId)!
      },
      onLoad: updateLoad,
      onOutcome(i, outcome) {
        router.recordOutcome(view.nodes[i]!.id, outcome)
      },
    }
  }
}

function candidates(view: SimView, task: SimTask, exclude: ReadonlySet<number>): number[] {
  const out: number[] = []
  view.nodes.forEach((n, i) => {
    if (!exclude.has(i) && eligible(n, task)) out.push(i)
  })
  return out
}
